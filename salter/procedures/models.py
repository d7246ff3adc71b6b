"""Procedures (case types) of a municipality, its own calendar days, its routing rules.

A case type is a procedure: what a case is about, who handles it, how it is numbered, how
long the first response and the resolution may take (deadline rules, `deadlines.py`),
what must be asked of the submitter, the steps to follow and the replies to start from —
in each interface language (`translations.py`).
"""

import string

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from salter.procedures.deadlines import InvalidRule, Rule, parse_rule
from salter.procedures.translations import MAIN, OTHER_LANGUAGES, text_in, validate_texts
from salter.tenancy.models import Department, Municipality


def priority_choices():
    # The case's own scale; read late because cases.models imports this module.
    from salter.cases.models import Priority

    return Priority.choices


NORMAL_PRIORITY = 20  # cases.models.Priority.NORMAL


class Category(models.TextChoices):
    COMMUNAL = "communal", _("Communal problem")
    INSPECTION = "inspection", _("Inspection")
    INQUIRY = "inquiry", _("General inquiry")
    COMPLAINT = "complaint", _("Complaint")
    BUSINESS = "business", _("Businesses")
    INFORMATION = "information", _("Information of public importance")
    ADMINISTRATIVE = "administrative", _("Administrative procedure (ZUP)")
    URBANISM = "urbanism", _("Urbanism and construction")
    TAXES = "taxes", _("Local taxes and fees")
    OTHER = "other", _("Other")


class RequiredField(models.TextChoices):
    """What a submission under a procedure must give (portal and staff forms ask it)."""

    NAME = "name", _("Name of the submitter")
    ADDRESS = "address", _("Address of the submitter")
    LOCATION = "location", _("Location of the problem")
    PHONE = "phone", _("Telephone")
    EMAIL = "email", _("E-mail address")
    PERSONAL_NUMBER = "jmbg", _("Personal number (JMBG)")
    TAX_NUMBER = "pib", _("Tax number (PIB)")
    DESCRIPTION = "description", _("Description of the matter")
    ATTACHMENT = "attachment", _("Attached document")
    PHOTO = "photo", _("Photograph")


# What a reply template may fill in.
REPLY_PLACEHOLDERS = ("registry_number", "subject", "due_date", "municipality", "tracking_url")
_TRANSLATED_FIELDS = ("name", "description")


