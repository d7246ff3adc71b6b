"""Forms of the administration pages. They only collect input; the actions validate and
change, and their errors come back under the field they name."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from salter.accounts import actions as staff_actions
from salter.cases.models import Channel, Priority
from salter.channels import actions as endpoint_actions
from salter.channels.models import Endpoint
from salter.procedures import actions as procedure_actions
from salter.procedures.models import CaseType, Category, RoutingRule
from salter.tenancy import actions as department_actions
from salter.tenancy.models import Department, Membership
from salter.tenancy.roles import Role
from salter.workspace.forms import ActionForm

LANGUAGE_FIELDS = (("sr", _("Serbian (Cyrillic)")), ("hu", _("Hungarian")),
                   ("en", _("English")))


def _departments(actor):
    return Department.objects.filter(municipality=actor.municipality, is_active=True)


def _grantable_choices():
    return [(value, label) for value, label in Role.choices
            if value in staff_actions.GRANTABLE_ROLES]


# -- staff ----------------------------------------------------------------------------------


class InviteForm(ActionForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=())
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(),
                                        required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _grantable_choices()
        self.fields["department"].queryset = _departments(self.actor)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def act(self):
        return staff_actions.invite_staff(actor=self.actor, **self.cleaned_data)


class MemberForm(ActionForm):
    role = forms.ChoiceField(label=_("Role"), choices=())
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(),
                                        required=False)

    def __init__(self, *args, member: Membership, **kwargs):
        self.member = member
        kwargs.setdefault("initial", {"role": member.role, "department": member.department_id})
        super().__init__(*args, **kwargs)
        choices = _grantable_choices()
        if member.role not in staff_actions.GRANTABLE_ROLES:
            choices.append((member.role, member.get_role_display()))
        self.fields["role"].choices = choices
        self.fields["department"].queryset = _departments(self.actor)

    def act(self):
        return staff_actions.change_member(actor=self.actor, member=self.member,
                                           **self.cleaned_data)


# -- departments ----------------------------------------------------------------------------


class DepartmentForm(ActionForm):
    name = forms.CharField(label=_("Name (Serbian, Latin script)"), max_length=200)
    name_sr = forms.CharField(label=_("Name in Serbian (Cyrillic)"), max_length=200,
                              required=False,
                              help_text=_("Leave empty to transliterate the Latin name."))
    name_hu = forms.CharField(label=_("Name in Hungarian"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Department.Kind.choices)
    email = forms.EmailField(label=_("E-mail address"), required=False,
                             help_text=_("Where requests to it are sent."))
    registry_unit = forms.CharField(label=_("Registry unit mark"), max_length=20,
                                    required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    error_fields = {"translations": "name_hu"}

    def __init__(self, *args, department: Department | None = None, **kwargs):
        self.department = department
        if department is not None:
            kwargs.setdefault("initial", {
                "name": department.name, "kind": department.kind, "email": department.email,
                "registry_unit": department.registry_unit, "is_active": department.is_active,
                **{f"name_{code}": department.translations.get(code, "")
                   for code, _label in LANGUAGE_FIELDS}})
        super().__init__(*args, **kwargs)

    def act(self):
        data = self.cleaned_data
        fields = {"name": data["name"], "kind": data["kind"], "email": data["email"],
                  "registry_unit": data["registry_unit"], "is_active": data["is_active"],
                  "translations": {code: data[f"name_{code}"] for code, _l in LANGUAGE_FIELDS}}
        if self.department is None:
            return department_actions.create_department(actor=self.actor, **fields)
        return department_actions.update_department(actor=self.actor,
                                                    department=self.department, **fields)


# -- procedures -----------------------------------------------------------------------------


class ProcedureForm(ActionForm):
    code = forms.SlugField(label=_("Code"), max_length=60,
                           help_text=_("Short stable name, e.g. street-lighting."))
    name = forms.CharField(label=_("Name (Serbian, Latin script)"), max_length=200)
    name_sr = forms.CharField(label=_("Name in Serbian (Cyrillic)"), max_length=200,
                              required=False,
                              help_text=_("Leave empty to transliterate the Latin name."))
    name_hu = forms.CharField(label=_("Name in Hungarian"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    classification = forms.CharField(label=_("Classification mark"), max_length=20)
    department = forms.ModelChoiceField(label=_("Default department"),
                                        queryset=Department.objects.none(), required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int,
                                      initial=Priority.NORMAL)
    first_response_rule = forms.CharField(
        label=_("First response within"), max_length=40, initial="1 working day",
        help_text=_("N calendar days, N working days, N working hours, N hours or next "
                    "opening."))
    resolution_rule = forms.CharField(
        label=_("Resolution within"), max_length=40, initial="15 calendar days",
        help_text=_("N calendar days, N working days, N working hours, N hours or next "
                    "opening."))
    keywords = forms.CharField(label=_("Keywords"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("One per line; messages mentioning one get this "
                                           "procedure."))
    is_public = forms.BooleanField(label=_("Citizens may choose it on the portal"),
                                   required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    plain = ("code", "name", "description", "category", "classification", "department",
             "priority", "first_response_rule", "resolution_rule", "keywords", "is_public",
             "is_active")
    error_fields = {"translations": "name_hu"}

    def __init__(self, *args, procedure: CaseType | None = None, **kwargs):
        self.procedure = procedure
        if procedure is not None:
            initial = {name: getattr(procedure, name) for name in self.plain}
            initial["department"] = procedure.department_id
            for code, _label in LANGUAGE_FIELDS:
                initial[f"name_{code}"] = (procedure.translations.get(code) or {}).get("name", "")
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(self.actor)

    def act(self):
        data = self.cleaned_data
        fields = {name: data[name] for name in self.plain}
        translations = dict(self.procedure.translations) if self.procedure else {}
        for code, _label in LANGUAGE_FIELDS:
            texts = dict(translations.get(code) or {})
            texts["name"] = data[f"name_{code}"].strip()
            translations[code] = {k: v for k, v in texts.items() if v}
        fields["translations"] = {k: v for k, v in translations.items() if v}
        if self.procedure is None:
            return procedure_actions.create_procedure(actor=self.actor, **fields)
        return procedure_actions.update_procedure(actor=self.actor, procedure=self.procedure,
                                                  **fields)


class ReplyTemplateForm(ActionForm):
    key = forms.SlugField(label=_("Key"), max_length=40,
                          help_text=_("Short name of the template, e.g. received."))
    title = forms.CharField(label=_("Title (Serbian, Latin script)"), max_length=200)
    body = forms.CharField(label=_("Text (Serbian, Latin script)"),
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Placeholders: {registry_number}, {subject}, "
                                       "{due_date}, {municipality}, {tracking_url}."))
    title_hu = forms.CharField(label=_("Title in Hungarian"), max_length=200, required=False)
    body_hu = forms.CharField(label=_("Text in Hungarian"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    body_en = forms.CharField(label=_("Text in English"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    error_fields = {"reply_templates": "body"}

    def __init__(self, *args, procedure: CaseType, **kwargs):
        self.procedure = procedure
        super().__init__(*args, **kwargs)

    def act(self):
        data = self.cleaned_data
        title = {"sr-latn": data["title"], "hu": data["title_hu"], "en": data["title_en"]}
        body = {"sr-latn": data["body"], "hu": data["body_hu"], "en": data["body_en"]}
        template = {"key": data["key"], "title": {k: v for k, v in title.items() if v},
                    "body": {k: v for k, v in body.items() if v}}
        templates = [t for t in self.procedure.reply_templates if t["key"] != data["key"]]
        templates.append(template)
        return procedure_actions.update_procedure(actor=self.actor, procedure=self.procedure,
                                                  reply_templates=templates)


# -- routing rules --------------------------------------------------------------------------


class RoutingRuleForm(ActionForm):
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=100,
                               help_text=_("Rules are tried from the lowest number."))
    keywords = forms.CharField(label=_("Mentions any of"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("One word per line, in either script."))
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("Any channel")), *Channel.choices])
    endpoint = forms.ModelChoiceField(label=_("Came in on"), queryset=Endpoint.objects.none(),
                                      required=False, empty_label=_("Any endpoint"))
    client_kind = forms.ChoiceField(label=_("Sender is"), required=False,
                                    choices=[("", _("Anyone")),
                                             *RoutingRule.ClientKind.choices])
    sender_domain = forms.CharField(label=_("Sender's domain"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 1}),
                                    help_text=_("One per line, e.g. mup.gov.rs."))
    location = forms.CharField(label=_("Location"), required=False,
                               widget=forms.Textarea(attrs={"rows": 1}),
                               help_text=_("Settlements or streets, one per line."))
    case_type = forms.ModelChoiceField(label=_("Procedure"), queryset=CaseType.objects.none(),
                                       required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(),
                                        required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), required=False, coerce=int,
                                      empty_value=None,
                                      choices=[("", _("As the procedure says")),
                                               *Priority.choices])
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    fields_of_rule = ("order", "keywords", "channel", "endpoint", "client_kind",
                      "sender_domain", "location", "case_type", "department", "priority",
                      "is_active")

    def __init__(self, *args, rule: RoutingRule | None = None, **kwargs):
        self.rule = rule
        if rule is not None:
            initial = {name: getattr(rule, name) for name in self.fields_of_rule}
            for name in ("endpoint", "case_type", "department"):
                initial[name] = getattr(rule, f"{name}_id")
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        municipality = self.actor.municipality
        self.fields["endpoint"].queryset = Endpoint.objects.filter(municipality=municipality)
        self.fields["case_type"].queryset = CaseType.objects.filter(municipality=municipality,
                                                                    is_active=True)
        self.fields["department"].queryset = _departments(self.actor)

    def rule_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields_of_rule}

    def unsaved_rule(self) -> RoutingRule:
        """The rule as the form has it, validated but not saved: what "test this rule"
        tries against recent cases."""
        rule = RoutingRule(municipality=self.actor.municipality, **self.rule_fields())
        rule.full_clean(validate_unique=False, validate_constraints=False)
        return rule

    def act(self):
        if self.rule is None:
            return procedure_actions.create_routing_rule(actor=self.actor, **self.rule_fields())
        if self.rule.is_default:
            data = self.cleaned_data
            return procedure_actions.set_default_route(
                actor=self.actor, case_type=data["case_type"], department=data["department"],
                priority=data["priority"])
        return procedure_actions.update_routing_rule(actor=self.actor, rule=self.rule,
                                                     **self.rule_fields())


# -- the calendar ---------------------------------------------------------------------------


class OfficeHoursForm(ActionForm):
    """One weekday's office periods: up to two (a day with a break)."""

    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=[
        (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
        (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))])
    opens = forms.TimeField(label=_("Opens"), required=False,
                            widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("Closes"), required=False,
                             widget=forms.TimeInput(attrs={"type": "time"}))
    opens_2 = forms.TimeField(label=_("Opens again"), required=False,
                              widget=forms.TimeInput(attrs={"type": "time"}))
    closes_2 = forms.TimeField(label=_("Closes again"), required=False,
                               widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        data = super().clean()
        for opens, closes in (("opens", "closes"), ("opens_2", "closes_2")):
            if bool(data.get(opens)) != bool(data.get(closes)):
                missing = closes if data.get(opens) else opens
                self.add_error(missing, _("Give both the opening and the closing time."))
        return data

    def act(self):
        data = self.cleaned_data
        periods = [(data[o], data[c]) for o, c in (("opens", "closes"), ("opens_2", "closes_2"))
                   if data.get(o) and data.get(c)]
        return procedure_actions.set_office_hours(actor=self.actor, weekday=data["weekday"],
                                                  periods=periods)


class DayOffForm(ActionForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200)
    every_year = forms.BooleanField(label=_("Every year on this date"), required=False)

    def act(self):
        return procedure_actions.add_day_off(actor=self.actor, **self.cleaned_data)


class SpecialOpeningForm(ActionForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    opens = forms.TimeField(label=_("Opens"), initial=datetime.time(8),
                            widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("Closes"), initial=datetime.time(12),
                             widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def act(self):
        return procedure_actions.add_special_opening(actor=self.actor, **self.cleaned_data)


# -- endpoints ------------------------------------------------------------------------------


class EndpointForm(ActionForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    address = forms.CharField(label=_("Address, number or line"), max_length=254)
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(),
                                        required=False,
                                        help_text=_("Its messages go to this department unless "
                                                    "a rule says otherwise."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, endpoint: Endpoint | None = None, **kwargs):
        self.endpoint = endpoint
        if endpoint is not None:
            kwargs.setdefault("initial", {
                "channel": endpoint.channel, "address": endpoint.address,
                "label": endpoint.label, "department": endpoint.department_id,
                "is_active": endpoint.is_active})
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(self.actor)

    def act(self):
        if self.endpoint is None:
            return endpoint_actions.create_endpoint(actor=self.actor, **self.cleaned_data)
        return endpoint_actions.update_endpoint(actor=self.actor, endpoint=self.endpoint,
                                                **self.cleaned_data)


class MailboxForm(ActionForm):
    """The IMAP transport of an e-mail endpoint."""

    prefix = "imap"
    imap_host = forms.CharField(label=_("IMAP server"), max_length=200)
    imap_port = forms.IntegerField(label=_("Port"), initial=993, min_value=1, max_value=65535)
    imap_ssl = forms.BooleanField(label=_("TLS (IMAPS)"), required=False, initial=True)
    imap_username = forms.CharField(label=_("Username"), max_length=200)
    password = forms.CharField(label=_("Password"), max_length=200, required=False,
                               widget=forms.PasswordInput(render_value=False),
                               help_text=_("Leave empty to keep the stored one."))
    folder = forms.CharField(label=_("Folder"), max_length=200, initial="INBOX")
    processed_folder = forms.CharField(
        label=_("Move handled mail to"), max_length=200, required=False,
        initial="Salter/Processed", help_text=_("Empty: only mark it as seen."))
    use_idle = forms.BooleanField(label=_("Wait for new mail (IDLE)"), required=False,
                                  initial=True)
    poll_seconds = forms.IntegerField(label=_("Look every (seconds)"), initial=60,
                                      min_value=10, max_value=3600)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, endpoint: Endpoint, **kwargs):
        self.endpoint = endpoint
        mailbox = getattr(endpoint, "mailbox", None) if endpoint.pk else None
        if mailbox is not None:
            kwargs.setdefault("initial", {name: getattr(mailbox, name)
                                          for name in endpoint_actions.MAILBOX_FIELDS})
        super().__init__(*args, **kwargs)

    def act(self):
        return endpoint_actions.set_mailbox(actor=self.actor, endpoint=self.endpoint,
                                            **self.cleaned_data)
