"""Tenants (municipalities), their departments and outside bodies, and staff memberships."""


from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from salter.lang.transliteration import to_cyrillic
from salter.tenancy.roles import Role, role_allows

DEFAULT_REGISTRY_PATTERN = "{unit}-{class}-{seq}/{year}"


class Language(models.TextChoices):
    """Language and script of the interface and of replies to a client."""

    SR_LATN = "sr-latn", _("Serbian (Latin)")
    SR_CYRL = "sr", _("Serbian (Cyrillic)")
    HU = "hu", _("Hungarian")
    EN = "en", _("English")


class MunicipalityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Municipality(models.Model):
    class Kind(models.TextChoices):
        CITY = "grad", _("City")
        MUNICIPALITY = "opstina", _("Municipality")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)  # Serbian, Latin script
    name_cyrl = models.CharField(_("name (Cyrillic)"), max_length=100)
    # Official names in minority languages where the statute makes them official:
    # {"hu": "Szabadka", "sk": "...", "ro": "...", "rue": "..."}
    minority_names = models.JSONField(_("official minority-language names"), default=dict,
                                      blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MUNICIPALITY)
    district = models.CharField(_("district"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    default_language = models.CharField(max_length=10, choices=Language.choices,
                                        default=Language.SR_LATN)
    registry_pattern = models.CharField(_("registry number pattern"), max_length=60,
                                        default=DEFAULT_REGISTRY_PATTERN)
    registry_unit = models.CharField(
        _("registry unit mark"), max_length=20, default="I",
        help_text=_("Used for {unit} when the case has no department mark."))
    email = models.EmailField(_("public e-mail address"), blank=True)
    phone = models.CharField(_("public telephone"), max_length=30, blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the language of the page: Cyrillic for Serbian Cyrillic, the
        official minority-language name (Szabadka) where there is one, else Latin."""
        language = get_language() or ""
        if language == Language.SR_CYRL:
            return self.name_cyrl or self.name
        return self.minority_names.get(language.split("-")[0]) or self.name


class WorkingHours(models.Model):
    """One office period of a weekday (a day with a break has two); the business calendar
    (`procedures.calendar`) reads them, changes go through `procedures.actions`."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(help_text=_("0 = Monday"))
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["municipality", "weekday", "opens"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")


class Department(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        SERVICE = "service", _("Service")
        OUTSIDE_BODY = "outside_body", _("Outside body (public utility, public company)")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="departments")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    registry_unit = models.CharField(_("registry unit mark"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    # The name in the other interface languages, {"hu": "Városrendezési Osztály",
    # "en": …, "sr": …}; Serbian Latin is `name`, Cyrillic is transliterated unless given.
    translations = models.JSONField(_("name in other languages"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["municipality", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="department_unique_name"),
        ]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.display_name

    def name_in(self, language: str | None) -> str:
        """The name for an interface language: its own translation, else Cyrillic
        transliterated from the Latin name for Serbian Cyrillic, else the Latin name."""
        language = (language or "").lower()
        given = (self.translations or {}).get(language, "")
        if given:
            return given
        return to_cyrillic(self.name) if language == Language.SR_CYRL else self.name

    @property
    def display_name(self) -> str:
        """The name in the language of the page (Hungarian staff see Hungarian names)."""
        return self.name_in(get_language())


class Membership(models.Model):
    """A staff user's role in one municipality; a person may serve several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="members")
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "role"])]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality} ({self.get_role_display()})"

    def can(self, perm: str) -> bool:
        return self.is_active and role_allows(self.role, perm)


class ProvincialRole(models.Model):
    """Province-level staff: sees aggregates across municipalities, never personal data."""

    class Kind(models.TextChoices):
        SUPERVISOR = "supervisor", _("Provincial supervisor")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="provincial_role")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUPERVISOR)

    class Meta:
        verbose_name = _("provincial role")
        verbose_name_plural = _("provincial roles")
