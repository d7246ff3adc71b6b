"""Existing data under routing conditions and deadlines as rows.

Routing rules: each rule's one `match` becomes its condition (a sender domain, keywords,
the endpoint it names by address or id, a business sender); a rule left without a
condition (an empty keyword, an endpoint gone) is deactivated rather than matching
everything. Every municipality with procedures and departments gets its default rule: the
general inquiry (or its first procedure), to the procedure's department or else its
first service.

Cases: every case with a procedure gets its first-response and resolution deadlines,
counted from when it was opened, by the municipality's calendar as it is now; a resolved
case has met both (when it was resolved, or the first reply for the first response), a
case closed unresolved has stopped them. An open case without procedure is given the
default rule's procedure (and department, if it had none), said on its timeline.
"""

import datetime

from django.db import migrations

from salter.procedures.calendar import BusinessCalendar, SpecialDay
from salter.procedures.deadlines import evaluate

OPEN = ("new", "assigned", "in_progress", "waiting_citizen", "waiting_department")


def rules_to_conditions(apps, schema_editor):
    RoutingRule = apps.get_model("procedures", "RoutingRule")
    Endpoint = apps.get_model("channels", "Endpoint")
    for rule in RoutingRule.objects.exclude(match=""):
        value = (rule.value or "").strip()
        if rule.match == "sender_domain":
            rule.sender_domain = value.lower().lstrip("@")
        elif rule.match == "keyword":
            rule.keywords = value
        elif rule.match == "business_sender":
            rule.client_kind = "business"
        elif rule.match == "mailbox":
            endpoints = Endpoint.objects.filter(municipality_id=rule.municipality_id)
            endpoint = (endpoints.filter(pk=int(value)).first() if value.isdigit()
                        else endpoints.filter(address=value.lower()).first())
            rule.endpoint_id = endpoint.pk if endpoint else None
        if not (rule.sender_domain or rule.keywords.strip() or rule.client_kind
                or rule.endpoint_id):
            rule.is_active = False
        rule.save()


def conditions_to_rules(apps, schema_editor):
    RoutingRule = apps.get_model("procedures", "RoutingRule")
    RoutingRule.objects.filter(is_default=True).delete()
    for rule in RoutingRule.objects.all():
        if rule.sender_domain:
            rule.match, rule.value = "sender_domain", rule.sender_domain
        elif rule.keywords:
            rule.match, rule.value = "keyword", rule.keywords[:200]
        elif rule.endpoint_id:
            rule.match, rule.value = "mailbox", str(rule.endpoint_id)
        elif rule.client_kind == "business":
            rule.match, rule.value = "business_sender", ""
        rule.save()


def _default_route(apps, municipality_id):
    CaseType = apps.get_model("procedures", "CaseType")
    Department = apps.get_model("tenancy", "Department")
    types = CaseType.objects.filter(municipality_id=municipality_id, is_active=True)
    case_type = types.filter(code="general-inquiry").first() or types.order_by("name").first()
    if case_type is None:
        return None, None
    departments = Department.objects.filter(municipality_id=municipality_id, is_active=True)
    department = (departments.filter(pk=case_type.department_id).first()
                  or departments.filter(kind="service").order_by("name").first()
                  or departments.exclude(kind="outside_body").order_by("name").first())
    return case_type, department


def default_rules(apps, schema_editor):
    RoutingRule = apps.get_model("procedures", "RoutingRule")
    Municipality = apps.get_model("tenancy", "Municipality")
    for municipality in Municipality.objects.all():
        if RoutingRule.objects.filter(municipality=municipality, is_default=True).exists():
            continue
        case_type, department = _default_route(apps, municipality.pk)
        if case_type is not None and department is not None:
            RoutingRule.objects.create(municipality=municipality, is_default=True, order=1000,
                                       case_type=case_type, department=department)


def _calendar(apps, municipality_id) -> BusinessCalendar:
    WorkingHours = apps.get_model("tenancy", "WorkingHours")
    CalendarDay = apps.get_model("procedures", "CalendarDay")
    weekly: dict[int, list] = {}
    for weekday, opens, closes in WorkingHours.objects.filter(
            municipality_id=municipality_id).values_list("weekday", "opens", "closes"):
        weekly.setdefault(weekday, []).append((opens, closes))
    special = [SpecialDay(date=d.date, is_open=d.kind == "open",
                          periods=((d.opens, d.closes),) if d.kind == "open" else (),
                          every_year=d.every_year, reason=d.reason)
               for d in CalendarDay.objects.filter(municipality_id=municipality_id)]
    return BusinessCalendar(weekly, special)


def _state(case, met_at):
    if case.status in OPEN:
        return "running", None
    if case.resolved_at is not None or case.status == "resolved":
        return "met", met_at or case.resolved_at or case.updated_at
    return "stopped", None


def case_deadlines(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Deadline = apps.get_model("procedures", "Deadline")
    OutboundMessage = apps.get_model("channels", "OutboundMessage")
    RoutingRule = apps.get_model("procedures", "RoutingRule")
    defaults = {rule.municipality_id: rule for rule in RoutingRule.objects.filter(
        is_default=True).select_related("case_type")}
    calendars: dict[int, BusinessCalendar] = {}
    now = datetime.datetime.now(datetime.UTC)
    for case in Case.objects.select_related("case_type").order_by("pk").iterator():
        if case.case_type is None and case.status in OPEN and case.municipality_id in defaults:
            rule = defaults[case.municipality_id]
            before = {"case_type": None, "department": case.department_id}
            case.case_type = rule.case_type
            case.department_id = case.department_id or rule.department_id
            Case.objects.filter(pk=case.pk).update(case_type=case.case_type,
                                                   department_id=case.department_id)
            CaseEvent.objects.create(
                municipality_id=case.municipality_id, case=case, kind="updated",
                actor_label="salter:default-route", at=now, before=before,
                after={"case_type": case.case_type_id, "department": case.department_id})
        if case.case_type is None or Deadline.objects.filter(case=case).exists():
            continue
        calendar = calendars.get(case.municipality_id)
        if calendar is None:
            calendar = calendars[case.municipality_id] = _calendar(apps, case.municipality_id)
        first_reply = (OutboundMessage.objects.filter(case=case, purpose="reply")
                       .order_by("created_at").values_list("created_at", flat=True).first())
        rows = []
        for kind, rule in (("first_response", case.case_type.first_response_rule),
                           ("resolution", case.case_type.resolution_rule)):
            due = evaluate(rule, calendar, case.created_at).due
            if kind == "resolution" and case.due_at is not None:
                due = case.due_at  # what staff and the citizen were told
            if kind == "first_response" and first_reply is not None:
                state, met_at = "met", first_reply
            else:
                state, met_at = _state(case, None)
            rows.append(Deadline(municipality_id=case.municipality_id, case=case, kind=kind,
                                 rule=rule, started_at=case.created_at, due_at=due,
                                 state=state, met_at=met_at, steps=[]))
        Deadline.objects.bulk_create(rows)
        if case.due_at is None:
            Case.objects.filter(pk=case.pk).update(due_at=rows[1].due_at)


def remove_deadlines(apps, schema_editor):
    apps.get_model("procedures", "Deadline").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("procedures", "0006_deadlines_and_routing_conditions"),
        ("channels", "0006_channel_neutral_records"),
        ("cases", "0004_case_location_and_event_kinds"),
    ]

    operations = [
        migrations.RunPython(rules_to_conditions, conditions_to_rules),
        migrations.RunPython(default_rules, migrations.RunPython.noop),
        migrations.RunPython(case_deadlines, remove_deadlines),
    ]
