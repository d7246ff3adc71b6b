"""A model field that keeps the folded form of other fields, for search."""

from django.db import models

from salter.lang.transliteration import fold


class FoldedTextField(models.TextField):
    """The folded text (`fold`) of `sources`, computed whenever the row is written —
    `save`, `bulk_create`, `salter.bulk.insert` and, when a source is among the fields
    written, `salter.bulk.update` — so that no path that writes a message or a document
    can leave its search text behind. Search indexes are built on it (decision 17)."""

    derived = True

    def __init__(self, *args, sources=(), **kwargs):
        self.sources = tuple(sources)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        for key, value in (("blank", True), ("default", "")):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        kwargs.pop("editable", None)  # never editable
        return name, path, args, kwargs

    def compute(self, instance) -> str:
        return fold(" ".join(str(getattr(instance, name) or "") for name in self.sources))

    def pre_save(self, model_instance, add):
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value
