"""The Kannel callbacks and the SMS adapter through intake, with bad input of every kind:
requests as Kannel's smsbox sends them, to Šalter's endpoints, then processed."""

import io
import urllib.parse
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from salter.cases.actions import create_case
from salter.cases.models import Case, CaseEvent, Channel
from salter.channels.actions import create_endpoint, update_endpoint
from salter.channels.email.devservices import free_port
from salter.channels.models import Endpoint, InboundMessage, OutboundMessage
from salter.channels.outbox import send_outbound
from salter.channels.sms import kannel
from salter.channels.sms.accept import settle_stale_parts
from salter.channels.sms.actions import reply_by_sms
from salter.channels.sms.models import SmsSettings
from salter.clients.actions import create_client
from salter.clients.models import Client, Consent, ContactPoint
from salter.intake.pipeline import process_batch
from salter.tenancy.onboarding import deactivate_municipality
from salter.tenancy.roles import Role
from tests.factories import make_member, make_municipality

pytestmark = pytest.mark.django_db
State = InboundMessage.State
CITIZEN = "+381641234567"


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    settings.SALTER_SMS_SECRET = "test-secret-of-the-sms-gateway"
    # A port nothing listens on: Kannel is down.
    settings.SALTER_KANNEL_URL = f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms"
    settings.SALTER_SMS_CALLBACK_URL = "https://salter.example.rs"


@pytest.fixture
def endpoint(municipality, department):
    return Endpoint.objects.create(municipality=municipality, channel=Channel.SMS,
                                   address="1234", department=department)


def mo(client, municipality, *, sender="0641234567", text="Ne radi rasveta", coding="0",
       charset="UTF-8", udh=b"", secret=None, extra="", raw_text=None, msg_id=None,
       stamp=None):
    data = raw_text if raw_text is not None else (
        text.encode("utf-16-be") if coding == "2" else text.encode(charset or "utf-8"))
    query = "&".join([
        f"secret={secret if secret is not None else kannel.mo_secret(municipality.slug)}",
        f"from={urllib.parse.quote(sender)}", "to=1234",
        f"text={urllib.parse.quote(data)}", f"coding={coding}", f"charset={charset}",
        f"udh={urllib.parse.quote(udh)}", "smsc=fake",
        f"time={stamp if stamp is not None else int(timezone.now().timestamp())}",
        f"id={msg_id or ''}"]) + extra
    return client.get(f"/gateway/sms/kannel/{municipality.slug}/mo/?{query}")


def settle():
    ids = list(InboundMessage.objects.filter(state=State.RECEIVED).values_list("pk", flat=True))
    return process_batch(ids)


def latest():
    return InboundMessage.objects.filter(channel=Channel.SMS).order_by("-pk").first()


# --- the boundary ---------------------------------------------------------------------------


def test_wrong_missing_or_another_municipalitys_secret_is_403(client, municipality,
                                                              other_municipality):
    assert mo(client, municipality, secret="nope").status_code == 403
    assert mo(client, municipality, secret="").status_code == 403
    theirs = kannel.mo_secret(other_municipality.slug)
    assert mo(client, municipality, secret=theirs).status_code == 403
    assert client.get("/gateway/sms/kannel/no-such-place/mo/?secret=x").status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_text_opens_a_case_for_a_new_client_and_is_acknowledged(client, municipality,
                                                                   endpoint):
    response = mo(client, municipality, text="Ne radi ulicna rasveta u Ulici Kralja Petra 5")
    assert response.status_code == 202
    inbound = latest()
    assert inbound.sender == CITIZEN and inbound.endpoint == endpoint
    assert b"KANNEL-MO/1 GET" in inbound.raw.data  # stored exactly as it came
    settle()
    inbound.refresh_from_db()
    assert inbound.state == State.PROCESSED
    case = inbound.case
    assert case.channel == Channel.SMS and case.department == endpoint.department
    client_row = case.parties.get().client
    assert client_row.contact_points.get().value == CITIZEN
    [ack] = OutboundMessage.objects.filter(case=case)
    assert ack.channel == Channel.SMS and ack.purpose == "ack" and ack.recipient == CITIZEN
    assert case.registry_number in ack.body_text and case.tracking_code in ack.body_text
    assert ack.endpoint == endpoint


