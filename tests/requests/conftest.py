"""A case and the bodies it can ask: an internal department with its head and officer,
and outside bodies (JKP) that answer by e-mail."""

import pytest

from salter.cases.actions import assign_case, change_case_status, create_case
from salter.cases.models import Channel
from salter.cases.workflow import Status
from salter.tenancy.models import Department
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_procedure
from tests.intake import conftest as intake

citizen, deliver = intake.citizen, intake.deliver  # the intake tests' fixtures

WATER = "pisarnica@vodovod-su.rs"
WASTE = "info@cistoca-su.rs"


@pytest.fixture
def urbanism(municipality):
    return make_department(municipality, "Odeljenje za urbanizam", registry_unit="IV-03")


@pytest.fixture
def urbanist(municipality, urbanism):
    return make_member(municipality, Role.OFFICER, username="urbanista", department=urbanism)


@pytest.fixture
def head(municipality, department):
    return make_member(municipality, Role.HEAD, username="nacelnik", department=department)


@pytest.fixture
def water(municipality):
    return make_department(municipality, "JKP Vodovod", kind=Department.Kind.OUTSIDE_BODY,
                           email=WATER, registry_unit="")


@pytest.fixture
def waste(municipality):
    return make_department(municipality, "JKP Čistoća", kind=Department.Kind.OUTSIDE_BODY,
                           email=WASTE, registry_unit="")


@pytest.fixture
def worked_case(clerk, officer, citizen, municipality, department):
    procedure = make_procedure(municipality, "Komunalni problemi", department=department)
    case = create_case(actor=clerk, subject="Izliv vode u Ulici Matije Gupca",
                       channel=Channel.EMAIL, clients=[citizen], case_type=procedure)
    case = assign_case(actor=clerk, case=case, assignee=officer.user)
    return change_case_status(actor=officer, case=case, status=Status.IN_PROGRESS)
