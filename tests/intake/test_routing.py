"""Routing rules decide the type, department and priority of a case opened by intake."""

import pytest

from salter.cases.models import Priority
from salter.procedures.models import RoutingRule
from salter.procedures.routing import RuleSet
from tests.channels.email.corpus import build_message
from tests.factories import make_department, make_mailbox, make_procedure

pytestmark = pytest.mark.django_db
Match = RoutingRule.Match


@pytest.fixture
def utilities(municipality):
    return make_department(municipality, "JKP Čistoća", registry_unit="IV-05")


@pytest.fixture
def waste(municipality, utilities):
    return make_procedure(municipality, "Odvoz otpada", department=utilities,
                          resolution_rule="8 calendar days")


def test_keyword_rule_sets_type_department_and_deadline(deliver, municipality, waste,
                                                         utilities):
    RoutingRule.objects.create(municipality=municipality, match=Match.KEYWORD,
                               value="kabasti otpad, smeće", case_type=waste)

    _outcome, inbound = deliver(build_message(subject="Zahtev za odvoz", body="Kabasti otpad "
                                             "stoji ispred zgrade."))

    case = inbound.case
    assert case.case_type == waste and case.department == utilities
    assert case.registry_number.startswith("IV-05-352-")
    assert case.due_at is not None


def test_keywords_match_across_scripts(municipality, waste):
    RoutingRule.objects.create(municipality=municipality, match=Match.KEYWORD, value="đubre",
                               case_type=waste)

    decision = RuleSet(municipality).route(sender_domain="example.net",
                                           text="Ђубре није однето", endpoint=None, client=None)

    assert decision.case_type == waste


def test_first_matching_rule_wins(municipality, waste, utilities, department):
    RoutingRule.objects.create(municipality=municipality, order=1, match=Match.SENDER_DOMAIN,
                               value="mup.gov.rs", department=department,
                               priority=Priority.URGENT)
    RoutingRule.objects.create(municipality=municipality, order=2, match=Match.KEYWORD,
                               value="otpad", case_type=waste)
    rules = RuleSet(municipality)

    police = rules.route(sender_domain="pu.mup.gov.rs", text="otpad", endpoint=None, client=None)
    citizen = rules.route(sender_domain="gmail.com", text="otpad", endpoint=None, client=None)

    assert (police.department, police.priority) == (department, Priority.URGENT)
    assert citizen.case_type == waste and citizen.priority is None


def test_case_type_keywords_apply_without_a_rule(municipality, waste):
    waste.keywords = "kontejner\nkabasti"
    waste.save()

    decision = RuleSet(municipality).route(sender_domain="x.rs", text="Pun KONTEJNER",
                                           endpoint=None, client=None)

    assert decision.case_type == waste and decision.rule is None


def test_mailbox_department_routes_its_mail(deliver, municipality, utilities):
    mailbox = make_mailbox(municipality, "cistoca@subotica.rs", department=utilities)

    _outcome, inbound = deliver(build_message(), endpoint=mailbox.endpoint)

    assert inbound.case.department == utilities


def test_business_sender_rule_raises_priority(municipality, clerk):
    from salter.clients.actions import create_client
    from salter.clients.models import Client

    RoutingRule.objects.create(municipality=municipality, match=Match.BUSINESS_SENDER,
                               priority=Priority.URGENT)
    firm = create_client(actor=clerk, kind=Client.Kind.BUSINESS, business_name="Agro d.o.o.")

    decision = RuleSet(municipality).route(sender_domain="agro.rs", text="", endpoint=None,
                                           client=firm)

    assert decision.priority == Priority.URGENT
