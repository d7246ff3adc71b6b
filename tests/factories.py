"""Builders for test data. Domain objects are created through actions where the test is
about behaviour; these factories only lay out tenants and staff."""

import datetime
import itertools

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from salter.lang.transliteration import fold
from salter.procedures.models import CaseType
from salter.tenancy.actors import SystemActor
from salter.tenancy.models import Department, Membership, Municipality, WorkingHours
from salter.tenancy.roles import Role

PASSWORD = "Salter-test-2026!"
_counter = itertools.count(1)


def make_municipality(slug=None, *, name=None, active=True, **fields) -> Municipality:
    n = next(_counter)
    slug = slug or f"opstina-{n}"
    # update_or_create: the data migration has already loaded the 45 real municipalities
    # of Vojvodina, so a test asking for "subotica" takes that row over.
    municipality, _created = Municipality.objects.update_or_create(
        slug=slug,
        defaults={"name": name or slug.replace("-", " ").title(),
                  "name_cyrl": fields.pop("name_cyrl", name or slug), "is_active": active,
                  "registry_unit": fields.pop("registry_unit", "IV"), **fields},
    )
    if not municipality.working_hours.exists():
        for weekday in range(5):
            WorkingHours.objects.create(municipality=municipality, weekday=weekday,
                                        opens=datetime.time(7, 30),
                                        closes=datetime.time(15, 30))
    return municipality


def make_department(municipality, name="Odeljenje za komunalne poslove", **fields):
    return Department.objects.create(municipality=municipality, name=name,
                                     registry_unit=fields.pop("registry_unit", "IV-03"),
                                     **fields)


def make_procedure(municipality, name="Komunalni problemi", *, classification="352",
                   first_response_rule="1 working day", resolution_rule="15 calendar days",
                   **fields) -> CaseType:
    """A procedure (case type), validated as `procedures.actions` validates one."""
    procedure = CaseType(municipality=municipality, name=name,
                         code=fields.pop("code", slugify(fold(name))),
                         classification=classification, first_response_rule=first_response_rule,
                         resolution_rule=resolution_rule, **fields)
    procedure.full_clean(validate_unique=False, validate_constraints=False)
    procedure.save()
    return procedure


def make_member(municipality, role=Role.REGISTRY_CLERK, *, username=None, department=None,
                user=None) -> Membership:
    if user is None:
        username = username or f"user{next(_counter)}"
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, first_name=username.title(),
            last_name="Test", email=f"{username}@example.org")
    return Membership.objects.create(user=user, municipality=municipality, role=role,
                                     department=department)


def system(municipality, label="test") -> SystemActor:
    return SystemActor(municipality=municipality, label=label)


def make_mailbox(municipality, address: str, *, department=None, **imap):
    """An e-mail endpoint of the municipality, read over IMAP by a Mailbox."""
    from salter.cases.models import Channel
    from salter.channels.models import Endpoint, Mailbox

    endpoint = Endpoint.objects.create(municipality=municipality, channel=Channel.EMAIL,
                                       address=address.lower(), department=department)
    fields = {"imap_host": "localhost", "imap_username": "p", "imap_password": "p", **imap}
    return Mailbox.objects.create(municipality=municipality, endpoint=endpoint, **fields)
