"""Texts written now and read later, each reader in their own language.

Why a message was set aside is decided by a worker, but read by staff who work in
Serbian (either script), Hungarian or English. A `Deferred` keeps the text untranslated
(the caller marks it with gettext_noop, so that makemessages finds it) with its values;
`str()` translates it into the language active at that moment. `as_data` and `from_data`
keep it in a JSON column. A value may itself be Deferred.
"""

from dataclasses import dataclass

from django.utils.translation import gettext


@dataclass(frozen=True)
class Deferred:
    text: str
    values: dict | tuple = ()

    def __str__(self) -> str:
        translated = gettext(self.text)
        if isinstance(self.values, dict):
            return translated % {k: _shown(v) for k, v in self.values.items()}
        if self.values:
            return translated % tuple(_shown(v) for v in self.values)
        return translated

    def as_data(self) -> dict:
        values = self.values
        if isinstance(values, dict):
            values = {k: _data(v) for k, v in values.items()}
        else:
            values = [_data(v) for v in values]
        return {"text": self.text, "values": values}

    @classmethod
    def from_data(cls, data: dict) -> "Deferred":
        values = data.get("values") or ()
        if isinstance(values, dict):
            values = {k: _value(v) for k, v in values.items()}
        else:
            values = tuple(_value(v) for v in values)
        return cls(data["text"], values)


def _shown(value):
    return str(value) if isinstance(value, Deferred) else value


def _data(value):
    return value.as_data() if isinstance(value, Deferred) else value


def _value(value):
    return Deferred.from_data(value) if isinstance(value, dict) else value
