"""A clerk texts a citizen from the case page: the counter says characters and messages
left as they type (GSM alphabet, then Unicode for Cyrillic), the text goes to the outbox,
and the municipality's daily limit is said on the page."""

import os

import pytest
from playwright.sync_api import expect

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.channels.models import OutboundMessage
from salter.channels.sms.models import SmsSettings
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.tenancy.roles import Role
from tests.factories import PASSWORD, make_department, make_member, make_municipality

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reply_by_sms_with_the_live_counter(live_server, page):
    municipality = make_municipality("subotica", name="Subotica", name_cyrl="Суботица")
    clerk = make_member(municipality, Role.REGISTRY_CLERK, username="clerk",
                        department=make_department(municipality))
    citizen = create_client(actor=clerk, first_name="Ana", last_name="Kovač",
                            contacts=[(ContactPoint.Kind.PHONE, "064 123 4567")])
    case = create_case(actor=clerk, subject="Rupa na putu", channel=Channel.SMS,
                       clients=[citizen])

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/staff/subotica/cases/{case.pk}/")

    counter = page.locator("#sms-counter")
    box = page.locator("#sms-body")
    box.fill("Rupa je zakrpljena.")
    expect(counter).to_have_attribute("data-coding", "gsm7")
    expect(counter).to_have_attribute("data-left", str(160 - 19))
    box.fill("a" * 160 + "€")
    expect(counter).to_have_attribute("data-parts", "2")
    expect(counter).to_have_attribute("data-left", str(153 * 2 - 162))
    box.fill("Поштовани, рупа је закрпљена.")
    expect(counter).to_have_attribute("data-coding", "ucs2")
    expect(counter).to_have_attribute("data-left", str(70 - 29))
    expect(counter).to_contain_text("29 characters, 1 message, 41 left")
    box.press_sequentially(" Хвала!")
    expect(counter).to_have_attribute("data-left", str(70 - 36))

    page.click("#sms-panel button[type=submit]")
    expect(page.locator("#sms-messages li[data-state=queued]")).to_have_count(1)
    expect(page.locator("#sms-body")).to_have_value("")
    message = OutboundMessage.objects.get(case=case, channel=Channel.SMS)
    assert message.recipient == "+381641234567"
    assert message.body_text == "Поштовани, рупа је закрпљена. Хвала!"
    page.screenshot(path="/tmp/salter-e2e-sms-reply.png", full_page=True)

    # The municipality's daily limit: said on the page, nothing queued.
    SmsSettings.objects.create(municipality=municipality, daily_limit=1,
                               hourly_acknowledged=5, recent_case_hours=72)
    OutboundMessage.objects.filter(pk=message.pk).update(state="sent", sent_at=message.created_at)
    page.locator("#sms-body").fill("Jos jedna poruka")
    page.click("#sms-panel button[type=submit]")
    expect(page.locator("#sms-panel .invalid-feedback")).to_contain_text(
        "limit of 1 text messages a day")
    assert OutboundMessage.objects.filter(case=case, channel=Channel.SMS).count() == 1

    # Latin without diacritics, as the municipality chose: counted as it will go out.
    SmsSettings.objects.filter(municipality=municipality).update(plain_latin=True,
                                                                 daily_limit=0)
    page.reload()
    page.locator("#sms-body").fill("Поштовани, рупа је закрпљена.")
    expect(counter).to_have_attribute("data-coding", "gsm7")
