"""Procedures (case types) of a municipality, its own calendar days, its routing rules.

A case type is a procedure: what a case is about, who handles it, how it is numbered, how
long the first response and the resolution may take (deadline rules, `deadlines.py`),
what must be asked of the submitter, the steps to follow and the replies to start from —
in each interface language (`translations.py`).
"""

import datetime
import re
import string

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from salter.lang.transliteration import fold
from salter.procedures.deadlines import InvalidRule, Rule, parse_rule
from salter.procedures.translations import MAIN, OTHER_LANGUAGES, text_in, validate_texts
from salter.tenancy.models import Department, Municipality


def priority_choices():
    # The case's own scale; read late because cases.models imports this module.
    from salter.cases.models import Priority

    return Priority.choices


NORMAL_PRIORITY = 20  # cases.models.Priority.NORMAL


def channel_choices():
    # Read late, as priority_choices.
    from salter.cases.models import Channel

    return Channel.choices


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
        return self.display_name

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
    """How a new case is classified and routed (`procedures.routing`).

    A rule matches when every condition it has holds: the channel, the endpoint the item
    came in on, a keyword in the subject or text, the sender's kind (a business), the
    sender's e-mail domain, the location of the matter. Rules are tried in their order
    and the first that matches decides; the municipality's one default rule, which has no
    conditions, decides whatever no rule did, so that no case is left without procedure,
    department and deadline. A rule staff propose from a correction waits, inactive, for an
    administrator."""

    class ClientKind(models.TextChoices):
        PERSON = "person", _("A person")
        BUSINESS = "business", _("A business")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="routing_rules")
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_default = models.BooleanField(
        _("default rule"), default=False,
        help_text=_("Decides what no other rule does; it has no conditions."))
    # -- conditions: every one given must hold; alternatives within one are one per line.
    channel = models.CharField(_("channel"), max_length=20, blank=True,
                               choices=channel_choices)
    endpoint = models.ForeignKey("channels.Endpoint", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="+", verbose_name=_("endpoint"),
                                 help_text=_("The mailbox, SMS number or line it came in on."))
    keywords = models.TextField(
        _("keywords"), blank=True,
        help_text=_("One per line; in either script, without regard to case or diacritics. "
                    "A word matches its inflected forms (kontejner: kontejnera)."))
    client_kind = models.CharField(_("sender is"), max_length=10, blank=True,
                                   choices=ClientKind.choices)
    sender_domain = models.CharField(
        _("sender's domain"), max_length=200, blank=True,
        help_text=_("One per line, e.g. mup.gov.rs; its subdomains match too."))
    location = models.TextField(
        _("location"), blank=True,
        help_text=_("Settlements or streets, one per line, matched against the location "
                    "given with the matter."))
    # -- what it decides
    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, null=True, blank=True,
                                  verbose_name=_("case type"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True,
                                   verbose_name=_("department"))
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True,
                                                choices=priority_choices)
    is_active = models.BooleanField(_("active"), default=True)
    # -- a rule proposed by staff from a correction, before an administrator takes it up
    proposed_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    proposed_from = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="+")
    proposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["municipality", "is_default", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality"], condition=Q(is_default=True),
                                    name="routing_one_default_rule"),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(case_type__isnull=False,
                                                  department__isnull=False, is_active=True),
                name="routing_default_rule_decides_all"),
        ]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        if self.is_default:
            return str(_("Default rule"))
        return " · ".join(self.describe()) or str(_("Rule without conditions"))

    def describe(self) -> list[str]:
        """The rule's conditions in words, for staff."""
        parts = []
        if self.channel:
            parts.append(gettext("channel %(channel)s") % {"channel": self.get_channel_display()})
        if self.endpoint_id:
            parts.append(gettext("came in on %(endpoint)s") % {"endpoint": self.endpoint})
        if self.keywords.strip():
            parts.append(gettext("mentions %(words)s")
                         % {"words": ", ".join(_lines(self.keywords))})
        if self.client_kind:
            parts.append(gettext("sender is %(kind)s")
                         % {"kind": self.get_client_kind_display().lower()})
        if self.sender_domain.strip():
            parts.append(gettext("writes from %(domains)s")
                         % {"domains": ", ".join(_lines(self.sender_domain))})
        if self.location.strip():
            parts.append(gettext("at %(places)s") % {"places": ", ".join(_lines(self.location))})
        return parts

    @property
    def has_conditions(self) -> bool:
        return bool(self.channel or self.endpoint_id or self.keywords.strip()
                    or self.client_kind or self.sender_domain.strip() or self.location.strip())

    def clean(self):
        super().clean()
        municipality = self.municipality_id
        for field in ("case_type", "department", "endpoint"):
            related = getattr(self, field)
            if related is not None and related.municipality_id != municipality:
                raise ValidationError({field: [gettext("Not found.")]})
        self.keywords = "\n".join(_lines(self.keywords))
        self.location = "\n".join(_lines(self.location))
        self.sender_domain = "\n".join(d.lower().lstrip("@") for d in _lines(self.sender_domain))
        for domain in _lines(self.sender_domain):
            if not _DOMAIN.fullmatch(domain):
                raise ValidationError({"sender_domain": [
                    gettext("“%(domain)s” is not a domain name (e.g. mup.gov.rs).")
                    % {"domain": domain}]})
        for field in ("keywords", "location"):
            short = [word for word in _lines(getattr(self, field))
                     if len(fold(word).strip()) < MIN_KEYWORD_LENGTH]
            if short:
                raise ValidationError({field: [
                    gettext("“%(word)s” is too short to match on; write at least %(n)d "
                            "letters.") % {"word": short[0], "n": MIN_KEYWORD_LENGTH}]})
        if self.is_default:
            if self.has_conditions:
                raise ValidationError({"is_default": [gettext(
                    "The default rule has no conditions: it decides what no other rule "
                    "does.")]})
            if self.case_type is None:
                raise ValidationError({"case_type": [gettext(
                    "The default rule must name a procedure.")]})
            if self.department is None:
                raise ValidationError({"department": [gettext(
                    "The default rule must name a department.")]})
        elif not self.has_conditions:
            raise ValidationError({"keywords": [gettext(
                "Give the rule at least one condition; the default rule decides everything "
                "else.")]})
        elif self.case_type is None and self.department is None and self.priority is None:
            raise ValidationError({"case_type": [gettext(
                "A rule must decide something: a procedure, a department or a priority.")]})


