"""End to end through a real Kannel: a citizen texts the municipality's number from
fakesmsc, smsbox calls Šalter's MO endpoint, intake opens a case, the acknowledgement
goes out through sendsms and reaches the phone with the registry number, and Kannel's
delivery report comes back and shows on the case's timeline."""

import pytest
from django.core.management import call_command

from salter.cases.models import Case, CaseEvent, Channel
from salter.channels.models import Endpoint, InboundMessage, OutboundMessage
from salter.channels.sms.actions import reply_by_sms
from salter.channels.sms.devservices import fake_mo, fake_mo_part
from salter.clients.models import Consent, ContactPoint
from salter.tenancy.roles import Role
from tests.channels.sms.conftest import wait_until
from tests.factories import make_department, make_member, make_municipality

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CITIZEN = "0641234567"
CITIZEN_E164 = "+381641234567"


def work():
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


@pytest.fixture
def subotica():
    municipality = make_municipality("subotica", name="Subotica", name_cyrl="Суботица")
    department = make_department(municipality)
    Endpoint.objects.create(municipality=municipality, channel=Channel.SMS, address="1234",
                            label="Komunalni SMS", department=department)
    return municipality


def _inbound(count: int):
    return wait_until(lambda: InboundMessage.objects.filter(
        channel=Channel.SMS, source="kannel").count() >= count, what=f"{count} SMS stored")


def test_a_text_becomes_a_case_acknowledged_through_kannel_with_delivery(
        live_server, kannel_for, subotica):
    _kannel, phones = kannel_for("subotica", live_server.url)
    phones.send(fake_mo(CITIZEN, "1234", "Ne radi ulicna rasveta u Ulici Matije Gupca 5"))
    _inbound(1)
    work()
    [case] = Case.objects.filter(municipality=subotica)
    assert case.channel == Channel.SMS
    assert case.parties.get().client.contact_points.get().value == CITIZEN_E164
    sender, receiver, ack = phones.wait_for_text(
        lambda sender, receiver, text: case.registry_number in text)
    assert (sender, receiver) == ("1234", CITIZEN_E164)
    assert ack.endswith(f"/t/{case.tracking_code}")
    # Kannel reports "accepted by the SMSC", then "delivered".
    wait_until(lambda: InboundMessage.objects.filter(source="kannel-dlr").count() >= 2,
               what="delivery reports")
    work()
    message = OutboundMessage.objects.get(case=case)
    assert message.state == OutboundMessage.State.DELIVERED
    states = [e.after.get("state") for e in CaseEvent.objects.filter(
        case=case, kind=CaseEvent.Kind.DELIVERY).order_by("pk")]
    assert states[-1] == OutboundMessage.State.DELIVERED


def test_cyrillic_ucs2_and_concatenated_texts_and_a_staff_reply_and_stop(
        live_server, kannel_for, subotica):
    _kannel, phones = kannel_for("subotica", live_server.url)
    cyrillic = "Ђубре није одвезено у Улици Змај Јовиной, већ три недеље. Молимо хитно!"
    phones.send(fake_mo("0651112222", "1234", cyrillic))
    _inbound(1)
    work()
    case = Case.objects.get(municipality=subotica, description=cyrillic)
    assert case.language == "sr"
    _from, _to, ack = phones.wait_for_text(
        lambda sender, receiver, text: receiver == "+381651112222"
        and case.registry_number in text)
    assert "Суботица" in ack  # Cyrillic, as the citizen wrote

    # A concatenated text in two parts (UDH), put together by Kannel itself
    # (sms-combine-concatenated-mo): one MO, one case.
    phones.send(fake_mo_part("0669998888", "1234", "Prvi deo duge poruke o rupi ",
                             reference=42, total=2, seq=1))
    phones.send(fake_mo_part("0669998888", "1234", "na putu kod skole.",
                             reference=42, total=2, seq=2))
    _inbound(2)
    work()
    long_case = Case.objects.get(municipality=subotica,
                                 description="Prvi deo duge poruke o rupi na putu kod skole.")

    clerk = make_member(subotica, Role.REGISTRY_CLERK, username="sms-clerk")
    reply_by_sms(actor=clerk, case=long_case, body="Poštovani, rupa će biti sanirana do petka.")
    work()
    reply = phones.wait_for_text(lambda sender, receiver, text: "sanirana" in text)
    assert reply == ("1234", "+381669998888", "Poštovani, rupa će biti sanirana do petka.")

    phones.send(fake_mo("0669998888", "1234", "STOP"))
    wait_until(lambda: InboundMessage.objects.filter(channel=Channel.SMS,
                                                     source="kannel").count() >= 3,
               what="the STOP stored")
    work()
    client = ContactPoint.objects.get(value="+381669998888").client
    assert Consent.objects.get(client=client, channel="sms").given is False
    phones.wait_for_text(lambda sender, receiver, text: "START" in text
                         and receiver == "+381669998888")
    assert Case.objects.filter(municipality=subotica).count() == 2
