"""Classifying and routing an incoming message by the municipality's rules.

Rules are tried in their order and the first that matches decides the case type,
department and priority. Without a case type from a rule, a case type whose keywords
occur in the message is taken; without a department, the case type's and then the
endpoint's (the mailbox or number the message came in on). Keywords are compared folded
(no case, no diacritics, either script), so "Ђубре", "đubre" and "DJUBRE" are one word.
"""

import re
from dataclasses import dataclass

from salter.lang.transliteration import fold
from salter.procedures.models import CaseType, RoutingRule
from salter.tenancy.models import Department

_ALTERNATIVES = re.compile(r"[,;\n]")
Match = RoutingRule.Match


@dataclass(frozen=True)
class RouteDecision:
    case_type: CaseType | None = None
    department: Department | None = None
    priority: int | None = None
    rule: RoutingRule | None = None


def _keywords(text: str) -> tuple[str, ...]:
    return tuple(k for k in (fold(part) for part in _ALTERNATIVES.split(text or "")) if k)


class RuleSet:
    """The active rules and keyworded case types of one municipality, read once and
    reused for every message of a batch."""

    def __init__(self, municipality):
        self.municipality = municipality
        self.rules = [
            (rule, _keywords(rule.value))
            for rule in RoutingRule.objects.filter(municipality=municipality, is_active=True)
            .select_related("case_type__department", "department").order_by("order", "id")
        ]
        self.case_types = [
            (case_type, _keywords(case_type.keywords))
            for case_type in CaseType.objects.filter(municipality=municipality, is_active=True)
            .exclude(keywords="").select_related("department").order_by("name")
        ]

    def route(self, *, sender_domain: str, text: str, endpoint, client) -> RouteDecision:
        folded = f" {fold(text)} "
        rule = next((r for r, words in self.rules
                     if _matches(r, words, sender_domain.lower(), folded, endpoint, client)),
                    None)
        case_type = rule.case_type if rule else None
        if case_type is None:
            case_type = next((ct for ct, words in self.case_types
                              if any(_contains(folded, w) for w in words)), None)
        department = (
            (rule.department if rule else None)
            or (case_type.department if case_type else None)
            or (endpoint.department if endpoint is not None else None)
        )
        return RouteDecision(case_type=case_type, department=department,
                             priority=rule.priority if rule else None, rule=rule)


def _contains(folded_text: str, keyword: str) -> bool:
    return keyword in folded_text


def _matches(rule, words, sender_domain: str, folded: str, endpoint, client) -> bool:
    value = rule.value.strip().lower().lstrip("@")
    if rule.match == Match.SENDER_DOMAIN:
        return bool(value) and (sender_domain == value or sender_domain.endswith("." + value))
    if rule.match == Match.KEYWORD:
        return any(_contains(folded, w) for w in words)
    if rule.match == Match.MAILBOX:
        return endpoint is not None and value in (endpoint.address.lower(), str(endpoint.pk))
    if rule.match == Match.BUSINESS_SENDER:
        return client is not None and client.is_business
    return False


def route(municipality, *, sender_domain: str, text: str, endpoint, client,
          rules: RuleSet | None = None) -> RouteDecision:
    """Decide type, department and priority; pass `rules` to reuse them across messages."""
    rules = rules if rules is not None else RuleSet(municipality)
    return rules.route(sender_domain=sender_domain, text=text, endpoint=endpoint,
                       client=client)
