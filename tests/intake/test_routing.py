"""Routing rules decide the procedure, department and priority of every new case; the
default rule decides whatever no rule does, so no case is left without them."""

import pytest
from django.core.exceptions import ValidationError

from salter.cases.actions import correct_route, create_case
from salter.cases.models import CaseEvent, Channel, Priority
from salter.clients.actions import create_client
from salter.clients.models import Client, ContactPoint
from salter.procedures.actions import (
    adopt_routing_rule,
    create_routing_rule,
    set_default_route,
    update_routing_rule,
)
from salter.procedures.models import Deadline, RoutingRule
from salter.procedures.routing import RuleSet
from salter.tenancy.roles import Role
from tests.channels.email.corpus import build_message
from tests.factories import make_department, make_mailbox, make_member, make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(municipality):
    return make_member(municipality, Role.ADMIN, username="admin")


@pytest.fixture
def utilities(municipality):
    return make_department(municipality, "JKP Čistoća", registry_unit="IV-05")


@pytest.fixture
def waste(municipality, utilities):
    return make_procedure(municipality, "Odvoz otpada", department=utilities,
                          resolution_rule="8 calendar days")


@pytest.fixture
def general(municipality, department):
    return make_procedure(municipality, "Opšta pitanja", classification="030",
                          department=department, resolution_rule="30 calendar days")


@pytest.fixture
def desk(municipality):
    return make_department(municipality, "Kancelarija za privredu", registry_unit="IV-07")


@pytest.fixture
def default(admin, general, department):
    return set_default_route(actor=admin, case_type=general, department=department)


def test_keyword_rule_sets_type_department_and_deadline(deliver, admin, waste, utilities):
    create_routing_rule(actor=admin, keywords="kabasti otpad\nsmeće", case_type=waste)

    _outcome, inbound = deliver(build_message(subject="Zahtev za odvoz", body="Kabasti otpad "
                                             "stoji ispred zgrade."))

    case = inbound.case
    assert case.case_type == waste and case.department == utilities
    assert case.registry_number.startswith("IV-05-352-")
    resolution = case.deadlines.get(kind=Deadline.Kind.RESOLUTION)
    assert case.due_at == resolution.due_at
    assert resolution.started_at == inbound.received_at


def test_a_latin_rule_catches_cyrillic_text(admin, municipality, waste):
    create_routing_rule(actor=admin, keywords="đubre", case_type=waste)

    decision = RuleSet(municipality).route(sender_domain="example.net",
                                           text="Ђубре није однето", endpoint=None, client=None)

    assert decision.case_type == waste


def test_a_cyrillic_rule_catches_latin_text_without_diacritics(admin, municipality, waste):
    create_routing_rule(actor=admin, keywords="смеће", case_type=waste)

    decision = RuleSet(municipality).route(text="SMECE NIJE ODNETO")

    assert decision.case_type == waste


def test_a_keyword_matches_its_inflected_forms_but_not_inside_other_words(
        admin, municipality, waste):
    create_routing_rule(actor=admin, keywords="kontejner\nrupa", case_type=waste)
    rules = RuleSet(municipality)

    assert rules.route(text="Nema kontejnera u ulici").case_type == waste
    assert rules.route(text="Naša grupa traži sastanak").case_type is None


def test_first_matching_rule_wins(admin, municipality, waste, utilities, department):
    create_routing_rule(actor=admin, order=1, sender_domain="mup.gov.rs",
                        department=department, priority=Priority.URGENT)
    create_routing_rule(actor=admin, order=2, keywords="otpad", case_type=waste)
    rules = RuleSet(municipality)

    police = rules.route(sender_domain="pu.mup.gov.rs", text="otpad")
    citizen = rules.route(sender_domain="gmail.com", text="otpad")

    assert (police.department, police.priority) == (department, Priority.URGENT)
    assert citizen.case_type == waste and citizen.priority is None