def test_kannels_retry_is_the_same_message(client, municipality, endpoint):
    assert mo(client, municipality, msg_id="abc-1").status_code == 202
    assert mo(client, municipality, msg_id="abc-1").status_code == 200
    assert InboundMessage.objects.count() == 1
    settle()
    assert Case.objects.filter(municipality=municipality).count() == 1


def test_cyrillic_ucs2_decoded_exactly(client, municipality, endpoint):
    text = "Ђубре није одвезено, Улица Змај Јовина 3 — хитно!"
    assert mo(client, municipality, text=text, coding="2", charset="UTF-16BE").status_code == 202
    settle()
    assert latest().case.description == text
    assert latest().case.language == "sr"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"raw_text": b"\x04\x1a\x04"}, "text"),  # odd UCS-2
    ({"raw_text": b"\xc3\x28"}, "text"),  # invalid UTF-8
    ({"coding": "7"}, "coding"),
    ({"stamp": "yesterday"}, "time"),
    ({"udh": bytes((9, 0, 3, 1, 2, 1))}, "udh"),
])
def test_malformed_input_is_a_400_naming_the_field_and_kept_in_quarantine(
        client, municipality, endpoint, kwargs, field):
    if "raw_text" in kwargs:
        kwargs.setdefault("coding", "2" if len(kwargs["raw_text"]) % 2 else "0")
    response = mo(client, municipality, **kwargs)
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}:")
    settle()
    stored = latest()
    assert stored.state == State.QUARANTINED and stored.reason
    assert not Case.objects.filter(municipality=municipality).exists()


def test_missing_sender_field_is_400(client, municipality):
    query = f"secret={kannel.mo_secret(municipality.slug)}&to=1234&text=x"
    response = client.get(f"/gateway/sms/kannel/{municipality.slug}/mo/?{query}")
    assert response.status_code == 400 and response.content.startswith(b"from:")


def test_empty_text_is_kept_with_a_reason(client, municipality, endpoint):
    assert mo(client, municipality, text="   ").status_code == 202
    settle()
    assert latest().state == State.QUARANTINED
    assert "empty" in latest().reason


def test_alphanumeric_and_withheld_senders_are_never_answered(client, municipality, endpoint):
    mo(client, municipality, sender="InfoBanka", text="Vas racun je spreman")
    mo(client, municipality, sender="", text="Neko bez broja")
    settle()
    for inbound in InboundMessage.objects.all():
        assert inbound.state == State.REVIEW
    assert set(InboundMessage.objects.values_list("sender", flat=True)) == {"InfoBanka", ""}
    assert not OutboundMessage.objects.exists()
    assert not Client.objects.filter(municipality=municipality).exists()


def test_a_foreign_number_gets_a_case_but_no_acknowledgement(client, municipality, endpoint):
    mo(client, municipality, sender="+36301234567", text="Kátyú az úton")
    settle()
    case = latest().case
    assert case is not None
    assert latest().metadata["sms"]["foreign"] is True
    assert not OutboundMessage.objects.exists()


def test_a_2000_character_text_taken_whole(client, municipality, endpoint):
    text = ("Rupa na putu kod skole. " * 90)[:2000]
    assert mo(client, municipality, text=text).status_code == 202
    settle()
    assert latest().case.description == text.strip()


# --- joining cases ---------------------------------------------------------------------------


def test_the_tracking_code_or_the_only_recent_open_case_is_joined(client, municipality,
                                                                  endpoint):
    mo(client, municipality, text="Rupa na putu", msg_id="1")
    settle()
    case = latest().case
    mo(client, municipality, text="Jos uvek nije popravljeno", msg_id="2")
    settle()
    assert latest().case == case and latest().outcome == "appended"
    # Out of the window: a new case, unless the text names the case.
    SmsSettings.objects.create(municipality=municipality, daily_limit=100,
                               hourly_acknowledged=50, recent_case_hours=0)
    mo(client, municipality, text="Nova stvar: pas lutalica", msg_id="3")
    settle()
    assert latest().case != case
    mo(client, municipality, text=f"Za predmet {case.tracking_code}: i dalje", msg_id="4")
    settle()
    assert latest().case == case


