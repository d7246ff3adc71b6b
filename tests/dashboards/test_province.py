"""The province overview: aggregates for provincial supervisors only, no personal data."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from salter.cases import actions
from salter.cases.models import Channel
from salter.cases.workflow import Status
from salter.clients.actions import create_client
from salter.clients.models import Client
from salter.dashboards.figures import local_day, rebuild_days
from salter.dashboards.province import province_report
from salter.tenancy.models import Municipality, ProvincialRole
from tests.factories import PASSWORD, make_procedure

pytestmark = pytest.mark.django_db
URL = reverse("dashboards:province")


@pytest.fixture
def supervisor(db):
    user = get_user_model().objects.create_user("nadzor", password=PASSWORD)
    ProvincialRole.objects.create(user=user)
    return user


@pytest.fixture
def cases(clerk, other_clerk):
    """Subotica: three cases, one overdue and one resolved; Sombor: one by e-mail."""
    subotica = clerk.municipality
    ana = create_client(actor=clerk, first_name="Anastazija", last_name="Zrnić")
    info = make_procedure(subotica, "Informacije", classification="031")
    long_ago = timezone.now() - datetime.timedelta(days=40)
    overdue = actions.create_case(actor=clerk, subject="Tajni predmet Zrnić", clients=[ana],
                                  channel=Channel.PHONE, case_type=info, received_at=long_ago)
    actions.add_note(actor=clerk, case=overdue, text="Interna beleška")
    resolved = actions.create_case(actor=clerk, subject="Drugi", channel=Channel.PHONE,
                                   received_at=timezone.now() - datetime.timedelta(days=4))
    actions.change_case_status(actor=clerk, case=resolved, status=Status.RESOLVED)
    actions.create_case(actor=clerk, subject="Treći", channel=Channel.COUNTER)
    actions.create_case(actor=other_clerk, subject="Somborski", channel=Channel.EMAIL)
    _figures()
    return {"overdue": overdue, "resolved": resolved}


def _figures():
    """What the worker's `dashboards.daily-figures` job keeps, for the last 45 days."""
    today = local_day(timezone.now())
    rebuild_days([today - datetime.timedelta(days=n) for n in range(45)])


def _row(report, slug):
    return next(f for m, f in report.rows if m.slug == slug)


def test_report_counts_per_active_municipality_and_totals(cases):
    # Four weeks: the case received 40 days ago is open and overdue, not received in it.
    report = province_report(weeks=4)
    assert {m.slug for m, _f in report.rows} == set(
        Municipality.objects.active().values_list("slug", flat=True))
    subotica = _row(report, "subotica")
    assert (subotica.open, subotica.overdue, subotica.figure.received,
            subotica.figure.resolved) == (2, 1, 2, 1)
    assert subotica.figure.resolution_median == pytest.approx(4 * 24 * 60, abs=2)
    assert subotica.by_channel == {Channel.PHONE: 1, Channel.COUNTER: 1}
    sombor = _row(report, "sombor")
    assert (sombor.open, sombor.overdue, sombor.figure.received,
            sombor.figure.resolved) == (1, 0, 1, 0)
    assert sombor.figure.resolution_median is None
    assert (report.total.open, report.total.overdue, report.total.figure.received) == (3, 1, 3)
    assert report.total.by_channel[Channel.EMAIL] == 1
    assert province_report(weeks=12).total.figure.received == 4


def test_inactive_municipalities_are_left_out(cases):
    Municipality.objects.filter(slug="sombor").update(is_active=False)
    report = province_report(weeks=4)
    assert "sombor" not in {m.slug for m, _f in report.rows}
    assert report.total.open == 2


def test_supervisor_sees_aggregates_without_personal_data(client, supervisor, cases):
    client.force_login(supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-municipality="subotica"' in html and "Subotica" in html
    assert 'data-municipality="total"' in html
    for private in ("Anastazija", "Zrnić", "Tajni predmet", "Interna beleška",
                    cases["overdue"].registry_number, cases["overdue"].tracking_code,
                    "clerk", "Clerk"):
        assert private not in html


def test_staff_without_a_provincial_role_get_404(client, clerk):
    client.force_login(clerk.user)
    assert client.get(URL).status_code == 404


def test_superuser_without_the_role_gets_404_too(client):
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin)
    assert client.get(URL).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_business_case_counts_like_any_other(clerk):
    firm = create_client(actor=clerk, kind=Client.Kind.BUSINESS, business_name="Agro d.o.o.",
                         pib="113460262", mb="66841251")
    actions.create_case(actor=clerk, subject="Dozvola", channel=Channel.EMAIL, clients=[firm])
    _figures()
    assert _row(province_report(), "subotica").figure.received == 1