MIN_KEYWORD_LENGTH = 3
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _lines(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


# --- deadlines that live --------------------------------------------------------------------


class Deadline(models.Model):
    """One deadline of a case (its first response, its resolution) or of a request to a
    department, as the actions keep it: the rule it runs by, the moment it counts from (when
    the citizen's item was received), and the steps since — pauses while the case waits on
    the client, resumptions, extensions, restarts — from which `deadlines.evaluate` gives
    `due_at`. Written only by `procedures.actions`; `Case.due_at` is a copy of the running
    resolution deadline, for lists and search."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        RESOLUTION = "resolution", _("Resolution")
        REQUEST = "request", _("Response to a request")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        MET = "met", _("Met")
        STOPPED = "stopped", _("Stopped")

    # Indexed by the composite indexes below, which lead with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="deadlines",
                             db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    rule = models.CharField(_("rule"), max_length=40)
    started_at = models.DateTimeField(_("counted from"))
    steps = models.JSONField(default=list, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)  # null while paused
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.RUNNING)
    paused_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"],
                                    condition=Q(kind__in=["first_response", "resolution"]),
                                    name="deadline_one_of_each_per_case"),
            models.CheckConstraint(condition=~Q(rule=""), name="deadline_has_rule"),
        ]
        indexes = [
            models.Index(fields=["municipality", "state", "due_at"]),
            models.Index(fields=["municipality", "case"]),
            # The dashboards' daily figures: the first responses given on a day.
            models.Index(fields=["municipality", "kind", "met_at"], name="deadline_met_on_day"),
        ]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at or self.get_state_display()}"

    @property
    def is_live(self) -> bool:
        return self.state in (self.State.RUNNING, self.State.PAUSED)

    @property
    def was_late(self) -> bool:
        return (self.state == self.State.MET and self.met_at is not None
                and self.due_at is not None and self.met_at > self.due_at)


class ReminderPolicy(models.Model):
    """When a municipality's staff are reminded of deadlines (`procedures.reminders`);
    a municipality without one keeps the defaults of the fields."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE,
                                        related_name="reminder_policy")
    remind_before_hours = models.PositiveSmallIntegerField(
        _("remind before (office hours)"), default=8,
        help_text=_("The assignee is reminded when this much office time is left; 0 for "
                    "no reminders."))
    escalate_on_breach = models.BooleanField(
        _("tell the department head when a deadline passes"), default=True)
    digest_enabled = models.BooleanField(_("daily digest"), default=True)
    digest_time = models.TimeField(_("digest at"), default=datetime.time(7, 0),
                                   help_text=_("On working days, Belgrade time."))

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")


class Notice(models.Model):
    """A reminder, an escalation or a digest that was sent: its key makes sending it a
    second time impossible, however often the job that sends it runs."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")
        DIGEST = "digest", _("Daily digest")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # e.g. "<deadline id>@<due ISO>" for a reminder, "<user id>@<date>" for a digest
    key = models.CharField(max_length=100)
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="notices")
    recipients = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "key"],
                                    name="notice_sent_once"),
        ]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
