"""Bringing a municipality onto Šalter: activation with a default office layout.

`activate_municipality` is what `salter municipality activate <slug>` runs. It is safe to
run again: each part (departments, procedures, routing, office hours) is laid out only when the
municipality has none of it yet, so a municipality that has already shaped its own
structure is never given a second, default one.

The defaults follow the usual shape of a Vojvodina city or municipal administration
(gradska/opštinska uprava, unit marks IV-01…, the cabinet as II) and the public utility
companies (JKP) most citizens' matters end up with. Real names differ from place to
place; administrators rename them afterwards.

The default language stays Serbian (Latin) even where Hungarian is the majority
language: replies follow each client's own language when it is known, and Serbian is the
one language every Vojvodina administration works in. Administrators may change it.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from salter.procedures.actions import lay_out_starter_procedures, lay_out_starter_routing
from salter.procedures.calendar import (
    DEFAULT_CLOSES,
    DEFAULT_OPENS,
    DEFAULT_WORKING_WEEKDAYS,
    forget_calendar,
)
from salter.tenancy.models import Department, Membership, Municipality, WorkingHours

GENERAL = "general"
FINANCE = "finance"
URBANISM = "urbanism"
COMMUNAL = "communal"
ECONOMY = "economy"
INSPECTION = "inspection"
CABINET = "cabinet"
WATER = "water"
WASTE = "waste"
HEATING = "heating"


@dataclass(frozen=True)
class DepartmentSpec:
    key: str
    name: str
    kind: str
    unit: str = ""
    cities_only: bool = False


DEFAULT_DEPARTMENTS = (
    DepartmentSpec(GENERAL, "Služba za opšte poslove i pisarnica", Department.Kind.SERVICE,
                   "IV-01"),
    DepartmentSpec(FINANCE, "Odeljenje za finansije i lokalnu poresku administraciju",
                   Department.Kind.DEPARTMENT, "IV-02"),
    DepartmentSpec(URBANISM, "Odeljenje za urbanizam", Department.Kind.DEPARTMENT, "IV-03"),
    DepartmentSpec(COMMUNAL, "Odeljenje za komunalne poslove", Department.Kind.DEPARTMENT,
                   "IV-04"),
    DepartmentSpec(ECONOMY, "Odeljenje za privredu", Department.Kind.DEPARTMENT, "IV-05"),
    DepartmentSpec(INSPECTION, "Odeljenje za inspekcijske poslove", Department.Kind.DEPARTMENT,
                   "IV-06"),
    # The name depends on the kind of self-government; see _department_name.
    DepartmentSpec(CABINET, "Kabinet", Department.Kind.SERVICE, "II"),
    DepartmentSpec(WATER, "JKP Vodovod i kanalizacija", Department.Kind.OUTSIDE_BODY),
    DepartmentSpec(WASTE, "JKP Čistoća i zelenilo", Department.Kind.OUTSIDE_BODY),
    # District heating is run by a city utility; in smaller municipalities it is usually
    # missing or part of another JKP, so only cities get one by default.
    DepartmentSpec(HEATING, "JKP Toplana", Department.Kind.OUTSIDE_BODY, cities_only=True),
)


@dataclass
class OnboardingReport:
    municipality: Municipality
    activated: bool = False
    departments: list[str] = field(default_factory=list)
    case_types: list[str] = field(default_factory=list)
    routing_rules: int = 0
    working_hours: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.activated or self.departments or self.case_types
                    or self.routing_rules or self.working_hours)


class UnknownMunicipality(LookupError):
    pass


def _lock(slug: str) -> Municipality:
    try:
        return Municipality.objects.select_for_update().get(slug=slug)
    except Municipality.DoesNotExist:
        raise UnknownMunicipality(slug) from None


def _department_name(spec: DepartmentSpec, municipality: Municipality) -> str:
    if spec.key == CABINET:
        if municipality.kind == Municipality.Kind.CITY:
            return "Kabinet gradonačelnika"
        return "Kabinet predsednika opštine"
    return spec.name


def _lay_out_departments(municipality: Municipality, report: OnboardingReport) -> None:
    if municipality.departments.exists():
        return
    is_city = municipality.kind == Municipality.Kind.CITY
    for spec in DEFAULT_DEPARTMENTS:
        if spec.cities_only and not is_city:
            continue
        department = Department.objects.create(
            municipality=municipality, name=_department_name(spec, municipality),
            kind=spec.kind, registry_unit=spec.unit)
        report.departments.append(department.name)


def _lay_out_case_types(municipality: Municipality, report: OnboardingReport) -> None:
    if municipality.case_types.exists():
        return
    by_name = {d.name: d for d in municipality.departments.all()}
    departments = {spec.key: by_name.get(_department_name(spec, municipality))
                   for spec in DEFAULT_DEPARTMENTS}
    for case_type in lay_out_starter_procedures(municipality, departments):
        report.case_types.append(f"{case_type.classification} {case_type.name}")


def _lay_out_routing(municipality: Municipality, report: OnboardingReport) -> None:
    """The default rule (general inquiries, to the registry office's service) and
    businesses to the business desk, unless the municipality has rules already."""
    if municipality.routing_rules.exists():
        return
    procedures = {p.code: p for p in municipality.case_types.filter(is_active=True)}
    general = procedures.get("general-inquiry")
    if general is None or general.department is None:
        return
    business = procedures.get("business-inquiry")
    report.routing_rules = len(lay_out_starter_routing(
        municipality, default=(general, general.department),
        business=business if business is not None and business.department else None))


def _lay_out_working_hours(municipality: Municipality, report: OnboardingReport) -> None:
    if municipality.working_hours.exists():
        return
    WorkingHours.objects.bulk_create(
        WorkingHours(municipality=municipality, weekday=day, opens=DEFAULT_OPENS,
                     closes=DEFAULT_CLOSES)
        for day in DEFAULT_WORKING_WEEKDAYS
    )
    forget_calendar(municipality.pk)
    report.working_hours = True


@transaction.atomic
def activate_municipality(slug: str) -> OnboardingReport:
    """Activate the municipality `slug` and give it the default layout where it has none.

    Raises UnknownMunicipality for a slug that is not one of ours.
    """
    municipality = _lock(slug)
    report = OnboardingReport(municipality)
    if not municipality.is_active:
        municipality.is_active = True
        municipality.activated_at = timezone.now()
        municipality.save(update_fields=["is_active", "activated_at"])
        report.activated = True
    _lay_out_departments(municipality, report)
    _lay_out_case_types(municipality, report)
    _lay_out_routing(municipality, report)
    _lay_out_working_hours(municipality, report)
    return report


@transaction.atomic
def deactivate_municipality(slug: str) -> bool:
    """Take the municipality off line (staff and portal see it as unknown); its data
    stays. Returns whether anything changed."""
    municipality = _lock(slug)
    if not municipality.is_active:
        return False
    municipality.is_active = False
    municipality.save(update_fields=["is_active"])
    return True


@transaction.atomic
def set_public_contacts(municipality: Municipality, *, email: str = "",
                        phone: str = "") -> Municipality:
    """The e-mail address and telephone the public portal shows for the municipality."""
    municipality.email, municipality.phone = email.strip().lower(), phone.strip()
    municipality.full_clean(validate_unique=False, validate_constraints=False)
    municipality.save(update_fields=["email", "phone"])
    return municipality


@transaction.atomic
def set_department_email(department: Department, email: str) -> Department:
    """The address a department or outside body is written to (requests for its response
    go there)."""
    department.email = email.strip().lower()
    department.full_clean(validate_unique=False, validate_constraints=False)
    department.save(update_fields=["email"])
    return department


@transaction.atomic
def enroll_staff(*, municipality: Municipality, user, role: str,
                 department: Department | None = None) -> Membership:
    """Give `user` the `role` in `municipality` (one membership per user and municipality;
    enrolling again updates the role and department)."""
    if department is not None and department.municipality_id != municipality.pk:
        raise ValueError("the department belongs to another municipality")
    membership, _created = Membership.objects.update_or_create(
        user=user, municipality=municipality,
        defaults={"role": role, "department": department, "is_active": True},
    )
    return membership
