""""Test this rule": which of the municipality's recent cases a rule, as written on the
form and not yet saved, would have caught — tried with the router's own matcher on what
each case came in with (its subject and text, channel, the endpoint and sender of its
first message, the kind of its client, its location)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from salter.audit import log, subjects
from salter.cases.models import Case, CaseParty
from salter.channels.models import InboundMessage
from salter.procedures.routing import _Rule, words

RECENT_DAYS = 30
RECENT_CASES = 500  # the newest ones of the last 30 days
SHOWN = 50


@dataclass(frozen=True)
class RuleTest:
    tried: int
    caught: list[Case]  # at most SHOWN, newest first
    caught_count: int
    days: int = RECENT_DAYS


def _first_messages(case_ids) -> dict[int, tuple[int | None, str]]:
    found: dict[int, tuple[int | None, str]] = {}
    rows = (InboundMessage.objects.filter(case_id__in=case_ids)
            .order_by("case_id", "received_at", "id")
            .values_list("case_id", "endpoint_id", "sender"))
    for case_id, endpoint_id, sender in rows:
        found.setdefault(case_id, (endpoint_id, sender or ""))
    return found


def _client_kinds(case_ids) -> dict[int, str]:
    kinds: dict[int, str] = {}
    rows = (CaseParty.objects.filter(case_id__in=case_ids).order_by("case_id", "id")
            .values_list("case_id", "client__kind"))
    for case_id, kind in rows:
        kinds.setdefault(case_id, kind)
    return kinds


def try_rule(rule, actor, *, now: datetime.datetime | None = None) -> RuleTest:
    """Try `rule` (a validated, possibly unsaved `RoutingRule`) on the recent cases the
    actor may see; the cases shown are recorded as listed in the access log."""
    since = (now or timezone.now()) - datetime.timedelta(days=RECENT_DAYS)
    cases = list(Case.objects.visible_to(actor).filter(created_at__gte=since)
                 .select_related("case_type", "department").order_by("-created_at", "-id")
                 [:RECENT_CASES])
    ids = [case.pk for case in cases]
    messages, kinds = _first_messages(ids), _client_kinds(ids)
    matcher = _Rule(rule)
    caught = []
    for case in cases:
        endpoint_id, sender = messages.get(case.pk, (None, ""))
        domain = sender.rpartition("@")[2].lower() if "@" in sender else ""
        if matcher.matches(folded=words(f"{case.subject}\n{case.description}"),
                           channel=case.channel, endpoint_id=endpoint_id,
                           client_kind=kinds.get(case.pk, ""), domain=domain,
                           place=words(case.location) if case.location else " "):
            caught.append(case)
    shown = caught[:SHOWN]
    log.record(actor, log.Action.LIST, log.Target.CASE, detail="routing rule test",
               count=len(shown), subjects=subjects.of_cases(shown))
    return RuleTest(tried=len(cases), caught=shown, caught_count=len(caught))