def test_every_condition_of_a_rule_must_hold(admin, municipality, waste):
    create_routing_rule(actor=admin, channel=Channel.SMS, keywords="otpad", case_type=waste)
    rules = RuleSet(municipality)

    assert rules.route(text="otpad", channel=Channel.SMS).case_type == waste
    assert rules.route(text="otpad", channel=Channel.EMAIL).case_type is None


def test_a_business_sender_goes_to_the_business_desk(admin, municipality, clerk, desk,
                                                     default):
    business = make_procedure(municipality, "Pitanja privrede", classification="310",
                              department=desk, resolution_rule="5 working days")
    create_routing_rule(actor=admin, client_kind=RoutingRule.ClientKind.BUSINESS,
                        case_type=business, priority=Priority.HIGH)
    firm = create_client(actor=clerk, kind=Client.Kind.BUSINESS, business_name="Agro d.o.o.",
                         contacts=[(ContactPoint.Kind.EMAIL, "kancelarija@agro.rs")])

    decision = RuleSet(municipality).route(text="Pitanje o subvenciji", client=firm)
    person = RuleSet(municipality).route(text="Pitanje o subvenciji", client_kind="person")

    assert (decision.case_type, decision.department, decision.priority) == (
        business, desk, Priority.HIGH)
    assert person.case_type == default.case_type


def test_the_endpoint_a_message_came_in_on_routes_it(admin, deliver, municipality, utilities,
                                                     waste, default):
    mailbox = make_mailbox(municipality, "cistoca@subotica.rs")
    create_routing_rule(actor=admin, endpoint=mailbox.endpoint, case_type=waste)

    _outcome, inbound = deliver(build_message(subject="Pitanje"), endpoint=mailbox.endpoint)

    assert inbound.case.case_type == waste and inbound.case.department == utilities


def test_mailbox_department_routes_its_mail(deliver, municipality, utilities):
    mailbox = make_mailbox(municipality, "cistoca@subotica.rs", department=utilities)

    _outcome, inbound = deliver(build_message(), endpoint=mailbox.endpoint)

    assert inbound.case.department == utilities


def test_a_location_rule_matches_the_place_given_with_the_matter(admin, municipality, waste):
    create_routing_rule(actor=admin, location="Palić\nBajnat", case_type=waste)
    rules = RuleSet(municipality)

    assert rules.route(text="rupa", location="Палић, Обала 3").case_type == waste
    assert rules.route(text="rupa na Paliću").case_type is None  # the text is no location


def test_case_type_keywords_apply_without_a_rule(municipality, waste):
    waste.keywords = "kontejner\nkabasti"
    waste.save()

    decision = RuleSet(municipality).route(sender_domain="x.rs", text="Pun KONTEJNER")

    assert decision.case_type == waste and decision.rule is None


def test_the_default_rule_decides_what_no_rule_does(deliver, default, general, department):
    _outcome, inbound = deliver(build_message(subject="Nešto sasvim drugo",
                                              body="Ne znam kome da se obratim."))

    case = inbound.case
    assert (case.case_type, case.department) == (general, department)
    assert case.due_at is not None
    assert set(case.deadlines.values_list("kind", flat=True)) == {
        Deadline.Kind.FIRST_RESPONSE, Deadline.Kind.RESOLUTION}


def test_a_case_opened_by_hand_without_procedure_is_routed_too(clerk, admin, default, waste,
                                                               utilities):
    create_routing_rule(actor=admin, keywords="kontejner", case_type=waste)

    routed = create_case(actor=clerk, subject="Prepun kontejner", channel=Channel.COUNTER)
    other = create_case(actor=clerk, subject="Pitanje o radnom vremenu",
                        channel=Channel.PHONE)

    assert (routed.case_type, routed.department) == (waste, utilities)
    assert (other.case_type, other.department) == (default.case_type, default.department)
    assert routed.due_at is not None and other.due_at is not None


# --- bad rules are refused, naming the field ------------------------------------------------


def test_a_rule_without_conditions_is_refused(admin, waste):
    with pytest.raises(ValidationError) as refused:
        create_routing_rule(actor=admin, case_type=waste)

    assert "keywords" in refused.value.message_dict
    assert not RoutingRule.objects.exists()


