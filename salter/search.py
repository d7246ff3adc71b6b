"""Searching cases and clients, for the staff workspace and the REST API alike.

Staff type what they have in front of them: a registry number, a tracking code, a name
in either script, with or without diacritics, a telephone number in any notation, an
e-mail address. The query is folded the same way `search_text` is (see
`salter.lang.transliteration.fold`), so "Đorđević", "Djordjevic" and "Ђорђевић" meet;
every folded term must occur. A query that is a telephone number or an e-mail address
also matches the normalised contact point exactly, because "064 123 4567" never occurs
as words in the stored "+381641234567".

Every term costs the database a scan (and, for cases, a subquery on the clients), so a
query is bounded: at most MAX_QUERY_LENGTH characters and MAX_TERMS different terms.
`check_query` tells the person searching; the search functions themselves never use
more, whoever calls them.

What a search shows is personal data: the rows it returns are recorded in the access
log when they are read, with the query as typed and the clients they name
(`salter.audit.recorded`), so a search that showed nothing names nobody.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salter.audit import log, subjects
from salter.audit.recorded import recorded
from salter.cases.models import Case, CaseParty
from salter.clients.access import clients_visible_to
from salter.clients.contact import normalize_email, normalize_phone
from salter.clients.models import ContactPoint
from salter.lang.transliteration import fold

MIN_TERM_LENGTH = 2
# A registry number, a full name and a place fit with room to spare; the query stays
# far from SQLite's limit on a LIKE pattern (50,000 bytes) and from plans with hundreds
# of subqueries.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...]
    phone: str = ""  # E.164 when the whole query reads as a telephone number
    email: str = ""  # lower-cased when the whole query is an e-mail address

    def __bool__(self) -> bool:
        return bool(self.terms or self.phone or self.email)


def _terms(text: str) -> tuple[str, ...]:
    # dict.fromkeys keeps the order and drops repeats: "ab ab ab" is one term.
    return tuple(dict.fromkeys(t for t in fold(text).split() if len(t) >= MIN_TERM_LENGTH))


def check_query(text: str) -> None:
    """Raise ValidationError, in words for the person searching, when `text` is more than
    a search may be."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationError(
            _("Search for at most %(limit)d characters (this search has %(length)d).")
            % {"limit": MAX_QUERY_LENGTH, "length": len(text)}, code="too_long")
    if len(_terms(text)) > MAX_TERMS:
        raise ValidationError(
            ngettext("Search for at most %(limit)d word.",
                     "Search for at most %(limit)d words.", MAX_TERMS)
            % {"limit": MAX_TERMS}, code="too_many_terms")


def parse_query(text: str) -> ParsedQuery:
    """The query's terms, at most MAX_TERMS of the first MAX_QUERY_LENGTH characters."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    return ParsedQuery(terms=_terms(text)[:MAX_TERMS], phone=_as_phone(text),
                       email=_as_email(text))


def _as_phone(text: str) -> str:
    # Only something that looks like a number: "Đorđević" must not be tried as one.
    if not text or any(c.isalpha() for c in text):
        return ""
    try:
        return normalize_phone(text)
    except ValidationError:
        return ""


def _as_email(text: str) -> str:
    if "@" not in text:
        return ""
    try:
        return normalize_email(text)
    except ValidationError:
        return ""


def _contact_values(query: ParsedQuery) -> list[tuple[str, str]]:
    pairs = []
    if query.phone:
        pairs.append((ContactPoint.Kind.PHONE, query.phone))
    if query.email:
        pairs.append((ContactPoint.Kind.EMAIL, query.email))
    return pairs


def _owns_contact(query: ParsedQuery, client_ref: str) -> Q:
    """Q for 'the client at `client_ref` has the queried phone or e-mail'."""
    match = Q()
    for kind, value in _contact_values(query):
        match |= Q(Exists(ContactPoint.objects.filter(
            client=OuterRef(client_ref), kind=kind, value=value)))
    return match


def _clients_shown(actor, action: str, text: str = ""):
    def shown(rows):
        log.record(actor, action, log.Target.CLIENT, detail=text.strip(), count=len(rows),
                   subjects=[c.pk for c in rows])
    return shown


def _cases_shown(actor, action: str, text: str = ""):
    def shown(rows):
        log.record(actor, action, log.Target.CASE, detail=text.strip(), count=len(rows),
                   subjects=subjects.of_cases(rows))
    return shown


def list_clients(actor) -> QuerySet:
    """Every current client of the actor's municipality, for a list page; the rows a
    page shows are recorded as listed."""
    return recorded(clients_visible_to(actor).current(), _clients_shown(actor, log.Action.LIST))


def list_cases(actor) -> QuerySet:
    """Every case visible to the actor, for a list with the clients' data (the API);
    the rows read are recorded as listed."""
    return recorded(Case.objects.visible_to(actor), _cases_shown(actor, log.Action.LIST))


def search_clients(actor, text: str) -> QuerySet:
    """Current (not merged) clients of the actor's municipality matching `text`."""
    query = parse_query(text)
    clients = clients_visible_to(actor).current()
    if not query:
        return clients.none()
    by_terms = Q()
    for term in query.terms:
        by_terms &= Q(search_text__contains=term)
    match = (by_terms if query.terms else Q(pk__in=[])) | _owns_contact(query, "pk")
    return recorded(clients.filter(match), _clients_shown(actor, log.Action.SEARCH, text))


def search_cases(actor, text: str) -> QuerySet:
    """Cases visible to the actor matching `text` on the case or on one of its clients."""
    query = parse_query(text)
    cases = Case.objects.visible_to(actor)
    if not query:
        return cases.none()
    by_terms = Q()
    for term in query.terms:
        party_has_term = CaseParty.objects.filter(
            case=OuterRef("pk"), client__search_text__contains=term)
        by_terms &= Q(search_text__contains=term) | Q(Exists(party_has_term))
    match = by_terms if query.terms else Q(pk__in=[])
    contact = _owns_contact(query, "client")
    if contact:
        match |= Q(Exists(CaseParty.objects.filter(case=OuterRef("pk")).filter(contact)))
    return recorded(cases.filter(match), _cases_shown(actor, log.Action.SEARCH, text))
