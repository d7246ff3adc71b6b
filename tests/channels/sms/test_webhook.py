"""A commercial gateway's JSON webhook: signed with HMAC-SHA256 over the time stamp and
the body, within a replay window, idempotent by the gateway's id."""

import json
import logging
import time

import pytest

from salter.cases.actions import create_case
from salter.cases.models import Case, Channel
from salter.channels.models import Endpoint, InboundMessage, OutboundMessage
from salter.channels.sms.actions import reply_by_sms
from salter.channels.sms.webhook import signature
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.intake.pipeline import process_batch

pytestmark = pytest.mark.django_db
URL = "/gateway/sms/webhook/{slug}/"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.SALTER_SMS_SECRET = "webhook-test-secret"


def post(client, municipality, payload, *, stamp=None, sign_for=None, sig=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    stamp = str(int(time.time()) if stamp is None else stamp)
    headers = {"HTTP_X_SALTER_TIMESTAMP": stamp}
    if sig is not False:
        headers["HTTP_X_SALTER_SIGNATURE"] = sig or signature(
            sign_for or municipality.slug, stamp, body)
    return client.post(URL.format(slug=municipality.slug), body,
                       content_type="application/json", **headers)


def settle():
    return process_batch(list(InboundMessage.objects.filter(
        state=InboundMessage.State.RECEIVED).values_list("pk", flat=True)))


MO = {"type": "mo", "id": "gw-1", "from": "064 123 4567", "to": "1234",
      "text": "Ne radi semafor na raskrsnici"}


def test_a_signed_mo_becomes_a_case_once(client, municipality, department):
    Endpoint.objects.create(municipality=municipality, channel=Channel.SMS, address="1234",
                            department=department)
    assert post(client, municipality, MO).status_code == 202
    # The gateway resends: a new time stamp, the same id.
    assert post(client, municipality, MO, stamp=int(time.time()) - 5).status_code == 200
    assert InboundMessage.objects.count() == 1
    settle()
    case = Case.objects.get(municipality=municipality)
    assert case.description == MO["text"] and case.department == department
    assert case.parties.get().client.contact_points.get().value == "+381641234567"


def test_unsigned_wrong_stale_replayed_and_foreign_are_refused_and_logged(
        client, municipality, other_municipality, caplog):
    caplog.set_level(logging.WARNING, logger="salter.channels.sms.views")
    assert post(client, municipality, MO, sig=False).status_code == 401
    assert post(client, municipality, MO, sig="sha256=" + "0" * 64).status_code == 403
    assert post(client, municipality, MO, sign_for=other_municipality.slug).status_code == 403
    assert post(client, municipality, MO, stamp=int(time.time()) - 3600).status_code == 403
    assert not InboundMessage.objects.exists()
    stamp = int(time.time())
    assert post(client, municipality, MO, stamp=stamp).status_code == 202
    assert post(client, municipality, MO, stamp=stamp).status_code == 403  # replayed
    assert InboundMessage.objects.count() == 1
    reasons = " ".join(r.getMessage() for r in caplog.records)
    for reason in ("unsigned", "wrong signature", "stale", "replayed"):
        assert reason in reasons


def test_malformed_json_is_400_and_kept(client, municipality):
    response = post(client, municipality, None, raw=b'{"type": "mo", "id": 5')
    assert response.status_code == 400 and response.content.startswith(b"body:")
    response = post(client, municipality, {"type": "mo", "id": "x", "from": "0641234567"})
    assert response.status_code == 400 and response.content.startswith(b"to:")
    settle()
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {"quarantined"}


def test_a_signed_delivery_report_updates_our_message(client, municipality, clerk):
    citizen = create_client(actor=clerk, first_name="Ana", last_name="Kovač",
                            contacts=[(ContactPoint.Kind.PHONE, "+381641234567")])
    case = create_case(actor=clerk, subject="Rupa", channel=Channel.SMS, clients=[citizen])
    message = reply_by_sms(actor=clerk, case=case, body="Sutra popravljamo.")
    report = {"type": "dlr", "id": "gw-r1", "message_id": message.external_id,
              "status": "delivered"}
    assert post(client, municipality, report).status_code == 202
    settle()
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.DELIVERED
    bad = {**report, "id": "gw-r2", "status": "lost"}
    assert post(client, municipality, bad).status_code == 400