def test_a_rule_that_decides_nothing_is_refused(admin):
    with pytest.raises(ValidationError) as refused:
        create_routing_rule(actor=admin, keywords="otpad")

    assert "case_type" in refused.value.message_dict


@pytest.mark.parametrize("field, value", [("sender_domain", "not a domain"),
                                           ("keywords", "ab"), ("location", "x")])
def test_an_invalid_condition_is_refused_naming_its_field(admin, waste, field, value):
    with pytest.raises(ValidationError) as refused:
        create_routing_rule(actor=admin, case_type=waste, **{field: value})

    assert field in refused.value.message_dict


def test_a_rule_naming_another_municipalitys_department_is_refused(admin, waste,
                                                                   other_municipality):
    foreign = make_department(other_municipality, "Tuđe odeljenje")

    with pytest.raises(ValidationError) as refused:
        create_routing_rule(actor=admin, keywords="otpad", department=foreign)

    assert refused.value.message_dict == {"department": ["Not found."]}


def test_the_default_rule_needs_procedure_and_department_and_stays_active(admin, general,
                                                                           default):
    with pytest.raises(ValidationError) as no_department:
        set_default_route(actor=admin, case_type=general, department=None)
    with pytest.raises(ValidationError) as deactivated:
        update_routing_rule(actor=admin, rule=default, is_active=False)

    assert "department" in no_department.value.message_dict
    assert "is_active" in deactivated.value.message_dict
    assert RoutingRule.objects.get(pk=default.pk).is_active


def test_only_an_administrator_writes_rules(clerk, waste):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        create_routing_rule(actor=clerk, keywords="otpad", case_type=waste)


# --- correcting a wrong route ---------------------------------------------------------------


def test_a_wrong_route_is_corrected_in_one_step_on_the_timeline(deliver, clerk, default,
                                                                waste, utilities):
    _outcome, inbound = deliver(build_message(subject="Kontejneri nisu ispražnjeni",
                                              message_id="<kontejneri@example.net>"))
    case = inbound.case
    assert case.case_type == default.case_type  # no rule knew it
    before_due = case.due_at

    correct_route(actor=clerk, case=case, case_type=waste, department=utilities)

    case.refresh_from_db()
    assert (case.case_type, case.department) == (waste, utilities)
    assert case.due_at == case.deadlines.get(kind="resolution").due_at < before_due
    event = case.events.get(kind=CaseEvent.Kind.ROUTED)
    assert event.before == {"case_type": default.case_type.pk,
                            "department": default.department.pk}
    assert event.after["case_type"] == waste.pk and event.after["proposed_rule"] is None
    assert not RoutingRule.objects.filter(proposed_from=case).exists()


def test_a_correction_proposes_a_rule_that_an_administrator_adopts(
        deliver, clerk, admin, default, waste, utilities):
    _outcome, inbound = deliver(build_message(subject="Kontejneri nisu ispražnjeni",
                                              message_id="<kontejneri@example.net>"))

    correct_route(actor=clerk, case=inbound.case, case_type=waste, department=utilities,
                  propose_keywords="kontejner")

    proposal = RoutingRule.objects.get(proposed_from=inbound.case)
    assert (proposal.is_active, proposal.keywords, proposal.proposed_by) == (
        False, "kontejner", clerk.user)
    _outcome, still_default = deliver(build_message(subject="Kontejner pun",
                                                    message_id="<pun@example.net>"))
    assert still_default.case.case_type == default.case_type

    adopt_routing_rule(actor=admin, rule=proposal)
    _outcome, routed = deliver(build_message(subject="Kontejner opet pun",
                                             message_id="<opet@example.net>"))
    assert routed.case.case_type == waste


def test_a_correction_naming_another_municipalitys_procedure_is_refused(
        clerk, default, other_municipality):
    case = create_case(actor=clerk, subject="Pitanje", channel=Channel.PHONE)
    foreign = make_procedure(other_municipality, "Tuđi postupak")

    with pytest.raises(ValidationError, match="Not found"):
        correct_route(actor=clerk, case=case, case_type=foreign,
                      department=default.department)
