"""A clerk answers a citizen from the case page, and the answer lands in the citizen's
IMAP mailbox on a real Dovecot, through the outbox, the task worker and SMTP."""

import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.channels.models import OutboundMessage
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.tenancy.roles import Role

# The mail-server fixtures live with the channel tests; imported so they are found here.
from tests.channels.conftest import dovecot, mail_account, smtp_relay  # noqa: F401
from tests.factories import PASSWORD, make_department, make_member, make_municipality

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_reply_from_the_case_page_reaches_the_citizens_mailbox(live_server, page, settings,
                                                               request):
    relay = request.getfixturevalue("smtp_relay")
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", relay.port
    inbox = request.getfixturevalue("mail_account")()
    municipality = make_municipality("subotica", name="Subotica", name_cyrl="Суботица",
                                     email="pisarnica@subotica.test")
    clerk = make_member(municipality, Role.REGISTRY_CLERK, username="clerk",
                        department=make_department(municipality))
    citizen = create_client(actor=clerk, first_name="Marko", last_name="Petrović",
                            contacts=[(ContactPoint.Kind.EMAIL, inbox.address)])
    case = create_case(actor=clerk, subject="Rupa na putu", channel=Channel.EMAIL,
                       clients=[citizen])

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/staff/subotica/cases/{case.pk}/")
    page.fill("#reply-body", "Poštovani, rupa će biti zakrpljena do petka.")
    page.click("#reply-panel button[type=submit]")

    queued = page.locator("#outgoing-messages li[data-state=queued]")
    expect(queued).to_have_count(1)
    expect(page.locator("#reply-body")).to_have_value("")

    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)

    page.reload()
    expect(page.locator("#outgoing-messages li[data-state=sent]")).to_have_count(1)
    page.screenshot(path="/tmp/salter-e2e-reply.png", full_page=True)
    [mail] = inbox.messages()
    assert mail["Subject"] == f"[{case.registry_number}] Re: Rupa na putu"
    assert mail["From"].addresses[0].addr_spec == "pisarnica@subotica.test"
    assert mail.get_content().strip() == "Poštovani, rupa će biti zakrpljena do petka."
    assert mail["Message-ID"] == OutboundMessage.objects.get(case=case).external_id
