"""Routing a new case by the municipality's rules: which procedure, which department,
what priority.

Rules are tried in their order and the first whose conditions all hold decides
(`RoutingRule`: channel, endpoint, keywords, the sender's kind, the sender's domain, the
location). Without a procedure from a rule, a procedure whose own keywords occur in the
text is taken; without a department, the procedure's and then the endpoint's (the mailbox
or number the message came in on). Whatever is still undecided, the municipality's
default rule decides, so that no case is left without procedure, department and
deadline.

Words are compared folded — no case, no diacritics, either script — and at the start of
a word, so "Ђубре", "đubre" and "DJUBRE" are one word, a Latin rule catches Cyrillic
text, and "kontejner" catches "kontejnera" but "rupa" does not catch "grupa".

`RuleSet` reads a municipality's rules once (intake: once per batch) and routes any
number of items without queries.
"""

import re
from dataclasses import dataclass

from salter.lang.transliteration import fold
from salter.procedures.models import CaseType, RoutingRule
from salter.tenancy.models import Department

_ALTERNATIVES = re.compile(r"[,;\n]")
_NOT_A_WORD = re.compile(r"[^0-9a-z]+")
ClientKind = RoutingRule.ClientKind


@dataclass(frozen=True)
class RouteDecision:
    case_type: CaseType | None = None
    department: Department | None = None
    priority: int | None = None
    rule: RoutingRule | None = None  # the rule that matched, if one did
    by_default: bool = False  # the default rule chose the procedure


def words(text: str) -> str:
    """`text` folded into single-spaced words, with a space before and after."""
    return f" {_NOT_A_WORD.sub(' ', fold(text or '')).strip()} "


def alternatives(text: str) -> tuple[str, ...]:
    """The alternatives written one per line (or separated by commas), as `words`."""
    found = (words(part).strip() for part in _ALTERNATIVES.split(text or ""))
    return tuple(dict.fromkeys(part for part in found if part))


def _mentions(folded: str, keywords) -> bool:
    return any(f" {keyword}" in folded for keyword in keywords)


def _domains(text: str) -> tuple[str, ...]:
    return tuple(d for d in (part.strip().lower().lstrip("@")
                             for part in _ALTERNATIVES.split(text or "")) if d)


class _Rule:
    """A rule with its alternatives prepared once."""

    def __init__(self, rule: RoutingRule):
        self.rule = rule
        self.keywords = alternatives(rule.keywords)
        self.places = alternatives(rule.location)
        self.domains = _domains(rule.sender_domain)

    def matches(self, *, folded: str, channel: str, endpoint_id, client_kind: str,
                domain: str, place: str) -> bool:
        rule = self.rule
        return (
            (not rule.channel or rule.channel == channel)
            and (not rule.endpoint_id or rule.endpoint_id == endpoint_id)
            and (not self.keywords or _mentions(folded, self.keywords))
            and (not rule.client_kind or rule.client_kind == client_kind)
            and (not self.domains or any(domain == d or domain.endswith("." + d)
                                         for d in self.domains))
            and (not self.places or _mentions(place, self.places))
        )


class RuleSet:
    """The active rules and keyworded procedures of one municipality, read once and reused
    for every item of a batch."""

    def __init__(self, municipality):
        self.municipality = municipality
        rules = list(RoutingRule.objects.filter(municipality=municipality, is_active=True)
                     .select_related("case_type__department", "department")
                     .order_by("order", "id"))
        self.default = next((r for r in rules if r.is_default), None)
        self.rules = [_Rule(r) for r in rules if not r.is_default and r.has_conditions]
        self.case_types = [
            (case_type, alternatives(case_type.keywords))
            for case_type in CaseType.objects.filter(municipality=municipality, is_active=True)
            .exclude(keywords="").select_related("department").order_by("name")
        ]

    def route(self, *, text: str, sender_domain: str = "", endpoint=None, client=None,
              channel: str = "", location: str = "",
              client_kind: str | None = None) -> RouteDecision:
        """Decide procedure, department and priority for an item. `client` is the known
        client (or None); `client_kind` says what a sender not yet registered is."""
        if client_kind is None:
            client_kind = (client.kind if client is not None else "")
        folded = words(text)
        facts = {"folded": folded, "channel": channel or "",
                 "endpoint_id": endpoint.pk if endpoint is not None else None,
                 "client_kind": client_kind or "", "domain": (sender_domain or "").lower(),
                 "place": words(location) if location else " "}
        matched = next((r.rule for r in self.rules if r.matches(**facts)), None)
        case_type = matched.case_type if matched else None
        department = matched.department if matched else None
        if case_type is None:
            case_type = next((ct for ct, keywords in self.case_types
                              if _mentions(folded, keywords)), None)
        by_default = case_type is None and self.default is not None
        if by_default:
            case_type = self.default.case_type
            department = department or (endpoint.department if endpoint is not None
                                         else None) or self.default.department
        department = (department or (case_type.department if case_type else None)
                      or (endpoint.department if endpoint is not None else None)
                      or (self.default.department if self.default else None))
        priority = matched.priority if matched else (
            self.default.priority if by_default else None)
        return RouteDecision(case_type=case_type, department=department, priority=priority,
                             rule=matched, by_default=by_default)


def route(municipality, *, text: str, rules: RuleSet | None = None, **facts) -> RouteDecision:
    """Decide for one item; pass `rules` to reuse them across items."""
    rules = rules if rules is not None else RuleSet(municipality)
    return rules.route(text=text, **facts)
