"""Staff workspace: everything below a municipality's slug is scoped to the member's
membership there (see `salter.tenancy.access.municipality_view`)."""

from django.urls import include, path

from salter.workspace.views import (
    case_actions,
    cases,
    clients,
    data_rights,
    documents,
    home,
    inbox,
    management,
    requests,
    search,
)

app_name = "workspace"

case_patterns = [
    path("", cases.case_page, name="case"),
    path("note/", case_actions.add_note, name="case_note"),
    path("assign/", case_actions.assign, name="case_assign"),
    path("take/", case_actions.take, name="case_take"),
    path("status/", case_actions.change_status, name="case_status"),
    path("clients/link/", case_actions.link_client, name="case_link_client"),
    path("clients/unlink/", case_actions.unlink_client, name="case_unlink_client"),
    path("links/", case_actions.link_case, name="case_link"),
    path("parent/", case_actions.set_parent, name="case_parent"),
    path("merge/", case_actions.merge, name="case_merge"),
    path("deadlines/extend/", case_actions.extend_deadline, name="case_extend"),
    path("route/", case_actions.correct_route, name="case_route"),
    path("transfer/", case_actions.transfer, name="case_transfer"),
    path("requests/ask/", case_actions.ask_departments, name="case_ask"),
    path("requests/withdraw/", case_actions.withdraw_request, name="case_withdraw_request"),
    path("requests/answer/", case_actions.record_answer, name="case_record_answer"),
]

client_patterns = [
    path("", clients.client_page, name="client"),
    path("edit/", clients.edit_client, name="client_edit"),
    path("contacts/add/", clients.add_contact_point, name="client_add_contact"),
    path("contacts/<int:point_id>/remove/", clients.remove_contact_point,
         name="client_remove_contact"),
    path("persons/add/", clients.add_contact_person, name="client_add_person"),
    path("duplicates/", clients.duplicates, name="client_duplicates"),
    path("merge/", clients.merge, name="client_merge"),
    path("data/", data_rights.client_data, name="client_data"),
    path("data/export/", data_rights.export_data, name="client_export"),
    path("data/consents/", data_rights.add_consent, name="client_consent"),
]

municipality_patterns = [
    path("", inbox.inbox, name="inbox"),
    path("cases/new/", cases.new_case, name="case_new"),
    path("cases/assign/", management.bulk_assign, name="bulk_assign"),
    path("cases/export/", management.export_cases, name="cases_export"),
    path("management/", management.management, name="management"),
    path("cases/<int:case_id>/", include(case_patterns)),
    path("clients/", clients.client_list, name="clients"),
    path("clients/pick/", clients.pick_client, name="client_pick"),
    path("clients/<int:client_id>/", include(client_patterns)),
    path("documents/<int:document_id>/", documents.document, name="document"),
    path("requests/<int:request_id>/", requests.request_page, name="request"),
    path("search/", search.search, name="search"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("<slug:municipality>/", include(municipality_patterns)),
]