def test_acknowledged_once_per_case_and_not_to_a_number_texting_too_often(
        client, municipality, endpoint):
    SmsSettings.objects.create(municipality=municipality, daily_limit=100,
                               hourly_acknowledged=2, recent_case_hours=0)
    for n in range(4):
        mo(client, municipality, text=f"Prijava broj {n}", msg_id=f"flood-{n}")
        settle()
    assert Case.objects.filter(municipality=municipality).count() == 4
    acks = OutboundMessage.objects.filter(purpose="ack")
    assert acks.count() == 2
    assert latest().metadata["sms"]["not_acknowledged"] == "hourly"


# --- parts put together by Šalter -------------------------------------------------------------


def test_parts_are_stored_each_and_put_together_once_complete(client, municipality, endpoint):
    udh = lambda seq: bytes((5, 0, 3, 77, 3, seq))  # noqa: E731
    texts = {1: "Kod skole u ", 2: "Ulici Zarka Zrenjanina ", 3: "je rupa."}
    for seq in (2, 3, 1):  # out of order
        assert mo(client, municipality, text=texts[seq], udh=udh(seq),
                  msg_id=f"p{seq}").status_code == 202
    assert InboundMessage.objects.count() == 4  # three parts and the whole
    settle()
    whole = InboundMessage.objects.get(idempotency_key__endswith=":whole")
    assert whole.case.description == "Kod skole u Ulici Zarka Zrenjanina je rupa."
    parts = InboundMessage.objects.exclude(pk=whole.pk)
    assert set(parts.values_list("state", flat=True)) == {State.IGNORED}
    assert Case.objects.filter(municipality=municipality).count() == 1


def test_an_incomplete_set_is_quarantined_after_the_timeout(client, municipality, endpoint,
                                                           settings):
    settings.SALTER_SMS_PARTS_TIMEOUT_SECONDS = 600
    mo(client, municipality, text="Prvi deo ", udh=bytes((5, 0, 3, 9, 3, 1)), msg_id="a")
    mo(client, municipality, text="treci deo", udh=bytes((5, 0, 3, 9, 3, 3)), msg_id="c")
    assert settle_stale_parts() == {"assembled": 0, "quarantined": 0}
    later = timezone.now() + timedelta(minutes=11)
    assert settle_stale_parts(later) == {"assembled": 0, "quarantined": 1}
    kept = InboundMessage.objects.get(idempotency_key__endswith=":incomplete")
    assert kept.state == State.QUARANTINED
    assert "2" in kept.reason and "never arrived" in kept.reason
    assert "Prvi deo" in kept.body_text and "treci deo" in kept.body_text
    assert settle_stale_parts(later) == {"assembled": 0, "quarantined": 0}


# --- delivery reports ----------------------------------------------------------------------


def _queued_reply(municipality, clerk):
    citizen = create_client(actor=clerk, first_name="Ana", last_name="Kovač",
                            contacts=[(ContactPoint.Kind.PHONE, CITIZEN)])
    case = create_case(actor=clerk, subject="Rupa", channel=Channel.SMS, clients=[citizen])
    return case, reply_by_sms(actor=clerk, case=case, body="Popravljamo sutra.")


def dlr(client, municipality, message_id, dlr_type, sig=None):
    sig = sig if sig is not None else kannel.dlr_signature(municipality.slug, message_id)
    return client.get(f"/gateway/sms/kannel/{municipality.slug}/dlr/?id={message_id}"
                      f"&sig={sig}&type={dlr_type}&reply=ACK&time=1")


def test_delivery_reports_move_the_state_and_show_on_the_timeline(client, municipality,
                                                                 clerk):
    case, message = _queued_reply(municipality, clerk)
    assert dlr(client, municipality, message.external_id, 8).status_code == 202
    assert dlr(client, municipality, message.external_id, 1).status_code == 202
    assert dlr(client, municipality, message.external_id, 1).status_code == 200  # again
    assert dlr(client, municipality, message.external_id, 8, sig="forged").status_code == 403
    settle()
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.DELIVERED
    events = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.DELIVERY)
    assert [e.after["state"] for e in events.order_by("pk")][-1] == "delivered"
    # A late "buffered" does not take a delivered message back.
    dlr(client, municipality, message.external_id, 4)
    settle()
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.DELIVERED


