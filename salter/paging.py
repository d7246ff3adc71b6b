"""Keyset (cursor) pagination for the big lists: the inbox queues, the API's case list.

A page is "the next `size` rows after this one in this order", not "rows 10,000 to
10,025": the database walks an index from the position of the last row shown, so the
10,000th page costs what the first does, where OFFSET reads and drops every row before
it. The order must end in a unique column (the primary key) so that a position is one
row; the composite indexes of the ordered lists (see `Case.Meta.indexes`) have the same
columns in the same directions.

A cursor is the ordered values of the row a page starts after (or before, going back),
as URL-safe base64 JSON. It is not secret and needs no signature: the list's own filter
(the actor's visibility) is applied to every page, so a forged cursor only chooses where
to start among rows the reader may see anyway. One that cannot be read is a
`BadCursor`, which the API answers with a 400 naming the parameter and the inbox with
its first page.

Small lists keep LIMIT/OFFSET under a hard cap (`MAX_OFFSET`).
"""

import base64
import binascii
import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

MAX_OFFSET = 1000


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Key:
    """One column of an order: a field (or annotation) name, its direction, and whether
    its values are datetimes (cursors keep them as ISO text)."""

    name: str
    descending: bool = False
    moment: bool = False

    def expression(self):
        return F(self.name).desc() if self.descending else F(self.name).asc()


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def object_list(self) -> list:
        return self.rows

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def encode_values(keys: tuple[Key, ...], values, *, backwards: bool = False) -> str:
    """The cursor of the position `values` (one per key, in order)."""
    shown = [value.isoformat() if key.moment and value is not None else value
             for key, value in zip(keys, values, strict=True)]
    data = json.dumps([int(backwards), *shown], separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def encode(keys: tuple[Key, ...], row, *, backwards: bool = False) -> str:
    """The cursor of the position of `row` (a model instance of the list)."""
    return encode_values(keys, [getattr(row, key.name) for key in keys], backwards=backwards)


def decode(keys: tuple[Key, ...], cursor: str) -> tuple[bool, list]:
    """(backwards, values) of a cursor made by `encode` for the same keys."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if not isinstance(data, list) or len(data) != len(keys) + 1 or data[0] not in (0, 1):
        raise BadCursor(cursor)
    values = []
    for key, value in zip(keys, data[1:], strict=True):
        if value is not None and not isinstance(value, int | str | float):
            raise BadCursor(cursor)
        if key.moment and value is not None:
            try:
                value = datetime.datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise BadCursor(cursor) from None
        values.append(value)
    return bool(data[0]), values


def _beyond(keys: tuple[Key, ...], values: list, backwards: bool) -> Q:
    """Rows after (or before) the position `values` in the order `keys`: the row-value
    comparison written out, (a > x) or (a = x and b > y) or …, plus the leading column's
    bound on its own (a >= x), which is what lets the index scan start at the
    position."""
    match = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        later = key.descending == backwards  # ascending going forward: greater
        match |= equal & Q(**{f"{key.name}__{'gt' if later else 'lt'}": value})
        equal &= Q(**{key.name: value})
    first, value = keys[0], values[0]
    later = first.descending == backwards
    return Q(**{f"{first.name}__{'gte' if later else 'lte'}": value}) & match


def keyset_page(rows: QuerySet, keys: tuple[Key, ...], cursor: str | None,
                size: int) -> Page:
    """One page of `rows` in the order `keys` (whose last key is unique), starting after
    `cursor` (or ending before it, for a backwards cursor); None is the first page."""
    backwards, values = decode(keys, cursor) if cursor else (False, None)
    if any(v is None for v in values or ()):
        raise BadCursor(cursor)
    order = [key.expression() for key in keys]
    if backwards:
        order = [Key(k.name, not k.descending).expression() for k in keys]
    chosen = rows.order_by(*order)
    if values is not None:
        chosen = chosen.filter(_beyond(keys, values, backwards))
    # Exactly the page's rows, and whether there are more by a query that loads none:
    # a list of personal data records what it read (`salter.audit.recorded`), and a row
    # fetched only to know that a next page exists was not shown.
    found = list(chosen[:size])
    more = len(found) == size and chosen[size:size + 1].exists()
    return _page(found, keys, values, backwards, more)


def ranked_page(parts: Sequence[tuple[int | tuple[int, ...], QuerySet]],
                keys: tuple[Key, ...], cursor: str | None, size: int, *,
                look_ahead: bool = True) -> Page:
    """What `keyset_page` gives for the union of `parts`, reading a part only when the
    page reaches it. `keys[0]` is a rank: each part is (rank, rows), its rows annotated
    with that one value of it — or (ranks, rows), its rows annotated with one of those
    consecutive ranks each, for ranks that are cheaper read as one — and no row is in
    two parts. A search whose best rank fills the page never asks the slower sources of
    the ranks below it (the messages a frequent name is also written in). Without
    `look_ahead` the page has no cursors and nothing beyond its rows is asked: the first
    rows of a list that is not paged.

    The parts are plain querysets, not `salter.audit.recorded` ones: a page reads one row
    past its end to know that another follows, and only the caller knows which rows were
    shown (it records `page.rows`)."""
    backwards, values = decode(keys, cursor) if cursor else (False, None)
    if values is not None and (any(v is None for v in values)
                               or not isinstance(values[0], int)):
        raise BadCursor(cursor)
    down = keys[0].descending != backwards  # the walk goes from the higher ranks down
    found, more = [], False
    for ranks, rows in sorted(((r if isinstance(r, tuple) else (r,), rows)
                               for r, rows in parts), key=lambda part: max(part[0]),
                              reverse=down):
        # A part of one rank is ordered by the keys after the rank; one of several by all.
        order_keys = keys[1:] if len(ranks) == 1 else keys
        if values is not None:
            if (min(ranks) > values[0]) if down else (max(ranks) < values[0]):
                continue  # a part the cursor is past
            if min(ranks) <= values[0] <= max(ranks):
                rows = rows.filter(_beyond(order_keys, values[len(keys) - len(order_keys):],
                                           backwards))
        chosen = rows.order_by(*[(Key(k.name, not k.descending) if backwards else k)
                                 .expression() for k in order_keys])
        want = size - len(found)
        if want == 0:
            # The page is full: whether a row follows, by a query that loads none.
            more = chosen.exists()
        else:
            # One row beyond the page says whether another follows; it is not shown.
            taken = list(chosen[:want + 1 if look_ahead else want])
            found += taken[:want]
            more = len(taken) > want
        if more or (not look_ahead and len(found) == size):
            break
    if not look_ahead:
        return Page(found, None, None)
    return _page(found, keys, values, backwards, more)


def _page(found: list, keys: tuple[Key, ...], values: list | None, backwards: bool,
          more: bool) -> Page:
    if backwards:
        found.reverse()
    if not found:
        return Page([], None, None)
    has_next = more if not backwards else True
    has_previous = (values is not None) if not backwards else more
    return Page(
        found,
        encode(keys, found[-1]) if has_next else None,
        encode(keys, found[0], backwards=True) if has_previous else None,
    )


def bounded_offset(value, *, field: str = "offset") -> int:
    """An OFFSET for a small list: a whole number up to MAX_OFFSET, else ValueError
    naming the field."""
    try:
        offset = int(value or 0)
    except (TypeError, ValueError):
        raise ValueError(field) from None
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError(field)
    return offset
