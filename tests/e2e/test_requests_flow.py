"""The road a citizen's matter takes through Šalter, in the browser and over real mail
servers: an e-mail arrives → a case routed with procedure, department and deadline → the
officer asks two bodies (the urbanism department in Šalter, the water utility by e-mail)
→ both answer (the department on its request page, the utility by replying to the
e-mail, through intake) → the citizen is answered from their responses."""

import os
import uuid
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from salter.cases.models import Case, CaseEvent
from salter.cases.workflow import Status
from salter.channels.email import imap
from salter.procedures.models import Deadline
from salter.requests.models import DepartmentRequest
from salter.tenancy.models import Department
from salter.tenancy.onboarding import activate_municipality, set_public_contacts
from salter.tenancy.roles import Role

# The mail-server fixtures live with the channel tests; imported so they are found here.
from tests.channels.conftest import dovecot, mail_account, smtp_relay  # noqa: F401
from tests.factories import PASSWORD, make_mailbox, make_member, make_municipality

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]
Event = CaseEvent.Kind


def work():
    """What the worker does: intake, then the outbox it fills."""
    for _round in range(2):
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


def sign_in(browser, live_server, username: str):
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def mail(sender: str, to: str, subject: str, body: str, **headers) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<{uuid.uuid4().hex}@{sender.partition('@')[2]}>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
def subotica(settings, request, dovecot):  # noqa: F811
    relay = request.getfixturevalue("smtp_relay")
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", relay.port
    accounts = request.getfixturevalue("mail_account")
    office, citizen, utility = accounts(), accounts(), accounts()
    make_municipality("subotica", name="Subotica", name_cyrl="Суботица")
    municipality = activate_municipality("subotica").municipality
    set_public_contacts(municipality, email=office.address)
    mailbox = make_mailbox(municipality, office.address, imap_host="127.0.0.1",
                           imap_port=dovecot.imap_port, imap_ssl=False,
                           imap_username=office.address, imap_password=office.password,
                           processed_folder="")
    departments = {d.name: d for d in municipality.departments.all()}
    water = departments["JKP Vodovod i kanalizacija"]
    Department.objects.filter(pk=water.pk).update(email=utility.address)
    make_member(municipality, Role.OFFICER, username="referent",
                department=departments["Odeljenje za komunalne poslove"])
    make_member(municipality, Role.OFFICER, username="urbanista",
                department=departments["Odeljenje za urbanizam"])
    return {"office": office, "citizen": citizen, "utility": utility, "mailbox": mailbox,
            "urbanism": departments["Odeljenje za urbanizam"], "water": water}


def test_an_email_becomes_a_routed_case_answered_from_two_bodies_responses(
        live_server, browser, subotica):
    office, citizen, utility = subotica["office"], subotica["citizen"], subotica["utility"]

    # An e-mail arrives.
    office.append(mail(citizen.address, office.address, "Rupa na kolovozu u Ulici Matije Gupca",
                       "Duboka rupa ispred broja 12, voda izbija iz nje."))
    imap.poll_mailbox(subotica["mailbox"])
    work()
    case = Case.objects.get()
    assert (case.case_type.code, case.department.name) == (
        "road-damage", "Odeljenje za komunalne poslove")
    assert case.due_at is not None

    # The officer sees the routed case with its deadline.
    officer = sign_in(browser, live_server, "referent")
    officer.click(f"text={case.registry_number}")
    expect(officer.locator("h1")).to_have_text(case.registry_number)
    expect(officer.locator("[data-field=department]")).to_have_text(
        "Odeljenje za komunalne poslove")
    expect(officer.locator("[data-field=due] [data-time-left]")).to_be_visible()
    expect(officer.locator("#case-deadlines [data-deadline=resolution]")).to_contain_text(
        "15 calendar days")

    # …takes it up and asks two bodies at once.
    officer.click("button[name=status-status][value=in_progress]")
    expect(officer.locator("header [data-status]")).to_have_attribute("data-status",
                                                                      "in_progress")
    officer.select_option("#id_ask-0-department", label="Odeljenje za urbanizam")
    officer.fill("#id_ask-0-question", "Da li je na ovoj deonici planirana rekonstrukcija?")
    officer.fill("#id_ask-0-rule", "5 working days")
    officer.select_option("#id_ask-1-department", label="JKP Vodovod i kanalizacija")
    officer.fill("#id_ask-1-question", "Da li voda izbija iz vaše cevi i kada je sanirate?")
    officer.fill("#id_ask-1-rule", "2 working days")
    officer.click("#ask-departments button[type=submit]")
    expect(officer.locator("#case-requests [data-request]")).to_have_count(2)
    expect(officer.locator("#case-requests [data-state=open]")).to_have_count(2)
    expect(officer.locator("header [data-status]")).to_have_attribute(
        "data-status", "waiting_department")
    officer.screenshot(path="/tmp/salter-e2e-requests-asked.png", full_page=True)
    work()  # the utility's e-mail goes out

    # The utility answers by replying to the e-mail it got.
    [asked] = utility.messages()  # in the municipality's language: Zahtev za izjašnjenje
    assert "Zahtev za izjašnjenje" in asked["Subject"]
    assert "Da li voda izbija" in asked.get_content()
    office.append(mail(utility.address, office.address, f"Re: {asked['Subject']}",
                       "Cev je naša; ekipa sanira kvar sutra do 10 časova.",
                       In_Reply_To=asked["Message-ID"], References=asked["Message-ID"]))
    imap.poll_mailbox(subotica["mailbox"])
    work()

    # The urbanism department answers on its request page, from its inbox.
    urbanist = sign_in(browser, live_server, "urbanista")
    urbanist.click("#asked-of-us a")
    urbanist.fill("#id_answer", "Rekonstrukcija nije planirana ove godine.")
    urbanist.click("#respond-form button[type=submit]")
    expect(urbanist.locator("[data-state=answered]")).to_be_visible()

    # The officer sees both answers side by side and answers the citizen from them.
    officer.reload()
    expect(officer.locator("#case-requests [data-state=answered]")).to_have_count(2)
    expect(officer.locator("#case-requests")).to_contain_text("ekipa sanira kvar sutra")
    expect(officer.locator("#case-requests")).to_contain_text("nije planirana ove godine")
    officer.click("#compose-answer")
    body = officer.locator("#reply-body")
    expect(body).to_contain_text("JKP Vodovod i kanalizacija:")
    expect(body).to_contain_text("Odeljenje za urbanizam:")
    officer.screenshot(path="/tmp/salter-e2e-requests-answered.png", full_page=True)
    officer.click("#reply-panel button[type=submit]")
    expect(officer.locator("#outgoing-messages li[data-state=queued]")).to_have_count(1)
    work()

    [answer] = [m for m in citizen.messages() if case.registry_number in m["Subject"]
                and m["Auto-Submitted"] is None]
    text = answer.get_content()
    assert "ekipa sanira kvar sutra do 10" in text and "nije planirana ove godine" in text
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS  # every requested response is in
    requests = DepartmentRequest.objects.filter(case=case).order_by("pk")
    assert [r.answered_way for r in requests] == ["workspace", "email"]
    assert case.events.filter(kind=Event.REQUEST_ANSWERED).count() == 2
    assert case.deadlines.get(kind=Deadline.Kind.FIRST_RESPONSE).state == Deadline.State.MET