def test_a_report_for_an_unknown_message_is_kept_with_a_reason(client, municipality):
    assert dlr(client, municipality, "f00", 1).status_code == 202
    settle()
    assert latest().state == State.IGNORED and "did not send" in latest().reason


def test_a_report_cannot_touch_another_municipalitys_message(client, municipality,
                                                            other_municipality, clerk):
    _case, message = _queued_reply(municipality, clerk)
    # Signed for the other municipality: accepted there, but the message is not theirs.
    assert dlr(client, other_municipality, message.external_id, 2).status_code == 202
    settle()
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.QUEUED
    assert latest().municipality == other_municipality and latest().state == State.IGNORED


# --- sending -----------------------------------------------------------------------------------


def test_kannel_down_is_retried_with_backoff_and_shown(municipality, clerk):
    case, message = _queued_reply(municipality, clerk)
    assert send_outbound.call(message.pk) == OutboundMessage.State.RETRYING
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.RETRYING
    assert "gateway could not be reached" in message.error_shown
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.DELIVERY,
                                    after__state="retrying").exists()


def test_stop_and_start(client, municipality, endpoint, clerk):
    case, _reply = _queued_reply(municipality, clerk)
    OutboundMessage.objects.all().delete()
    mo(client, municipality, text="СТОП", msg_id="stop")
    settle()
    stop = latest()
    assert stop.state == State.IGNORED and "STOP" in stop.reason.upper()
    citizen = ContactPoint.objects.get(value=CITIZEN).client
    consent = Consent.objects.get(client=citizen)
    assert consent.given is False and consent.inbound_message_id == stop.pk
    [confirmation] = OutboundMessage.objects.filter(inbound=stop)
    # In the script the citizen wrote in: СТАРТ, which resumes as START does.
    assert "СТАРТ" in confirmation.body_text and confirmation.language == "sr"
    with pytest.raises(ValidationError, match="STOP"):
        reply_by_sms(actor=clerk, case=case, body="Jos jedno pitanje")
    # Processing the STOP again changes nothing.
    from salter.channels.sms.actions import record_opt_out
    record_opt_out(municipality=municipality, number=CITIZEN, given=False, inbound=stop,
                   text="СТОП")
    assert Consent.objects.filter(client=citizen).count() == 1
    mo(client, municipality, text="start", msg_id="start")
    settle()
    assert Consent.objects.filter(client=citizen).latest("at", "id").given is True
    reply_by_sms(actor=clerk, case=case, body="Ponovo saljemo poruke.")


def test_stop_blocks_an_outbox_message_already_queued(client, municipality, endpoint, clerk):
    _case, message = _queued_reply(municipality, clerk)
    mo(client, municipality, text="ODJAVA", msg_id="stop")
    settle()
    assert send_outbound.call(message.pk) == OutboundMessage.State.FAILED
    message.refresh_from_db()
    assert "STOP" in message.error_shown


def test_the_daily_limit_is_a_clear_error(municipality, clerk):
    SmsSettings.objects.create(municipality=municipality, daily_limit=1,
                               hourly_acknowledged=5, recent_case_hours=72)
    case, message = _queued_reply(municipality, clerk)
    OutboundMessage.objects.filter(pk=message.pk).update(state="sent", sent_at=timezone.now())
    with pytest.raises(ValidationError, match="limit of 1 text messages a day"):
        reply_by_sms(actor=clerk, case=case, body="Drugi odgovor")


def test_a_client_without_a_number_cannot_be_texted(municipality, clerk):
    citizen = create_client(actor=clerk, first_name="Bez", last_name="Broja",
                            contacts=[(ContactPoint.Kind.EMAIL, "bez@example.rs")])
    case = create_case(actor=clerk, subject="Rupa", channel=Channel.EMAIL, clients=[citizen])
    with pytest.raises(ValidationError, match="no telephone number"):
        reply_by_sms(actor=clerk, case=case, body="Zdravo")
    with pytest.raises(ValidationError):
        reply_by_sms(actor=clerk, case=case, body="   ")


