"""Staff roles and what each may do: the one place where permissions are decided.

Roles are per municipality (a `Membership`), except the provincial supervisor,
who belongs to the Province and sees only aggregates.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REGISTRY_CLERK = "registry_clerk", _("Registry clerk")
    AGENT = "agent", _("Call-centre agent")
    OFFICER = "officer", _("Department officer")
    HEAD = "head", _("Department head")
    ADMIN = "admin", _("Municipal administrator")
    AUDITOR = "auditor", _("Auditor")


class Perm(models.TextChoices):
    VIEW_ALL_CASES = "view_all_cases", _("See every case of the municipality")
    CREATE_CASE = "create_case", _("Open cases")
    EDIT_CASE = "edit_case", _("Edit, note and link cases")
    ASSIGN_CASE = "assign_case", _("Assign cases")
    CHANGE_STATUS = "change_status", _("Change case status")
    MERGE_CASES = "merge_cases", _("Merge duplicate cases")
    EDIT_CLIENT = "edit_client", _("Create and edit clients")
    MERGE_CLIENTS = "merge_clients", _("Merge duplicate clients")
    MANAGE_MUNICIPALITY = "manage_municipality", _("Manage departments and staff")
    TRANSFER_CASE = "transfer_case", _("Transfer cases to another municipality")
    OVERRIDE_OPEN_REQUESTS = "override_open_requests", _(
        "Resolve a case while requests to departments are still open")
    READ_ACCESS_LOG = "read_access_log", _("Search and export the access log")
    ANSWER_DATA_REQUESTS = "answer_data_requests", _(
        "Answer data subjects' requests: export everything held on a client")
    VIEW_FIGURES = "view_figures", _(
        "See workload, dashboards and their exports (of the cases the role sees)")


_WORK = {
    Perm.CREATE_CASE, Perm.EDIT_CASE, Perm.ASSIGN_CASE, Perm.CHANGE_STATUS, Perm.EDIT_CLIENT,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.REGISTRY_CLERK: frozenset(_WORK | {Perm.VIEW_ALL_CASES, Perm.MERGE_CASES,
                                            Perm.TRANSFER_CASE}),
    Role.AGENT: frozenset(_WORK | {Perm.VIEW_ALL_CASES}),
    Role.OFFICER: frozenset(_WORK),
    Role.HEAD: frozenset(_WORK | {Perm.MERGE_CASES, Perm.MERGE_CLIENTS, Perm.TRANSFER_CASE,
                                  Perm.OVERRIDE_OPEN_REQUESTS, Perm.VIEW_FIGURES}),
    Role.ADMIN: frozenset(set(Perm.values)),
    # An auditor reads everything and changes nothing.
    Role.AUDITOR: frozenset({Perm.VIEW_ALL_CASES, Perm.READ_ACCESS_LOG, Perm.VIEW_FIGURES}),
}


def role_allows(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
