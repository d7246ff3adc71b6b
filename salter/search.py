"""Searching cases, clients, messages and documents: one module for the staff search,
the REST API and the portal (decision 17).

Staff type what they have in front of them: a registry number, a tracking code, a name
in either script, with or without diacritics, a telephone number in any notation, an
e-mail address, a word of a letter. Exact keys come first: a query that is a registry
number, a tracking code, a telephone number (read as E.164) or an e-mail address is looked
up by its unique index, and when it names something, that is the answer. Otherwise the
query is folded the same way the stored `search_text` columns are (see
`salter.lang.transliteration.fold`), so "Đorđević", "Djordjevic" and "Ђорђевић" meet,
and every folded term must occur in one row — of the case, one of its clients, one of
its messages or one of its documents (OCR text included). The terms are matched through
the search indexes of `salter.searchindex`: trigram GIN indexes on PostgreSQL, FTS5
trigram tables on SQLite; a term of two letters is checked on the rows those found (or,
alone, by a scan of the municipality's rows). Cases are ranked: exact key, then a match
on the case or its clients, then one found only in a message or document; newest first
within each rank.

A query is bounded: at most MAX_QUERY_LENGTH characters and MAX_TERMS different terms.
`check_query` tells the person searching; the search functions themselves never use
more, whoever calls them.

What a search shows is personal data: the rows it returns are recorded in the access
log when they are read, with the query as typed and the clients they name
(`salter.audit.recorded`), so a search that showed nothing names nobody.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salter import searchindex
from salter.audit import log, subjects
from salter.audit.recorded import recorded
from salter.cases.models import TRACKING_CODE_LENGTH, Case, CaseParty
from salter.channels.models import InboundMessage
from salter.clients.access import clients_visible_to
from salter.clients.contact import normalize_email, normalize_phone
from salter.clients.models import Client, ContactPoint
from salter.documents.access import documents_visible_to
from salter.documents.models import Document
from salter.intake.access import inbound_visible_to
from salter.lang.transliteration import fold
from salter.paging import Key, ranked_page

MIN_TERM_LENGTH = 2
# A registry number, a full name and a place fit with room to spare; the query stays
# far from SQLite's limit on a LIKE pattern (50,000 bytes) and from plans with hundreds
# of subqueries.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
_NOT_CODE = re.compile(r"[\s\-]")


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


def _messages_shown(actor, text: str):
    # Recorded when the search showed messages: the cases and clients above it are
    # recorded either way, and say what was searched.
    def shown(rows):
        if rows:
                log.record(actor, log.Action.SEARCH, log.Target.MESSAGE, detail=text.strip(),
                       count=len(rows), subjects=[m.client_id for m in rows])
    return shown


def _documents_shown(actor, text: str):
    def shown(rows):
        if rows:
                log.record(actor, log.Action.SEARCH, log.Target.DOCUMENT, detail=text.strip(),
                       count=len(rows),
                       subjects=[d.client_id for d in rows if d.client_id])
    return shown


def list_clients(actor) -> QuerySet:
    """Every current client of the actor's municipality, for a list page; the rows a
    page shows are recorded as listed."""
    return recorded(clients_visible_to(actor).current(), _clients_shown(actor, log.Action.LIST))


def list_cases(actor) -> QuerySet:
    """Every case visible to the actor, for a list with the clients' data (the API);
    the rows read are recorded as listed."""
    return recorded(Case.objects.visible_to(actor), _cases_shown(actor, log.Action.LIST))


# The order of a search's cases: rank, then newest first (a keyset for `salter.paging`).
RANKED = (Key("rank", descending=True), Key("created_at", descending=True, moment=True),
          Key("id", descending=True))
EXACT, DIRECT, MENTIONED = 3, 2, 1
# Parts shorter than this are not in a trigram index (they are checked on the rows found).
INDEXED_LENGTH = 3


def matching(model, terms: tuple[str, ...]) -> Q:
    """Q on `model` (a table of `salter.searchindex.SOURCES`) for the rows whose folded
    `search_text` holds every term, through the search index of the database."""
    indexed = [t for t in terms if len(t) >= INDEXED_LENGTH]
    match = Q()
    for term in terms:
        if len(term) < INDEXED_LENGTH or connections[router.db_for_read(model)].vendor != (
                "sqlite"):
            # PostgreSQL answers LIKE '%term%' from the trigram index.
            match &= Q(search_text__contains=term)
    if indexed and connections[router.db_for_read(model)].vendor == "sqlite":
        fts = searchindex.fts_table(model._meta.db_table)
        phrase = " AND ".join('"' + t.replace('"', '""') + '"' for t in indexed)
        match &= Q(pk__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [phrase]))
    return match


def _registry_numbers(text: str) -> list[str]:
    text = text.strip()
    if not text or len(text) > 60 or " " in text:
        return []
    return list(dict.fromkeys((text, text.upper())))


def _exact_cases(actor, text: str, query: ParsedQuery) -> Q | None:
    """Q for the cases an exact key of the query names, each through its unique index;
    None when the query is no key at all."""
    m = actor.municipality
    exact = Q(pk__in=[])
    numbers = _registry_numbers(text)
    if numbers:
        exact |= Q(registry_number__in=numbers)
    code = normalize_code(text)
    if len(code) == TRACKING_CODE_LENGTH and code.isalnum():
        exact |= Q(tracking_code=code)
    for kind, value in _contact_values(query):
        owners = ContactPoint.objects.filter(municipality=m, kind=kind, value=value)
        exact |= Q(pk__in=CaseParty.objects.filter(
            municipality=m, client__in=owners.values("client_id")).values("case_id"))
    return exact if (numbers or code or query.phone or query.email) else None


def _exact_clients(actor, text: str, query: ParsedQuery) -> Q | None:
    m = actor.municipality
    exact = Q(pk__in=[])
    digits = text.strip()
    keyed = False
    if digits.isdigit() and len(digits) in (13, 9, 8):
        exact |= Q(**{{13: "jmbg", 9: "pib", 8: "mb"}[len(digits)]: digits})
        keyed = True
    for kind, value in _contact_values(query):
        exact |= Q(pk__in=ContactPoint.objects.filter(municipality=m, kind=kind, value=value)
                   .values("client_id"))
        keyed = True
    return exact if keyed else None


def search_clients(actor, text: str) -> QuerySet:
    """Current (not merged) clients of the actor's municipality matching `text`, exact
    keys (telephone, e-mail, JMBG, PIB, MB) first; annotated with `rank`."""
    query = parse_query(text)
    clients = clients_visible_to(actor).current()
    if not query:
        return clients.none().annotate(rank=Value(EXACT))
    exact = _exact_clients(actor, text, query)
    if exact is not None and clients.filter(exact).exists():
        found = clients.filter(exact).annotate(rank=Value(EXACT))
    elif query.terms:
        found = clients.filter(matching(Client, query.terms)).annotate(rank=Value(DIRECT))
    else:
        found = clients.none().annotate(rank=Value(EXACT))
    return recorded(found, _clients_shown(actor, log.Action.SEARCH, text))


def _case_conditions(actor, text: str) -> tuple[Q | None, Q | None, Q | None]:
    """(exact, direct, mentioned): the condition of the cases an exact key of the query
    names, when it names any the actor sees (and then no other); else those of a match
    on the case or its clients, and in one of its messages or documents."""
    query = parse_query(text)
    if not query:
        return None, None, None
    exact = _exact_cases(actor, text, query)
    if exact is not None and Case.objects.visible_to(actor).filter(exact).exists():
        return exact, None, None
    if not query.terms:
        return None, None, None
    m = actor.municipality
    direct = (Q(matching(Case, query.terms))
              | Q(pk__in=CaseParty.objects.filter(
                  municipality=m, client__in=Client.objects.filter(
                      matching(Client, query.terms), municipality=m).values("pk"))
                  .values("case_id")))
    mentioned = (Q(pk__in=InboundMessage.objects.filter(
                     matching(InboundMessage, query.terms), municipality=m,
                     case__isnull=False).values("case_id"))
                 | Q(pk__in=Document.objects.filter(
                     matching(Document, query.terms), municipality=m,
                     case__isnull=False).values("case_id")))
    return None, direct, mentioned


def search_cases(actor, text: str) -> QuerySet:
    """Cases visible to the actor matching `text`: by an exact key, else on the case,
    one of its clients, messages or documents; annotated with `rank` (order by RANKED).
    A page of them costs less through `search_case_ranks`."""
    cases = Case.objects.visible_to(actor)
    exact, direct, mentioned = _case_conditions(actor, text)
    if exact is not None:
        found = cases.filter(exact).annotate(rank=Value(EXACT))
    elif direct is not None:
        found = cases.filter(direct | mentioned).annotate(rank=models.Case(
            models.When(direct, then=Value(DIRECT)), default=Value(MENTIONED)))
    else:
        found = cases.none().annotate(rank=Value(EXACT))
    return recorded(found, _cases_shown(actor, log.Action.SEARCH, text))


@dataclass
class RankedCases:
    """A case search as its ranks, each its own query (`salter.paging.ranked_page`): a
    page the best rank fills reads nothing of the ranks below. `narrow` applies the same
    filter or `select_related` to every rank; the rows a page shows are recorded as a
    search once, as `search_cases` records them."""

    parts: list[tuple[int, QuerySet]]
    shown: object

    def narrow(self, change) -> "RankedCases":
        return RankedCases([(rank, change(rows)) for rank, rows in self.parts], self.shown)

    def page(self, cursor: str | None, size: int, *, look_ahead: bool = True):
        page = ranked_page(self.parts, RANKED, cursor, size, look_ahead=look_ahead)
        self.shown(page.rows)
        return page

    def first(self, size: int) -> list[Case]:
        return self.page(None, size, look_ahead=False).rows


def search_case_ranks(actor, text: str) -> RankedCases:
    """The cases of `search_cases(actor, text)`, a rank at a time."""
    cases = Case.objects.visible_to(actor)
    exact, direct, mentioned = _case_conditions(actor, text)
    if exact is not None:
        ranks = [(EXACT, exact)]
    elif direct is not None:
        ranks = [(DIRECT, direct), (MENTIONED, mentioned & ~direct)]
    else:
        ranks = []
    return RankedCases([(rank, cases.filter(q).annotate(rank=Value(rank)))
                        for rank, q in ranks], _cases_shown(actor, log.Action.SEARCH, text))


def search_messages(actor, text: str) -> QuerySet:
    """Inbound messages the actor may read whose subject or text holds every term."""
    query = parse_query(text)
    messages = inbound_visible_to(actor)
    if not query.terms:
        return messages.none()
    return recorded(messages.filter(matching(InboundMessage, query.terms)),
                    _messages_shown(actor, text))


def search_documents(actor, text: str) -> QuerySet:
    """Documents the actor may open whose file name or (OCR) text holds every term."""
    query = parse_query(text)
    documents = documents_visible_to(actor)
    if not query.terms:
        return documents.none()
    return recorded(documents.filter(matching(Document, query.terms)),
                    _documents_shown(actor, text))


def find_by_tracking_code(municipality, code: str) -> Case | None:
    """The portal's look-up: the case of `municipality` with this tracking code, by its
    unique index (spaces and dashes as people write codes are ignored)."""
    code = normalize_code(code)
    if len(code) != TRACKING_CODE_LENGTH:
        return None
    return Case.objects.filter(municipality=municipality, tracking_code=code).first()


def find_anywhere_by_tracking_code(code: str) -> Case | None:
    """The case of an active municipality with this tracking code (codes are unique
    across the province), by the same unique index."""
    code = normalize_code(code)
    if len(code) != TRACKING_CODE_LENGTH:
        return None
    return (Case.objects.filter(tracking_code=code, municipality__is_active=True)
            .select_related("municipality").first())


def normalize_code(code: str) -> str:
    return _NOT_CODE.sub("", code or "").upper()