class CaseType(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="case_types")
    code = models.SlugField(
        _("code"), max_length=60,
        help_text=_("Short stable name of the procedure, e.g. street-lighting; the API and "
                    "Open311 know it by this."))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    translations = models.JSONField(
        _("translations"), default=dict, blank=True,
        help_text=_("Name and description in the other languages: "
                    "{\"hu\": {\"name\": …, \"description\": …}, \"en\": …}; Serbian "
                    "Cyrillic is transliterated when not given."))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                default=Category.OTHER)
    classification = models.CharField(
        _("classification mark"), max_length=20,
        help_text=_("Klasifikaciona oznaka used in registry numbers, e.g. 351."))
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True,
                                   verbose_name=_("default department"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=priority_choices,
                                                default=NORMAL_PRIORITY)
    first_response_rule = models.CharField(
        _("first response within"), max_length=40,
        help_text=_("A deadline rule: N calendar days, N working days, N working hours, "
                    "N hours or next opening."))
    resolution_rule = models.CharField(
        _("resolution within"), max_length=40,
        help_text=_("A deadline rule: N calendar days, N working days, N working hours, "
                    "N hours or next opening."))
    variant_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="variants",
        verbose_name=_("variant of"),
        help_text=_("The procedure this one is a variant of, e.g. the urgent request for "
                    "information when life or health is at stake."))
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    checklist = models.JSONField(
        _("checklist"), default=list, blank=True,
        help_text=_("Steps to follow, each as language: text pairs."))
    reply_templates = models.JSONField(
        _("reply templates"), default=list, blank=True,
        help_text=_("Each with a key, a title and a body as language: text pairs."))
    keywords = models.TextField(
        _("keywords"), blank=True,
        help_text=_("One per line; incoming messages containing one are given this type."))
    is_public = models.BooleanField(
        _("on the portal"), default=False,
        help_text=_("Citizens may choose it when they submit on the portal."))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="case_type_unique_name"),
            models.UniqueConstraint(fields=["municipality", "code"], name="case_type_unique_code"),
            models.CheckConstraint(condition=~Q(first_response_rule=""),
                                   name="case_type_has_first_response_rule"),
            models.CheckConstraint(condition=~Q(resolution_rule=""),
                                   name="case_type_has_resolution_rule"),
        ]
        verbose_name = _("case type")
        verbose_name_plural = _("case types")

    def __str__(self) -> str:
        return self.name

    # -- rules -----------------------------------------------------------------------------

    @property
    def first_response(self) -> Rule:
        return parse_rule(self.first_response_rule)

    @property
    def resolution(self) -> Rule:
        return parse_rule(self.resolution_rule)

    # -- texts in the interface languages --------------------------------------------------

    def _texts(self, field: str) -> dict:
        return {MAIN: getattr(self, field),
                **{language: (self.translations.get(language) or {}).get(field, "")
                   for language in OTHER_LANGUAGES}}

    def name_in(self, language: str | None) -> str:
        return text_in(self._texts("name"), language)

    def description_in(self, language: str | None) -> str:
        return text_in(self._texts("description"), language)

    @property
    def display_name(self) -> str:
        """The name in the language of the page."""
        return self.name_in(get_language())

    def checklist_in(self, language: str | None) -> list[str]:
        return [text_in(step, language) for step in self.checklist]

    def reply_template(self, key: str, language: str | None) -> tuple[str, str] | None:
        """(title, body) of the template `key` in `language`, None if there is none."""
        for template in self.reply_templates:
            if template["key"] == key:
                return text_in(template["title"], language), text_in(template["body"], language)
        return None

    # -- validation ------------------------------------------------------------------------

    def clean(self):
        super().clean()
        self.code = (self.code or "").strip().lower()
        self.name = " ".join((self.name or "").split())
        self._clean_unique()
        self._clean_rules()
        self._clean_relations()
        self._clean_translations()
        self._clean_required_fields()
        self._clean_checklist()
        self._clean_reply_templates()

    def _clean_unique(self):
        others = CaseType.objects.filter(municipality_id=self.municipality_id).exclude(
            pk=self.pk)
        if self.code and others.filter(code=self.code).exists():
            raise ValidationError({"code": [
                gettext("Another procedure already has the code “%(code)s”.")
                % {"code": self.code}]})
        if self.name and others.filter(name=self.name).exists():
            raise ValidationError({"name": [
                gettext("Another procedure already has the name “%(name)s”.")
                % {"name": self.name}]})

    def _clean_rules(self):
        for field in ("first_response_rule", "resolution_rule"):
            try:
                setattr(self, field, parse_rule(getattr(self, field)).text)
            except InvalidRule as error:
                raise ValidationError({field: [str(error)]}) from None

    def _clean_relations(self):
        municipality = self.municipality_id
        if self.department is not None and self.department.municipality_id != municipality:
            raise ValidationError({"department": [gettext("Not found.")]})
        variant_of = self.variant_of
        if variant_of is None:
            return
        if variant_of.municipality_id != municipality:
            raise ValidationError({"variant_of": [gettext("Not found.")]})
        if variant_of.pk is not None and variant_of.pk == self.pk:
            raise ValidationError({"variant_of": [
                gettext("A procedure cannot be a variant of itself.")]})
        if variant_of.variant_of_id is not None:
            raise ValidationError({"variant_of": [
                gettext("Choose the main procedure; “%(name)s” is itself a variant.")
                % {"name": variant_of.name}]})
        if self.pk is not None and self.variants.exists():
            raise ValidationError({"variant_of": [
                gettext("This procedure has variants of its own and cannot be a variant.")]})

    def _clean_translations(self):
        if not isinstance(self.translations, dict):
            raise ValidationError({"translations": [
                gettext("Give the translations as language: {name, description}.")]})
        for language, texts in self.translations.items():
            if language not in OTHER_LANGUAGES:
                raise ValidationError({"translations": [
                    gettext("Unknown language %(languages)s; use %(known)s.")
                    % {"languages": language, "known": ", ".join(OTHER_LANGUAGES)}]})
            if not isinstance(texts, dict) or set(texts) - set(_TRANSLATED_FIELDS) or not all(
                    isinstance(text, str) for text in texts.values()):
                raise ValidationError({"translations": [
                    gettext("Give the translations as language: {name, description}.")]})

    def _clean_required_fields(self):
        fields = self.required_fields
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise ValidationError({"required_fields": [gettext("Give a list of fields.")]})
        unknown = sorted(set(fields) - set(RequiredField.values))
        if unknown:
            raise ValidationError({"required_fields": [
                gettext("Unknown field %(fields)s; use %(known)s.")
                % {"fields": ", ".join(unknown), "known": ", ".join(RequiredField.values)}]})
        self.required_fields = list(dict.fromkeys(fields))

    def _clean_checklist(self):
        if not isinstance(self.checklist, list):
            raise ValidationError({"checklist": [gettext("Give a list of steps.")]})
        for step in self.checklist:
            validate_texts(step, "checklist")

    def _clean_reply_templates(self):
        templates = self.reply_templates
        if not isinstance(templates, list) or not all(isinstance(t, dict) for t in templates):
            raise ValidationError({"reply_templates": [gettext("Give a list of templates.")]})
        keys = [template.get("key") for template in templates]
        if not all(isinstance(key, str) and key.strip() for key in keys) or (
                len(set(keys)) != len(keys)):
            raise ValidationError({"reply_templates": [
                gettext("Every template needs its own key.")]})
        for template in templates:
            if set(template) - {"key", "title", "body"}:
                raise ValidationError({"reply_templates": [
                    gettext("A template has a key, a title and a body.")]})
            validate_texts(template.get("title"), "reply_templates")
            validate_texts(template.get("body"), "reply_templates")
            for text in (*template["title"].values(), *template["body"].values()):
                _check_placeholders(text)


