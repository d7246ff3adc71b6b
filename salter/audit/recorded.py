"""A queryset that records what it returned, when it returns it.

A search hands its caller a queryset to slice, page and render; what personal data it
showed is known only when rows are fetched. `recorded(qs, on_fetch)` gives the same
queryset (filters, slicing, `select_related` keep working) that calls `on_fetch(rows)`
once each time rows are loaded from the database. Counting or `exists()` loads no rows
and records nothing.
"""

from django.db.models.query import ModelIterable

_classes: dict[type, type] = {}


def _recording_class(base: type) -> type:
    if getattr(base, "_records_fetches", False):
        return base
    if base not in _classes:
        def _clone(self):
            clone = super(cls, self)._clone()
            clone._on_fetch = self._on_fetch
            return clone

        def _fetch_all(self):
            fresh = self._result_cache is None
            super(cls, self)._fetch_all()
            if fresh and self._on_fetch is not None and self._iterable_class is ModelIterable:
                self._on_fetch(self._result_cache)

        cls = type(f"Recorded{base.__name__}", (base,), {
            "_records_fetches": True, "_on_fetch": None, "_clone": _clone,
            "_fetch_all": _fetch_all})
        _classes[base] = cls
    return _classes[base]


def recorded(queryset, on_fetch):
    clone = queryset._chain()
    clone.__class__ = _recording_class(type(queryset))
    clone._on_fetch = on_fetch
    return clone
