"""The administration pages: role-gated, every change through an action and on the admin
timeline, bad input refused under its field with nothing half-saved."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from salter.accounts.models import PasswordState
from salter.administration.models import AdminChange, Target, Verb
from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.procedures.models import CalendarDay, CaseType, RoutingRule
from salter.tenancy.models import Department, Membership, WorkingHours
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_municipality, make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    municipality = make_municipality("subotica", name="Subotica")
    admin = make_member(municipality, Role.ADMIN, username="admin")
    department = make_department(municipality)
    return municipality, admin, department


def _url(municipality, tail=""):
    return f"/staff/{municipality.slug}/administration/{tail}"


def test_every_administration_page_opens_for_the_administrator(client, town):
    municipality, admin, department = town
    client.force_login(admin.user)
    procedure = make_procedure(municipality)
    for tail in ("", "staff/", f"staff/{admin.pk}/", "departments/",
                 f"departments/{department.pk}/", "procedures/", f"procedures/{procedure.pk}/",
                 "rules/", "calendar/", "endpoints/", "timeline/"):
        assert client.get(_url(municipality, tail)).status_code == 200, tail


@pytest.mark.parametrize("role", [Role.OFFICER, Role.HEAD, Role.AUDITOR, Role.REGISTRY_CLERK])
def test_other_roles_get_403(client, town, role):
    municipality, _admin, department = town
    member = make_member(municipality, role, department=department)
    client.force_login(member.user)
    assert client.get(_url(municipality, "staff/")).status_code == 403
    response = client.post(_url(municipality, "departments/"), {"name": "X", "kind": "service"})
    assert response.status_code == 403
    assert not Department.objects.filter(name="X").exists()


def test_invite_gives_a_temporary_password_and_a_timeline_entry(client, town):
    municipality, admin, department = town
    client.force_login(admin.user)
    response = client.post(_url(municipality, "staff/"), {
        "username": "jelena", "email": "Jelena@Subotica.rs", "first_name": "Jelena",
        "last_name": "Kovač", "role": Role.OFFICER, "department": department.pk})
    assert response.status_code == 200
    password = response.context["invited"]["password"]
    user = get_user_model().objects.get(username="jelena")
    assert user.check_password(password) and user.email == "jelena@subotica.rs"
    assert PasswordState.objects.get(user=user).must_change
    member = Membership.objects.get(user=user)
    assert (member.role, member.department, member.municipality) == (
        Role.OFFICER, department, municipality)
    entry = AdminChange.objects.get(target=Target.MEMBER, target_id=member.pk)
    assert entry.verb == Verb.INVITED and entry.actor == admin
    assert entry.changes["role"] == [None, Role.OFFICER]


@pytest.mark.parametrize("field, data, message", [
    ("username", {"username": "admin"}, "This username is taken."),
    ("email", {"email": "admin@example.org"}, "Another account already has this e-mail"),
    ("role", {"role": Role.AUDITOR}, "valid choice"),
])
def test_invite_refuses_bad_input_under_the_field(client, town, field, data, message):
    municipality, admin, _department = town
    client.force_login(admin.user)
    users = get_user_model().objects.count()
    body = {"username": "novi", "email": "novi@example.org", "first_name": "N",
            "last_name": "N", "role": Role.OFFICER, **data}
    response = client.post(_url(municipality, "staff/"), body)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'data-field="{field}"' in response.content.decode()
    assert get_user_model().objects.count() == users


def test_the_last_administrator_cannot_be_deactivated_or_demoted(client, town):
    municipality, admin, _department = town
    client.force_login(admin.user)
    response = client.post(_url(municipality, f"staff/{admin.pk}/active/"), {"active": "0"},
                           follow=True)
    assert "last administrator" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active
    response = client.post(_url(municipality, f"staff/{admin.pk}/"), {"role": Role.OFFICER})
    assert response.status_code == 400
    assert "last administrator" in " ".join(response.context["form"].errors["role"])
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert not AdminChange.objects.filter(target=Target.MEMBER).exists()


def test_a_second_administrator_may_deactivate_the_first(client, town):
    municipality, admin, _department = town
    second = make_member(municipality, Role.ADMIN, username="second")
    client.force_login(second.user)
    client.post(_url(municipality, f"staff/{admin.pk}/active/"), {"active": "0"})
    admin.refresh_from_db()
    assert not admin.is_active
    assert AdminChange.objects.get(target_id=admin.pk).verb == Verb.DEACTIVATED
    assert client.get(f"/staff/{municipality.slug}/", HTTP_ACCEPT="text/html").status_code == 200


def test_department_with_names_per_language(client, town):
    municipality, admin, _department = town
    client.force_login(admin.user)
    response = client.post(_url(municipality, "departments/"), {
        "name": "Odeljenje za urbanizam", "name_hu": "Városrendezési Osztály",
        "kind": "department", "email": "urbanizam@subotica.rs", "is_active": "on"})
    assert response.status_code == 302
    created = Department.objects.get(name="Odeljenje za urbanizam")
    assert created.name_in("hu") == "Városrendezési Osztály"
    assert created.name_in("sr") == "Одељење за урбанизам"
    assert created.name_in("en") == "Odeljenje za urbanizam"
    response = client.post(_url(municipality, "departments/"), {
        "name": "odeljenje za URBANIZAM", "kind": "department"})
    assert response.status_code == 400
    assert "already has a department" in " ".join(response.context["form"].errors["name"])


def test_procedure_with_a_rule_that_does_not_parse_is_refused(client, town):
    municipality, admin, department = town
    client.force_login(admin.user)
    body = {"code": "ulicna-rasveta", "name": "Ulična rasveta", "name_hu": "Közvilágítás",
            "category": "communal", "classification": "352", "department": department.pk,
            "priority": 20, "first_response_rule": "2 working days",
            "resolution_rule": "15 calendr days", "is_active": "on"}
    response = client.post(_url(municipality, "procedures/"), body)
    assert response.status_code == 400
    assert response.context["form"].errors["resolution_rule"]
    assert not CaseType.objects.filter(code="ulicna-rasveta").exists()
    response = client.post(_url(municipality, "procedures/"),
                           {**body, "resolution_rule": "8 radnih dana"})
    assert response.status_code == 302
    procedure = CaseType.objects.get(code="ulicna-rasveta")
    assert procedure.resolution_rule == "8 working days"
    assert procedure.name_in("hu") == "Közvilágítás"
    assert AdminChange.objects.filter(target=Target.PROCEDURE, target_id=procedure.pk,
                                      verb=Verb.CREATED).exists()


def test_reply_template_with_an_unknown_placeholder_is_refused(client, town):
    municipality, admin, _department = town
    procedure = make_procedure(municipality)
    client.force_login(admin.user)
    url = _url(municipality, f"procedures/{procedure.pk}/")
    response = client.post(url, {"template": "1", "template-key": "primljeno",
                                 "template-title": "Primljeno",
                                 "template-body": "Predmet {broj} je primljen."})
    assert response.status_code == 400
    assert "{broj}" in " ".join(response.context["template_form"].errors["body"])
    response = client.post(url, {"template": "1", "template-key": "primljeno",
                                 "template-title": "Primljeno",
                                 "template-body": "Predmet {registry_number} je primljen.",
                                 "template-body_hu": "Az ügy {registry_number} beérkezett."})
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.reply_template("primljeno", "hu")[1] == "Az ügy {registry_number} beérkezett."
    assert AdminChange.objects.get(target=Target.REPLY_TEMPLATE).target_id == procedure.pk


def test_routing_rule_test_box_shows_the_recent_cases_it_catches(client, town):
    municipality, admin, department = town
    procedure = make_procedure(municipality)
    caught = create_case(actor=admin, subject="Ne radi ulična rasveta", channel=Channel.EMAIL)
    create_case(actor=admin, subject="Rupa na putu", channel=Channel.EMAIL)
    client.force_login(admin.user)
    body = {"order": 20, "keywords": "rasveta", "case_type": procedure.pk,
            "department": department.pk, "is_active": "on"}
    response = client.post(_url(municipality, "rules/"), {**body, "test": "1"})
    tested = response.context["tested"]
    assert [c.pk for c in tested.caught] == [caught.pk] and tested.tried == 2
    assert not RoutingRule.objects.filter(keywords="rasveta").exists()
    response = client.post(_url(municipality, "rules/"), {**body, "save": "1"})
    assert response.status_code == 302
    rule = RoutingRule.objects.get(keywords="rasveta")
    assert AdminChange.objects.get(target=Target.ROUTING_RULE, target_id=rule.pk).changes[
        "keywords"] == [None, "rasveta"]


def test_routing_rule_with_a_bad_condition_is_refused_under_it(client, town):
    municipality, admin, department = town
    client.force_login(admin.user)
    response = client.post(_url(municipality, "rules/"), {
        "order": 20, "sender_domain": "not a domain", "department": department.pk,
        "save": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["sender_domain"]
    response = client.post(_url(municipality, "rules/"), {
        "order": 20, "keywords": "ab", "department": department.pk, "test": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["keywords"]


def test_office_hours_that_close_before_they_open_are_refused(client, town):
    municipality, admin, _department = town
    client.force_login(admin.user)
    before = list(WorkingHours.objects.filter(municipality=municipality, weekday=0)
                  .values_list("opens", "closes"))
    response = client.post(_url(municipality, "calendar/"), {
        "form": "hours", "hours-weekday": 0, "hours-opens": "15:00", "hours-closes": "08:00"})
    assert response.status_code == 400
    assert response.context["hours_form"].errors["closes"]
    assert list(WorkingHours.objects.filter(municipality=municipality, weekday=0)
                .values_list("opens", "closes")) == before
    response = client.post(_url(municipality, "calendar/"), {
        "form": "hours", "hours-weekday": 0, "hours-opens": "08:00", "hours-closes": "12:00",
        "hours-opens_2": "13:00", "hours-closes_2": "16:00"})
    assert response.status_code == 302
    assert list(WorkingHours.objects.filter(municipality=municipality, weekday=0)
                .order_by("opens").values_list("opens", "closes")) == [
        (datetime.time(8), datetime.time(12)), (datetime.time(13), datetime.time(16))]
    entry = AdminChange.objects.get(target=Target.OFFICE_HOURS)
    assert entry.changes["periods"][1] == ["08:00–12:00", "13:00–16:00"]


def test_day_off_added_and_removed_on_the_timeline(client, town):
    municipality, admin, _department = town
    client.force_login(admin.user)
    response = client.post(_url(municipality, "calendar/"), {
        "form": "day_off", "off-date": "2026-09-01", "off-reason": "Dan grada"})
    assert response.status_code == 302
    day = CalendarDay.objects.get(municipality=municipality)
    response = client.post(_url(municipality, "calendar/"), {
        "form": "day_off", "off-date": "2026-09-01", "off-reason": "Opet"})
    assert response.status_code == 400
    assert response.context["day_off_form"].errors["date"]
    client.post(_url(municipality, f"calendar/{day.pk}/remove/"))
    assert not CalendarDay.objects.exists()
    assert [e.verb for e in AdminChange.objects.filter(target=Target.CALENDAR_DAY)] == [
        Verb.REMOVED, Verb.CREATED]


def test_endpoint_addresses_are_validated(client, town):
    municipality, admin, department = town
    client.force_login(admin.user)
    response = client.post(_url(municipality, "endpoints/"), {
        "channel": "email", "address": "not-an-address", "department": department.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["address"]
    response = client.post(_url(municipality, "endpoints/"), {
        "channel": "email", "address": "Pisarnica@Subotica.rs", "is_active": "on"})
    assert response.status_code == 302
    response = client.post(_url(municipality, "endpoints/"), {
        "channel": "email", "address": "pisarnica@subotica.rs"})
    assert "already has this endpoint" in " ".join(response.context["form"].errors["address"])


def test_another_municipality_sees_nothing(client, town):
    municipality, admin, department = town
    other = make_municipality("sombor", name="Sombor")
    stranger = make_member(other, Role.ADMIN, username="stranger")
    client.force_login(stranger.user)
    assert client.get(_url(municipality, "staff/")).status_code == 404
    assert client.get(_url(other, f"departments/{department.pk}/")).status_code == 404
    assert client.get(_url(other, f"staff/{admin.pk}/")).status_code == 404


def test_mailbox_of_an_email_endpoint_is_set_and_its_password_kept(client, town):
    from salter.channels.models import Endpoint, Mailbox

    municipality, admin, _department = town
    endpoint = Endpoint.objects.create(municipality=municipality, channel="email",
                                       address="pisarnica@subotica.rs")
    client.force_login(admin.user)
    url = _url(municipality, f"endpoints/{endpoint.pk}/")
    body = {"mailbox": "1", "imap-imap_host": "imap.subotica.rs", "imap-imap_port": "993",
            "imap-imap_ssl": "on", "imap-imap_username": "pisarnica", "imap-folder": "INBOX",
            "imap-poll_seconds": "60", "imap-is_active": "on"}
    response = client.post(url, body)
    assert response.status_code == 400
    assert response.context["mailbox_form"].errors["password"]
    assert not Mailbox.objects.exists()
    assert client.post(url, {**body, "imap-password": "tajna"}).status_code == 302
    assert client.post(url, {**body, "imap-imap_host": "mail.subotica.rs"}).status_code == 302
    mailbox = Mailbox.objects.get(endpoint=endpoint)
    assert (mailbox.imap_host, mailbox.imap_password) == ("mail.subotica.rs", "tajna")
    entries = AdminChange.objects.filter(target=Target.ENDPOINT, target_id=endpoint.pk)
    assert "tajna" not in str([e.changes for e in entries])
    assert entries.first().changes["imap_host"] == ["imap.subotica.rs", "mail.subotica.rs"]
