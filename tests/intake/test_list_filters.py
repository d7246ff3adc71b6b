"""The list of messages set aside filters by state, channel and the period they arrived
in; a filter it cannot read names its field and shows nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from salter.cases.models import Channel
from salter.channels.models import InboundMessage
from salter.channels.store import store_inbound
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
State = InboundMessage.State


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _message(municipality, subject, *, channel=Channel.EMAIL, state=State.REVIEW,
             days_ago=0):
    inbound, _ = store_inbound(municipality=municipality, channel=channel,
                               raw=subject.encode(), idempotency_key=f"key-{subject}",
                               source="test")
    InboundMessage.objects.filter(pk=inbound.pk).update(
        state=state, subject=subject, reason="test",
        received_at=timezone.now() - datetime.timedelta(days=days_ago))
    return inbound


@pytest.fixture
def set_aside(municipality, other_municipality):
    _message(municipality, "Lampa", state=State.QUARANTINED, days_ago=40)
    _message(municipality, "Rupa", channel=Channel.SMS)
    _message(municipality, "Buka")
    _message(municipality, "Obrađena", state=State.PROCESSED)  # not set aside
    _message(other_municipality, "Tuđa", state=State.QUARANTINED)


@pytest.fixture
def staff(client, clerk):
    client.login(username=clerk.user.username, password=PASSWORD)
    return client


def _listed(staff, municipality, **filters):
    response = staff.get(reverse("intake:messages", kwargs={"municipality": municipality.slug}),
                         filters)
    assert response.status_code == 200
    return response, {m.subject for m in response.context["inbound"]}


def test_without_filters_the_list_shows_every_message_set_aside(staff, municipality,
                                                                set_aside):
    assert _listed(staff, municipality)[1] == {"Lampa", "Rupa", "Buka"}


def test_each_filter_narrows_the_list(staff, municipality, set_aside):
    today = timezone.localdate()
    cases = [
        ({"state": "quarantined"}, {"Lampa"}),
        ({"state": "review"}, {"Rupa", "Buka"}),
        ({"channel": "sms"}, {"Rupa"}),
        ({"channel": "email"}, {"Lampa", "Buka"}),
        ({"received_from": today - datetime.timedelta(days=1)}, {"Rupa", "Buka"}),
        ({"received_to": today - datetime.timedelta(days=30)}, {"Lampa"}),
        ({"received_from": today - datetime.timedelta(days=41),
          "received_to": today - datetime.timedelta(days=39)}, {"Lampa"}),
        ({"state": "review", "channel": "email"}, {"Buka"}),
    ]
    for filters, expected in cases:
        assert _listed(staff, municipality, **filters)[1] == expected, filters


def test_the_state_tabs_keep_the_other_filters(staff, municipality, set_aside):
    page = _listed(staff, municipality, channel="sms")[0].content.decode()
    assert "?channel=sms&amp;state=review" in page
    assert "?channel=sms&amp;state=quarantined" in page


@pytest.mark.parametrize("filters, field", [
    ({"state": "processed"}, "state"),  # a state, but not one of this list's
    ({"state": "anything"}, "state"),
    ({"channel": "fax"}, "channel"),
    ({"received_from": "2026-02-30"}, "received_from"),
    ({"received_to": "yesterday"}, "received_to"),
    ({"received_from": "2026-05-02", "received_to": "2026-05-01"}, "received_to"),
])
def test_a_filter_that_cannot_be_read_names_its_field_and_shows_nothing(
        staff, municipality, set_aside, filters, field):
    response, shown = _listed(staff, municipality, **filters)
    assert shown == set()
    assert f'data-field="{field}"' in response.content.decode()
