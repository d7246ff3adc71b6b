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
on the case's own text (number, code, subject, its parties' names), then on the record
of one of its clients (an address, an identifier, a contact), then one found only in a
message or document; newest first within each rank. A search reads its municipality's
part of an index only, and the lists that show the newest few of a frequent word — the
cases' own matches, the messages and documents of the search page — walk it from the
newest match down and stop at a page (`newest_matching`).

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
from django.db.models import F, Q, QuerySet, Value
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
# Newest is the lowest `key`, which falls as the case's id grows (cases are numbered as
# they are opened): on SQLite the case's key in the search index
# (`salter.searchindex.key_range`), so that the rank of the cases' own matches is a walk
# of that index; on PostgreSQL the id negated.
RANKED = (Key("rank", descending=True), Key("key"))
EXACT, DIRECT, CLIENT, MENTIONED = 4, 3, 2, 1
# Parts shorter than this are not in a trigram index (they are checked on the rows found).
INDEXED_LENGTH = 3


def matching(model, terms: tuple[str, ...], municipality) -> Q:
    """Q on `model` (a table of `salter.searchindex.SOURCES`) for the rows of
    `municipality` whose folded `search_text` holds every term, through the search index
    of the database."""
    match, phrase = _unindexed(model, terms)
    if phrase:
        fts = searchindex.fts_table(model._meta.db_table)
        first, last = searchindex.key_range(municipality.pk)
        match &= Q(pk__in=RawSQL(f"SELECT %s - rowid FROM {fts} WHERE {fts} MATCH %s "
                                 "AND rowid BETWEEN %s AND %s", [last, phrase, first, last]))
    return match


def newest_matching(rows: QuerySet, terms: tuple[str, ...], municipality, *,
                    key: str = "") -> QuerySet:
    """`rows` (of a table of `salter.searchindex.SOURCES`) filtered as by `matching`,
    newest (highest id) first; with `key`, annotated with the row's key (`_keyed`) under
    that name and ordered by it, which keeps the walk when a cursor filters by it. On
    SQLite the municipality's part of the index is walked from its newest match, joined
    to the table, so that a slice stops the walk: the newest twenty of a word in a
    hundred thousand messages read about twenty."""
    match, phrase = _unindexed(rows.model, terms)
    if not phrase:
        rows = rows.filter(match)
        return (_keyed(rows, municipality, key) if key else rows).order_by("-pk")
    table = rows.model._meta.db_table
    fts = searchindex.fts_table(table)
    first, last = searchindex.key_range(municipality.pk)
    rows = rows.filter(match).extra(tables=[fts], where=[
        f"{fts} MATCH %s", f"{fts}.rowid BETWEEN %s AND %s",
        f'"{table}"."id" = %s - {fts}.rowid'], params=[phrase, first, last, last])
    if key:
        return rows.annotate(**{key: RawSQL(f"{fts}.rowid", [])}).order_by(key)
    return rows.extra(order_by=[f"{fts}.rowid"])


def _unindexed(model, terms: tuple[str, ...]) -> tuple[Q, str]:
    """(Q for the terms the search index does not answer, the FTS5 query of those it
    answers: "" on PostgreSQL, whose trigram index answers LIKE '%term%' itself)."""
    sqlite = connections[router.db_for_read(model)].vendor == "sqlite"
    indexed = [t for t in terms if sqlite and len(t) >= INDEXED_LENGTH]
    match = Q()
    for term in terms:
        if term not in indexed:
            match &= Q(search_text__contains=term)
    return match, " AND ".join('"' + t.replace('"', '""') + '"' for t in indexed)


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
        found = clients.filter(matching(Client, query.terms, actor.municipality)).annotate(
            rank=Value(DIRECT))
    else:
        found = clients.none().annotate(rank=Value(EXACT))
    return recorded(found, _clients_shown(actor, log.Action.SEARCH, text))


@dataclass
class _CaseMatch:
    """The conditions that make a case a match for a query, one for each rank."""

    exact: Q | None = None  # an exact key names cases the actor sees (and then no other)
    terms: tuple[str, ...] = ()
    own: Q | None = None  # the case's own text (number, code, subject, parties' names)
    client: Q | None = None  # a client of the case
    mentioned: Q | None = None  # one of its messages or documents


def _case_match(actor, text: str) -> _CaseMatch:
    query = parse_query(text)
    if not query:
        return _CaseMatch()
    exact = _exact_cases(actor, text, query)
    if exact is not None and Case.objects.visible_to(actor).filter(exact).exists():
        return _CaseMatch(exact=exact)
    if not query.terms:
        return _CaseMatch()
    m, terms = actor.municipality, query.terms
    return _CaseMatch(
        terms=terms, own=matching(Case, terms, m),
        client=Q(pk__in=CaseParty.objects.filter(
            municipality=m, client__in=Client.objects.filter(
                matching(Client, terms, m), municipality=m).values("pk")).values("case_id")),
        mentioned=(Q(pk__in=InboundMessage.objects.filter(
                       matching(InboundMessage, terms, m), municipality=m,
                       case__isnull=False).values("case_id"))
                   | Q(pk__in=Document.objects.filter(
                       matching(Document, terms, m), municipality=m,
                       case__isnull=False).values("case_id"))))


