"""Procedures (case types) as data: the starter set, texts in every language, validation,
and the deadline a new case gets from its procedure."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from salter.cases.actions import create_case
from salter.cases.models import CaseEvent, Channel, Priority
from salter.clients.actions import create_client
from salter.clients.models import Client
from salter.procedures import actions
from salter.procedures.calendar import local_moment
from salter.procedures.models import REPLY_PLACEHOLDERS, CaseType
from salter.procedures.starter import STARTER_PROCEDURES
from salter.tenancy.models import Municipality
from salter.tenancy.onboarding import DEFAULT_DEPARTMENTS, activate_municipality
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_procedure

pytestmark = pytest.mark.django_db

STARTER_CODES = [
    "street-lighting", "road-damage", "waste", "water", "inspection-request",
    "general-inquiry", "complaint", "business-inquiry", "public-information",
    "public-information-urgent", "administrative-direct", "administrative-examination",
    "urbanism", "local-taxes",
]


def at(text: str) -> datetime.datetime:
    return local_moment(datetime.datetime.fromisoformat(text))


@pytest.fixture
def ada():
    activate_municipality("ada")
    return Municipality.objects.get(slug="ada")


@pytest.fixture
def admin(municipality):
    return make_member(municipality, Role.ADMIN, username="admin")


def procedure(municipality, code) -> CaseType:
    return CaseType.objects.get(municipality=municipality, code=code)


# -- the starter set ------------------------------------------------------------------------


def test_activation_gives_every_starter_procedure_valid_and_with_both_deadlines(ada):
    procedures = {p.code: p for p in CaseType.objects.filter(municipality=ada)}
    assert sorted(procedures) == sorted(STARTER_CODES)
    for p in procedures.values():
        p.full_clean(validate_unique=False, validate_constraints=False)
        assert p.first_response_rule and p.resolution_rule
        assert p.department is not None, p.code


def test_information_of_public_importance_has_15_days_and_an_urgent_48_hour_variant(ada):
    foi = procedure(ada, "public-information")
    urgent = procedure(ada, "public-information-urgent")
    assert foi.name == "Zahtev za pristup informacijama od javnog značaja"
    assert (foi.resolution_rule, foi.priority, foi.variant_of) == ("15 calendar days",
                                                                   Priority.NORMAL, None)
    assert (urgent.resolution_rule, urgent.priority, urgent.variant_of) == (
        "48 hours", Priority.URGENT, foi)
    assert list(foi.variants.all()) == [urgent]
    assert {"name", "address", "description"} <= set(foi.required_fields)
    assert foi.is_public and urgent.is_public


def test_administrative_procedure_has_30_days_direct_and_60_with_examination(ada):
    direct = procedure(ada, "administrative-direct")
    examination = procedure(ada, "administrative-examination")
    assert (direct.resolution_rule, examination.resolution_rule) == ("30 calendar days",
                                                                     "60 calendar days")
    assert examination.variant_of == direct
    assert direct.category == examination.category == "administrative"
    assert not direct.is_public  # a ZUP request needs the party identified
    assert "jmbg" in direct.required_fields


def test_businesses_are_answered_first_and_sooner(ada):
    business = procedure(ada, "business-inquiry")
    general = procedure(ada, "general-inquiry")
    assert business.priority == Priority.HIGH > general.priority
    assert (business.first_response_rule, business.resolution_rule) == ("4 working hours",
                                                                        "5 working days")
    assert business.department.name == "Odeljenje za privredu"
    received = at("2026-06-01 10:00")
    assert business.resolution.due(_calendar(ada), received) < general.resolution.due(
        _calendar(ada), received)


def test_communal_problems_go_to_the_service_that_fixes_them(ada):
    departments = {code: procedure(ada, code).department.name
                   for code in ("street-lighting", "road-damage", "waste", "water")}
    assert departments == {
        "street-lighting": "Odeljenje za komunalne poslove",
        "road-damage": "Odeljenje za komunalne poslove",
        "waste": "JKP Čistoća i zelenilo",
        "water": "JKP Vodovod i kanalizacija",
    }
    assert {procedure(ada, code).category for code in departments} == {"communal"}
    assert procedure(ada, "complaint").resolution_rule == "15 calendar days"
    assert procedure(ada, "inspection-request").department.name == (
        "Odeljenje za inspekcijske poslove")


def test_starter_departments_are_onboarding_departments():
    keys = {spec.key for spec in DEFAULT_DEPARTMENTS}
    assert {spec.department for spec in STARTER_PROCEDURES} <= keys
    assert [spec.code for spec in STARTER_PROCEDURES] == STARTER_CODES


def test_every_starter_text_is_given_in_serbian_hungarian_and_english():
    for spec in STARTER_PROCEDURES:
        texts = [spec.name, spec.description, *spec.checklist,
                 *(t[part] for t in spec.reply_templates for part in ("title", "body"))]
        for text in texts:
            assert set(text) == {"sr-latn", "hu", "en"}, spec.code
            assert all(value.strip() for value in text.values()), spec.code


def test_reply_templates_fill_in_every_placeholder(ada):
    values = {name: f"<{name}>" for name in REPLY_PLACEHOLDERS}
    foi = procedure(ada, "public-information")
    for language in ("sr-latn", "sr", "hu", "en"):
        title, body = foi.reply_template("received", language)
        filled = body.format(**values)
        assert "<registry_number>" in filled and "<due_date>" in filled
        assert title
    assert foi.reply_template("nonexistent", "hu") is None


# -- texts in the interface languages -------------------------------------------------------


def test_a_procedure_speaks_each_interface_language(ada):
    foi = procedure(ada, "public-information")
    assert foi.name_in("sr-latn") == "Zahtev za pristup informacijama od javnog značaja"
    assert foi.name_in("sr") == "Захтев за приступ информацијама од јавног значаја"
    assert foi.name_in("hu") == "Kérelem közérdekű információkhoz való hozzáférésre"
    assert foi.name_in("en") == "Request for access to information of public importance"
    assert foi.name_in("de") == foi.name  # not an interface language: Serbian Latin
    with translation.override("hu"):
        assert foi.display_name == foi.name_in("hu")
    assert foi.checklist_in("sr")[0] == "Проверити да ли орган поседује тражену информацију"
    assert foi.description_in("en").startswith("A request under the Law on Free Access")


def test_a_cyrillic_name_given_wins_over_transliteration_and_missing_ones_fall_back(admin):
    p = actions.create_procedure(
        actor=admin, code="rasveta", name="Ulična rasveta", classification="352",
        first_response_rule="1 working day", resolution_rule="8 calendar days",
        translations={"sr": {"name": "Јавна расвета"}})
    assert p.name_in("sr") == "Јавна расвета"
    assert p.description_in("sr") == ""
    assert p.name_in("hu") == "Ulična rasveta"


# -- validation through the actions ---------------------------------------------------------


VALID = {"code": "ulicna-rasveta", "name": "Ulična rasveta", "classification": "352",
         "first_response_rule": "1 working day", "resolution_rule": "15 calendar days"}


@pytest.mark.parametrize("changes, field, message", [
    ({"first_response_rule": "soon"}, "first_response_rule", "Unknown deadline rule “soon”"),
    ({"resolution_rule": ""}, "resolution_rule", "Enter a deadline rule"),
    ({"resolution_rule": "0 calendar days"}, "resolution_rule", "counts from 1 to 999"),
    ({"code": ""}, "code", ""),
    ({"code": "Not a slug!"}, "code", ""),
    ({"name": ""}, "name", ""),
    ({"required_fields": ["description", "shoe size"]}, "required_fields",
     "Unknown field shoe size"),
    ({"translations": {"de": {"name": "Straßenbeleuchtung"}}}, "translations",
     "Unknown language de"),
    ({"translations": {"hu": {"title": "Közvilágítás"}}}, "translations",
     "language: {name, description}"),
    ({"checklist": [{"hu": "Ellenőrizni"}]}, "checklist", "Serbian (Latin) text is required"),
    ({"checklist": "Proveriti"}, "checklist", "list of steps"),
    ({"reply_templates": [{"key": "x", "title": {"sr-latn": "Naslov"},
                           "body": {"sr-latn": "Rok je {deadline}."}}]},
     "reply_templates", "Unknown placeholder {deadline}"),
    ({"reply_templates": [{"key": "x", "title": {"sr-latn": "Naslov"},
                           "body": {"sr-latn": "Zagrada {"}}]},
     "reply_templates", "Unknown placeholder"),
    ({"reply_templates": [{"title": {"sr-latn": "Naslov"}, "body": {"sr-latn": "Telo"}}]},
     "reply_templates", "its own key"),
    ({"priority": 99}, "priority", ""),
    ({"category": "weather"}, "category", ""),
    ({"colour": "red"}, "colour", "Not a field of a procedure"),
])
def test_an_invalid_procedure_is_refused_naming_the_field_and_nothing_is_saved(
        admin, changes, field, message):
    count = CaseType.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.create_procedure(actor=admin, **{**VALID, **changes})
    assert field in error.value.message_dict
    assert message in " ".join(error.value.message_dict[field])
    assert CaseType.objects.count() == count


def test_a_duplicate_code_or_name_is_refused_naming_the_field(admin):
    actions.create_procedure(actor=admin, **VALID)
    with pytest.raises(ValidationError) as error:
        actions.create_procedure(actor=admin, **{**VALID, "name": "Druga"})
    assert "code" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.create_procedure(actor=admin, **{**VALID, "code": "druga"})
    assert "name" in error.value.message_dict


def test_variants_and_departments_stay_within_the_municipality(admin, other_municipality):
    main = actions.create_procedure(actor=admin, **VALID)
    variant = actions.create_procedure(actor=admin, **{**VALID, "code": "hitno",
                                                       "name": "Hitno", "variant_of": main})
    with pytest.raises(ValidationError) as error:
        actions.create_procedure(actor=admin, **{**VALID, "code": "x", "name": "X",
                                                 "variant_of": variant})
    assert "is itself a variant" in error.value.message_dict["variant_of"][0]
    with pytest.raises(ValidationError) as error:
        actions.update_procedure(actor=admin, procedure=main, variant_of=main)
    assert "variant_of" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.update_procedure(actor=admin, procedure=variant,
                                 variant_of=make_procedure(other_municipality, "Strani"))
    assert error.value.message_dict["variant_of"] == ["Not found."]
    with pytest.raises(ValidationError) as error:
        actions.update_procedure(actor=admin, procedure=variant,
                                 department=make_department(other_municipality))
    assert error.value.message_dict["department"] == ["Not found."]


def test_a_main_procedure_with_variants_cannot_become_a_variant(admin):
    main = actions.create_procedure(actor=admin, **VALID)
    actions.create_procedure(actor=admin, **{**VALID, "code": "hitno", "name": "Hitno",
                                             "variant_of": main})
    other = actions.create_procedure(actor=admin, **{**VALID, "code": "x", "name": "X"})
    with pytest.raises(ValidationError) as error:
        actions.update_procedure(actor=admin, procedure=main, variant_of=other)
    assert "has variants of its own" in error.value.message_dict["variant_of"][0]


def test_only_an_administrator_manages_procedures(officer, admin, other_municipality):
    with pytest.raises(PermissionDenied):
        actions.create_procedure(actor=officer, **VALID)
    foreign = make_procedure(other_municipality, "Strani")
    with pytest.raises(ValidationError):
        actions.update_procedure(actor=admin, procedure=foreign, name="Moj")
    foreign.refresh_from_db()
    assert foreign.name == "Strani"


def test_a_rule_written_in_serbian_is_stored_in_english(admin):
    p = actions.create_procedure(actor=admin, **{**VALID, "resolution_rule":
                                                 "30 kalendarskih dana"})
    assert p.resolution_rule == "30 calendar days"
    p = actions.update_procedure(actor=admin, procedure=p, first_response_rule="4 radna sata")
    p.refresh_from_db()
    assert p.first_response_rule == "4 working hours"


def test_a_failed_update_leaves_the_procedure_as_it_was(admin):
    p = actions.create_procedure(actor=admin, **VALID)
    with pytest.raises(ValidationError):
        actions.update_procedure(actor=admin, procedure=p, name="Novo ime",
                                 resolution_rule="whenever")
    p.refresh_from_db()
    assert (p.name, p.resolution_rule) == ("Ulična rasveta", "15 calendar days")


def test_the_database_refuses_a_procedure_without_deadline_rules(municipality):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseType.objects.create(municipality=municipality, code="bez-roka", name="Bez roka",
                                classification="1", first_response_rule="1 working day")


# -- a case's deadline comes from its procedure through the calendar -------------------------


def _calendar(municipality):
    from salter.procedures.calendar import calendar_for

    return calendar_for(municipality)


def test_a_case_is_due_by_its_procedures_resolution_rule_and_the_calendar(clerk):
    foi = make_procedure(clerk.municipality, "Informacije od javnog značaja",
                         classification="031", resolution_rule="15 calendar days")
    case = create_case(actor=clerk, subject="Budžet za 2026.", channel=Channel.EMAIL,
                       case_type=foi, received_at=at("2026-03-27 09:00"))
    # 15 days end on Holy Saturday 11 April; Easter until Monday: Tuesday 14 April.
    assert case.due_at == at("2026-04-14 23:59:59")
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CREATED)
    assert event.after["case_type"] == foi.pk


def test_the_urgent_request_is_due_in_48_hours_and_urgent(clerk):
    urgent = make_procedure(clerk.municipality, "Informacije – zdravlje", classification="031",
                            resolution_rule="48 hours", priority=Priority.URGENT)
    case = create_case(actor=clerk, subject="Zagađenje vode", channel=Channel.EMAIL,
                       case_type=urgent, received_at=at("2026-04-09 12:00"))
    assert case.due_at == at("2026-04-11 12:00")
    assert case.priority == Priority.URGENT


def test_priority_is_the_procedures_or_higher_for_a_business(clerk):
    business_type = make_procedure(clerk.municipality, "Upit privrede", classification="310",
                                   priority=Priority.HIGH, resolution_rule="5 working days")
    communal = make_procedure(clerk.municipality, "Rasveta")
    person = create_client(actor=clerk, first_name="Ana", last_name="Kovač")
    firm = create_client(actor=clerk, kind=Client.Kind.BUSINESS, business_name="Agrotim d.o.o.")
    assert create_case(actor=clerk, subject="Subvencije", channel=Channel.EMAIL,
                       clients=[person], case_type=business_type).priority == Priority.HIGH
    assert create_case(actor=clerk, subject="Sijalica", channel=Channel.EMAIL,
                       clients=[person], case_type=communal).priority == Priority.NORMAL
    assert create_case(actor=clerk, subject="Sijalica", channel=Channel.EMAIL,
                       clients=[firm], case_type=communal).priority == Priority.HIGH
    assert create_case(actor=clerk, subject="Sijalica", channel=Channel.EMAIL,
                       clients=[firm], case_type=communal,
                       priority=Priority.LOW).priority == Priority.LOW


def test_a_case_without_a_procedure_has_no_deadline_yet(clerk):
    case = create_case(actor=clerk, subject="Bez vrste", channel=Channel.PHONE)
    assert case.due_at is None


# -- staff see a procedure's name in their language ------------------------------------------


def test_staff_see_procedure_names_in_the_interface_language(client, clerk):
    from django.urls import reverse

    municipality = clerk.municipality
    water = make_procedure(municipality, "Vodovod i kanalizacija",
                           translations={"hu": {"name": "Vízellátás és csatornázás"}})
    case = create_case(actor=clerk, subject="Nestanak vode", channel=Channel.PHONE,
                       case_type=water)
    client.force_login(clerk.user)
    client.post(reverse("set_language"), {"language": "hu"})
    slug = municipality.slug
    form = client.get(reverse("workspace:case_new", kwargs={"municipality": slug}))
    assert "Vízellátás és csatornázás" in form.content.decode()
    page = client.get(reverse("workspace:case", kwargs={"municipality": slug,
                                                        "case_id": case.pk}))
    assert "Vízellátás és csatornázás" in page.content.decode()
    client.post(reverse("set_language"), {"language": "sr"})
    page = client.get(reverse("workspace:case", kwargs={"municipality": slug,
                                                        "case_id": case.pk}))
    assert "Водовод и канализација" in page.content.decode()