def _check_placeholders(text: str) -> None:
    try:
        names = {name for _literal, name, _spec, _conv in string.Formatter().parse(text)
                 if name is not None}
    except ValueError:
        names = {"{"}
    unknown = sorted(names - set(REPLY_PLACEHOLDERS))
    if unknown:
        raise ValidationError({"reply_templates": [
            gettext("Unknown placeholder %(names)s; a template may use %(known)s.")
            % {"names": ", ".join(f"{{{n}}}" for n in unknown),
               "known": ", ".join(f"{{{n}}}" for n in REPLY_PLACEHOLDERS)}]})


class CalendarDay(models.Model):
    """A municipality's own exception to its office hours for one date: a day off (the
    city's day, a day declared off) or a day it opens although it would be closed (a
    Saturday, a holiday on duty). `every_year` repeats the date each year from then on."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Day off")
        OPEN = "open", _("Open")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="calendar_days", db_index=False)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    every_year = models.BooleanField(
        _("every year"), default=False,
        help_text=_("The same day every year from this date on, e.g. the city's day."))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["municipality", "date"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "date"],
                                    name="calendar_day_unique_date"),
            models.CheckConstraint(
                condition=(Q(kind="closed", opens__isnull=True, closes__isnull=True)
                           | Q(kind="open", every_year=False, opens__isnull=False,
                               closes__isnull=False, opens__lt=models.F("closes"))),
                name="calendar_day_hours_fit_kind"),
        ]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class RoutingRule(models.Model):
    """How an incoming message is classified and routed; the first matching rule wins."""

    class Match(models.TextChoices):
        SENDER_DOMAIN = "sender_domain", _("Sender's domain is")
        KEYWORD = "keyword", _("Subject or text contains")
        # Kept as "mailbox" in stored rules; matches any endpoint (an e-mail address, an SMS
        # number), by its address or id.
        MAILBOX = "mailbox", _("Arrived at endpoint")
        BUSINESS_SENDER = "business_sender", _("Sender is a business")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="routing_rules")
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    match = models.CharField(_("match"), max_length=20, choices=Match.choices)
    value = models.CharField(_("value"), max_length=200, blank=True)
    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, null=True, blank=True,
                                  verbose_name=_("case type"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True,
                                   verbose_name=_("department"))
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["municipality", "order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.get_match_display()} {self.value}"