def _keyed(rows: QuerySet, municipality, name: str = "key") -> QuerySet:
    """`rows` annotated under `name` with their key in the search index (on PostgreSQL
    their id negated): the `key` of RANKED, lowest for the newest."""
    if connections[router.db_for_read(rows.model)].vendor != "sqlite":
        return rows.annotate(**{name: -F("id")})
    _first, last = searchindex.key_range(municipality.pk)
    return rows.annotate(**{name: RawSQL(f'%s - "{rows.model._meta.db_table}"."id"',
                                         [last])})


def search_cases(actor, text: str) -> QuerySet:
    """Cases visible to the actor matching `text`: by an exact key, else on the case,
    one of its clients, messages or documents; annotated with `rank` and `key` (order by
    RANKED). A page of them costs less through `search_case_ranks`."""
    cases = _keyed(Case.objects.visible_to(actor), actor.municipality)
    match = _case_match(actor, text)
    if match.exact is not None:
        found = cases.filter(match.exact).annotate(rank=Value(EXACT))
    elif match.terms:
        found = cases.filter(match.own | match.client | match.mentioned).annotate(
            rank=models.Case(models.When(match.own, then=Value(DIRECT)),
                             models.When(match.client, then=Value(CLIENT)),
                             default=Value(MENTIONED)))
    else:
        found = cases.none().annotate(rank=Value(EXACT))
    return recorded(found, _cases_shown(actor, log.Action.SEARCH, text))


@dataclass
class RankedCases:
    """A case search as its ranks, a query a part (`salter.paging.ranked_page`): a
    page the best rank fills reads nothing of the ranks below. `narrow` applies the same
    filter or `select_related` to every rank; the rows a page shows are recorded as a
    search once, as `search_cases` records them."""

    parts: list[tuple[int | tuple[int, ...], QuerySet]]
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
    """The cases of `search_cases(actor, text)`, a rank at a time: the cases' own
    matches read newest first from the search index (`newest_matching`), so that a page
    of a frequent name's cases reads about a page of them; the ranks below only when the
    page reaches them."""
    m = actor.municipality
    cases = Case.objects.visible_to(actor)
    match = _case_match(actor, text)
    if match.exact is not None:
        parts = [(EXACT, _keyed(cases.filter(match.exact), m).annotate(rank=Value(EXACT)))]
    elif match.terms:
        # The ranks below the cases' own text are one query: those of a client first.
        others = _keyed(cases.filter((match.client | match.mentioned) & ~match.own), m)
        parts = [(DIRECT, newest_matching(cases, match.terms, m, key="key")
                  .annotate(rank=Value(DIRECT))),
                 ((CLIENT, MENTIONED), others.annotate(rank=models.Case(
                     models.When(match.client, then=Value(CLIENT)),
                     default=Value(MENTIONED))))]
    else:
        parts = []
    return RankedCases(parts, _cases_shown(actor, log.Action.SEARCH, text))


def search_messages(actor, text: str) -> QuerySet:
    """Inbound messages the actor may read whose subject or text holds every term."""
    query = parse_query(text)
    messages = inbound_visible_to(actor)
    if not query.terms:
        return messages.none()
    return recorded(messages.filter(matching(InboundMessage, query.terms, actor.municipality)),
                    _messages_shown(actor, text))


def search_documents(actor, text: str) -> QuerySet:
    """Documents the actor may open whose file name or (OCR) text holds every term."""
    query = parse_query(text)
    documents = documents_visible_to(actor)
    if not query.terms:
        return documents.none()
    return recorded(documents.filter(matching(Document, query.terms, actor.municipality)),
                    _documents_shown(actor, text))


def newest_messages(actor, text: str, size: int, narrow=lambda rows: rows) -> list:
    """The `size` newest (last received) of `search_messages(actor, text)`, narrowed by
    `narrow`, read from the newest matches of the index (`newest_matching`)."""
    return _newest(actor, text, size, narrow, inbound_visible_to, _messages_shown(actor, text))


def newest_documents(actor, text: str, size: int, narrow=lambda rows: rows) -> list:
    """The `size` newest (last stored) of `search_documents(actor, text)`, likewise."""
    return _newest(actor, text, size, narrow, documents_visible_to,
                   _documents_shown(actor, text))


def _newest(actor, text, size, narrow, visible_to, shown) -> list:
    query = parse_query(text)
    if not query.terms:
        return []
    rows = list(newest_matching(narrow(visible_to(actor)), query.terms,
                                actor.municipality)[:size])
    shown(rows)
    return rows


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