def test_plain_latin_saves_segments(municipality, clerk):
    from salter.channels.sms.adapter import text_to_send

    text = "Поштовани, рупа ће бити санирана до петка."
    assert text_to_send(municipality, text) == text
    SmsSettings.objects.create(municipality=municipality, plain_latin=True, daily_limit=0,
                               hourly_acknowledged=5, recent_case_hours=72)
    assert text_to_send(municipality, text) == "Postovani, rupa ce biti sanirana do petka."


# --- configuration -----------------------------------------------------------------------------


def test_kannel_config_prints_the_groups(municipality, settings):
    settings.SALTER_KANNEL_USER, settings.SALTER_KANNEL_PASSWORD = "salter", "s3cret"
    out = io.StringIO()
    call_command("sms", "kannel-config", "--municipality", municipality.slug, "--base-url",
                 "https://salter.example.rs/", stdout=out)
    config = out.getvalue()
    assert "group = sms-service" in config and "group = sendsms-user" in config
    assert (f'get-url = "https://salter.example.rs/gateway/sms/kannel/{municipality.slug}/mo/'
            f'?secret={kannel.mo_secret(municipality.slug)}&from=%p&to=%P&text=%b') in config
    assert "coding=%c&charset=%C&udh=%u&smsc=%i&time=%T&id=%I" in config
    assert "username = salter" in config and "password = s3cret" in config
    assert "max-messages = 0" in config  # smsbox itself never answers
    with pytest.raises(Exception, match="no municipality"):
        call_command("sms", "kannel-config", "--municipality", "nowhere", "--base-url",
                     "https://x", stdout=out)


def test_sms_settings_command(municipality):
    out = io.StringIO()
    call_command("sms", "settings", "--municipality", municipality.slug, "--plain-latin", "on",
                 "--daily-limit", "300", stdout=out)
    stored = SmsSettings.objects.get(municipality=municipality)
    assert stored.plain_latin and stored.daily_limit == 300
    assert "daily-limit: 300" in out.getvalue()
    call_command("sms", "endpoint", "--municipality", municipality.slug, "--number",
                 "+381 24 555 111", stdout=out)
    assert Endpoint.objects.filter(municipality=municipality, channel=Channel.SMS,
                                   address="+38124555111").exists()


def test_an_inactive_municipality_is_refused(client):
    sleepy = make_municipality("sleepy", active=False)
    assert mo(client, sleepy).status_code == 403


def test_texts_of_a_new_number_in_one_batch_give_one_case_as_one_at_a_time(
        client, municipality, endpoint):
    for n in range(3):
        mo(client, municipality, sender="0657778888", text=f"Poruka {n} o istoj rupi",
           msg_id=f"b{n}")
    outcomes = settle()  # the three in one batch
    assert sorted(outcomes.values()) == ["appended", "appended", "created"]
    assert Case.objects.filter(municipality=municipality).count() == 1
    assert OutboundMessage.objects.filter(purpose="ack").count() == 1


def test_an_endpoint_the_administrator_changes_applies_to_the_next_text(
        client, municipality, endpoint):
    admin = make_member(municipality, Role.ADMIN, username="sms-admin")
    assert mo(client, municipality, msg_id="before").status_code == 202
    assert latest().endpoint == endpoint

    update_endpoint(actor=admin, endpoint=endpoint, address="4321")
    assert mo(client, municipality, msg_id="old-number").status_code == 202
    assert latest().endpoint is None  # nothing answers to 1234 any more
    added = create_endpoint(actor=admin, channel=Channel.SMS, address="1234",
                            label="Novi broj")
    assert mo(client, municipality, msg_id="new-endpoint").status_code == 202
    assert latest().endpoint == added


def test_a_municipality_taken_off_line_refuses_the_next_text(client, municipality, endpoint):
    assert mo(client, municipality, msg_id="while-active").status_code == 202
    deactivate_municipality(municipality.slug)
    assert mo(client, municipality, msg_id="after").status_code == 403
    assert InboundMessage.objects.count() == 1
