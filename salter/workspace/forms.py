"""Forms of the staff workspace. Each one only collects input: the change itself is made
by the actions it calls, whose ValidationErrors come back as errors on the field they name.

A form never offers a municipality: everything is scoped to the actor it is built for,
and ids of another municipality's objects are simply not valid choices.
"""

from functools import cached_property

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salter import search
from salter.cases import actions as case_actions
from salter.cases import workflow
from salter.cases.models import Case, Channel, Priority
from salter.clients import actions as client_actions
from salter.clients.access import clients_visible_to
from salter.clients.matching import find_client_by_contact, normalize_contact
from salter.clients.models import Client, ContactPoint
from salter.procedures import actions as deadline_actions
from salter.procedures.models import CaseType, Deadline
from salter.tenancy.models import Department, Language, Municipality
from salter.tenancy.roles import Perm

_CONTROL_CLASS = {
    forms.Select: "form-select",
    forms.RadioSelect: "form-check-input",
    forms.CheckboxInput: "form-check-input",
}


class StyledForm(forms.Form):
    """Bootstrap classes on widgets, and `is-invalid` plus an error id on fields in error,
    so screen readers announce the message with the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = _CONTROL_CLASS.get(type(field.widget), "form-control")
            field.widget.attrs.setdefault("class", css)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"


class ActionForm(StyledForm):
    """A form whose `submit()` runs `act()` in one transaction.

    `error_fields` maps the keys of an action's ValidationError to this form's fields;
    keys naming no field become form-wide errors. Returns whether it succeeded; the
    action's result is in `self.result`.
    """

    error_fields: dict[str, str] = {}
    required_perm: str = ""  # what the view checks before binding the form

    def __init__(self, *args, actor, **kwargs):
        self.actor = actor
        self.result = None
        super().__init__(*args, **kwargs)

    def act(self):
        raise NotImplementedError

    def submit(self) -> bool:
        if not self.is_valid():
            return False
        try:
            with transaction.atomic():
                self.result = self.act()
        except ValidationError as exc:
            self.add_action_errors(exc)
            return False
        return True

    def add_action_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, errors in exc.error_dict.items():
            name = self.error_fields.get(key, key)
            self.add_error(name if name in self.fields else None, errors)


# --- clients -------------------------------------------------------------------------


class ClientDetailsForm(ActionForm):
    """Name, identifiers and address of a person or business; edits an existing client
    when given one."""

    required_perm = Perm.EDIT_CLIENT
    kind = forms.ChoiceField(label=_("Kind"), choices=Client.Kind.choices, required=False,
                             initial=Client.Kind.PERSON, widget=forms.RadioSelect)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    jmbg = forms.CharField(label=_("JMBG"), max_length=20, required=False,
                           help_text=_("Optional; 13 digits."))
    business_name = forms.CharField(label=_("Business name"), max_length=200, required=False)
    pib = forms.CharField(label=_("PIB"), max_length=15, required=False,
                          help_text=_("Tax id, 9 digits."))
    mb = forms.CharField(label=_("MB"), max_length=15, required=False,
                         help_text=_("Company registry number, 8 digits."))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    language = forms.ChoiceField(label=_("Language of correspondence"), required=False,
                                 choices=[("", _("Same as the municipality")),
                                          *Language.choices])
    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=500, required=False,
        help_text=_("Kept with the correction, e.g. \"the client asked, ID card shown\"."))

    detail_fields = ("kind", "first_name", "last_name", "jmbg", "business_name", "pib", "mb",
                     "address", "place", "postal_code", "language")

    def __init__(self, *args, client: Client | None = None, **kwargs):
        self.client = client
        if client is not None:  # only shown when unbound
            kwargs.setdefault("initial", {n: getattr(client, n) for n in self.detail_fields})
        super().__init__(*args, **kwargs)

    def clean_kind(self):
        return self.cleaned_data["kind"] or Client.Kind.PERSON

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.detail_fields}

    def act(self):
        return client_actions.update_client(actor=self.actor, client=self.client,
                                            reason=self.cleaned_data.get("reason", ""),
                                            **self.details())


class NewClientForm(ClientDetailsForm):
    reason = None  # a new client has nothing to correct
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False,
                            widget=forms.EmailInput)
    phone = forms.CharField(label=_("Telephone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))

    def create_client(self) -> Client:
        contacts = [(ContactPoint.Kind.EMAIL, self.cleaned_data["email"]),
                    (ContactPoint.Kind.PHONE, self.cleaned_data["phone"])]
        return client_actions.create_client(actor=self.actor, contacts=contacts,
                                            **self.details())

    def act(self):
        return self.create_client()


class ClientPartyForm(NewClientForm):
    """Either an existing client of the municipality (picked by search) or a new one."""

    NONE, EXISTING, NEW = "none", "existing", "new"
    client_mode = forms.ChoiceField(
        label=_("Client"), widget=forms.RadioSelect, initial=EXISTING,
        choices=[(EXISTING, _("Existing client")), (NEW, _("New client"))])
    client = forms.IntegerField(label=_("Client"), required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        self.existing_client = None
        if cleaned.get("client_mode") == self.EXISTING:
            found = clients_visible_to(self.actor).current().filter(pk=cleaned.get("client"))
            self.existing_client = found.first() if cleaned.get("client") else None
            if self.existing_client is None:
                self.add_error("client", _("Search for the client and choose one."))
        return cleaned

    def contact_holders(self) -> list[Client]:
        """For a new client: the clients the typed e-mail or telephone already belongs to,
        offered as "use this client" instead."""
        data = getattr(self, "cleaned_data", {})
        if data.get("client_mode") != self.NEW:
            return []
        holders = {}
        for kind in (ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE):
            try:
                # Raw input: a field in error has left cleaned_data.
                value = normalize_contact(kind, self.data.get(self.add_prefix(kind), ""))
            except ValidationError:
                continue
            holder = find_client_by_contact(self.actor.municipality, kind, value)
            if holder is not None:
                holders[holder.pk] = holder
        return list(holders.values())

    def party(self) -> Client | None:
        """The chosen client, created now if new; call inside `act()`'s transaction."""
        mode = self.cleaned_data["client_mode"]
        if mode == self.NEW:
            return self.create_client()
        if mode == self.EXISTING:
            return self.existing_client
        return None


class ContactPointForm(ActionForm):
    prefix = "contact"
    required_perm = Perm.EDIT_CLIENT
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactPoint.Kind.choices)
    value = forms.CharField(label=_("Address or number"), max_length=254)
    label = forms.CharField(label=_("Label"), max_length=50, required=False,
                            help_text=_("E.g. home, office."))
    # The action names the error after the kind of contact.
    error_fields = {kind: "value" for kind in ContactPoint.Kind.values}

    def __init__(self, *args, client: Client, **kwargs):
        self.client = client
        super().__init__(*args, **kwargs)

    def act(self):
        return client_actions.add_contact_point(actor=self.actor, client=self.client,
                                                **self.cleaned_data)


class ContactPersonForm(ActionForm):
    prefix = "person"
    required_perm = Perm.EDIT_CLIENT
    name = forms.CharField(label=_("Name"), max_length=200)
    function = forms.CharField(label=_("Function"), max_length=100, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False,
                            widget=forms.EmailInput)
    phone = forms.CharField(label=_("Telephone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))

    def __init__(self, *args, client: Client, **kwargs):
        self.client = client
        super().__init__(*args, **kwargs)

    def act(self):
        return client_actions.add_contact_person(actor=self.actor, client=self.client,
                                                 **self.cleaned_data)


class MergeClientForm(ActionForm):
    """Fold the chosen duplicate (`source`) into the client whose page this is."""

    prefix = "merge"
    required_perm = Perm.MERGE_CLIENTS
    source = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, client: Client, **kwargs):
        self.client = client
        super().__init__(*args, **kwargs)

    def clean_source(self):
        source = clients_visible_to(self.actor).filter(pk=self.cleaned_data["source"]).first()
        if source is None:
            raise ValidationError(_("Choose a client of this municipality."))
        return source

    def act(self):
        return client_actions.merge_clients(actor=self.actor,
                                            source=self.cleaned_data["source"],
                                            target=self.client)


# --- cases ---------------------------------------------------------------------------


def _departments(actor):
    return Department.objects.filter(municipality=actor.municipality, is_active=True)


def _members(actor):
    return (get_user_model().objects
            .filter(memberships__municipality=actor.municipality, memberships__is_active=True,
                    is_active=True)
            .order_by("last_name", "first_name", "username"))


def _case_types(actor):
    return CaseType.objects.filter(municipality=actor.municipality, is_active=True)


def _other_municipalities(actor):
    return Municipality.objects.active().exclude(pk=actor.municipality.pk)


def _running_deadlines(actor, case):
    return Deadline.objects.filter(municipality=actor.municipality, case=case,
                                   state=Deadline.State.RUNNING).exclude(
                                       kind=Deadline.Kind.REQUEST)


class Choices:
    """What the forms of one page choose from, each list read once for all of them, and
    only when a form shows it (the case page has three lists of departments). A posted
    value is still checked against the field's own queryset.

    `deadlines`: the case's deadlines other than requests', when the page has read them.
    """

    def __init__(self, actor, case=None, *, deadlines=None):
        self.actor, self.case, self._deadlines = actor, case, deadlines

    @cached_property
    def departments(self) -> list[Department]:
        return list(_departments(self.actor))

    @cached_property
    def members(self) -> list:
        return list(_members(self.actor))

    @cached_property
    def case_types(self) -> list[CaseType]:
        return list(_case_types(self.actor))

    @cached_property
    def municipalities(self) -> list[Municipality]:
        return list(_other_municipalities(self.actor))

    @cached_property
    def running_deadlines(self) -> list[Deadline]:
        if self._deadlines is None:
            return list(_running_deadlines(self.actor, self.case))
        return [d for d in self._deadlines if d.state == Deadline.State.RUNNING]


class _ShownRows(ModelChoiceIterator):
    """The choices of a `ListedChoiceField`: its `rows` when it has them, else its
    queryset's."""

    def _rows(self):
        return self.field.rows() if self.field.rows is not None else None

    def __iter__(self):
        rows = self._rows()
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in rows:
            yield self.choice(obj)

    def __len__(self):
        rows = self._rows()
        if rows is None:
            return super().__len__()
        return len(rows) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        rows = self._rows()
        return super().__bool__() if rows is None else (
            self.field.empty_label is not None or bool(rows))


class ListedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that shows the rows of a page's `Choices` (`rows`: a callable
    giving the list) rather than reading its queryset once more."""

    iterator = _ShownRows
    rows = None

    def show(self, rows) -> None:
        self.rows = rows
        self.widget.choices = self.choices


class MemberChoiceField(ListedChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class NewCaseForm(ClientPartyForm):
    required_perm = Perm.CREATE_CASE
    # Not stripped here: a blank subject is refused by `create_case`, after the client
    # was made, which is what proves the two roll back together.
    subject = forms.CharField(label=_("Subject"), max_length=300, strip=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices,
                                initial=Channel.COUNTER)
    case_type = forms.ModelChoiceField(label=_("Case type"), queryset=CaseType.objects.none(),
                                       required=False, empty_label=_("— none —"))
    department = forms.ModelChoiceField(label=_("Department"),
                                        queryset=Department.objects.none(), required=False,
                                        empty_label=_("— from the case type —"))
    priority = forms.TypedChoiceField(
        label=_("Priority"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Automatic")), *Priority.choices],
        help_text=_("Automatic: high for businesses, normal otherwise."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actor = self.actor
        self.fields["client_mode"].choices = [
            (self.NEW, _("New client")), (self.EXISTING, _("Existing client")),
            (self.NONE, _("No client (anonymous)"))]
        self.fields["client_mode"].initial = self.NEW
        self.fields["case_type"].queryset = _case_types(actor)
        self.fields["case_type"].label_from_instance = lambda case_type: case_type.display_name
        self.fields["department"].queryset = _departments(actor)

    def act(self):
        party = self.party()
        data = self.cleaned_data
        return case_actions.create_case(
            actor=self.actor, subject=data["subject"], description=data["description"],
            channel=data["channel"], case_type=data["case_type"],
            department=data["department"], priority=data["priority"],
            clients=[party] if party else [])


class CaseActionForm(ActionForm):
    """A form on the case page, acting on `case`; `choices`: the page's `Choices`, shared
    with its other forms."""

    def __init__(self, *args, case: Case, choices: Choices | None = None, **kwargs):
        self.case = case
        self.choices = choices or Choices(kwargs["actor"], case)
        super().__init__(*args, **kwargs)


class NoteForm(CaseActionForm):
    prefix = "note"
    required_perm = Perm.EDIT_CASE
    text = forms.CharField(label=_("Internal note"),
                           widget=forms.Textarea(attrs={"rows": 3}))

    def act(self):
        return case_actions.add_note(actor=self.actor, case=self.case,
                                     text=self.cleaned_data["text"])


class AssignForm(CaseActionForm):
    prefix = "assign"
    required_perm = Perm.ASSIGN_CASE
    department = ListedChoiceField(label=_("Department"),
                                   queryset=Department.objects.none(), required=False,
                                   empty_label=_("— keep —"))
    assignee = MemberChoiceField(label=_("Assignee"), queryset=get_user_model().objects.none(),
                                 required=False, empty_label=_("— nobody —"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(self.actor)
        self.fields["department"].show(lambda: self.choices.departments)
        self.fields["assignee"].queryset = _members(self.actor)
        self.fields["assignee"].show(lambda: self.choices.members)
        if not self.is_bound:
            self.initial.setdefault("assignee", self.case.assignee_id)

    def act(self):
        return case_actions.assign_case(actor=self.actor, case=self.case,
                                        assignee=self.cleaned_data["assignee"],
                                        department=self.cleaned_data["department"])


class TakeForm(CaseActionForm):
    """"Take it": the case assigned to the member who presses the button."""

    prefix = "take"
    required_perm = Perm.ASSIGN_CASE

    def act(self):
        return case_actions.assign_case(actor=self.actor, case=self.case,
                                        assignee=self.actor.user)


class BulkAssignForm(ActionForm):
    """Several cases at once to a person and/or department (a head sharing out the
    unassigned ones). Every id must be a case the actor sees; one that is not refuses the
    whole form, naming it, and nothing is assigned."""

    prefix = "bulk"  # beside the list's filters, which have an assignee too
    required_perm = Perm.ASSIGN_CASE
    MAX_CASES = 200
    cases = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    department = forms.ModelChoiceField(label=_("Department"),
                                        queryset=Department.objects.none(), required=False,
                                        empty_label=_("— keep —"))
    assignee = MemberChoiceField(label=_("Assignee"), queryset=get_user_model().objects.none(),
                                 required=False, empty_label=_("— nobody —"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(self.actor)
        self.fields["assignee"].queryset = _members(self.actor)

    def clean_cases(self):
        # The list's checkboxes post plain "cases", outside the form's prefix.
        raw = self.data.getlist("cases") if hasattr(self.data, "getlist") else []
        if not raw:
            raise ValidationError(_("Choose at least one case."))
        if len(raw) > self.MAX_CASES:
            raise ValidationError(_("At most %(n)d cases at once.") % {"n": self.MAX_CASES})
        if not all(value.isdigit() for value in raw):
            raise ValidationError(_("Not a case: %(ids)s.") % {"ids": ", ".join(raw)})
        ids = {int(value) for value in raw}
        found = list(Case.objects.visible_to(self.actor).filter(pk__in=ids).order_by("pk"))
        missing = sorted(ids - {case.pk for case in found})
        if missing:
            raise ValidationError(_("No such case among yours: %(ids)s.")
                                  % {"ids": ", ".join(map(str, missing))})
        return found

    def clean(self):
        data = super().clean()
        if not data.get("assignee") and not data.get("department"):
            self.add_error("assignee", _("Choose a person or a department."))
        return data

    def act(self):
        data = self.cleaned_data
        return [case_actions.assign_case(actor=self.actor, case=case,
                                         assignee=data["assignee"] or case.assignee,
                                         department=data["department"])
                for case in data["cases"]]


class StatusForm(CaseActionForm):
    prefix = "status"
    required_perm = Perm.CHANGE_STATUS
    status = forms.ChoiceField(label=_("New status"), choices=())
    text = forms.CharField(label=_("Comment"), required=False,
                           widget=forms.TextInput)
    override_reason = forms.CharField(
        label=_("Why resolve while requests are open"), required=False, max_length=500,
        widget=forms.TextInput,
        help_text=_("Only a department head; the open requests are withdrawn."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        targets = workflow.allowed_transitions(self.case.status)
        self.fields["status"].choices = [(s, workflow.Status(s).label) for s in targets]
        if not self.actor.can(Perm.OVERRIDE_OPEN_REQUESTS):
            del self.fields["override_reason"]

    def act(self):
        return case_actions.change_case_status(
            actor=self.actor, case=self.case, status=self.cleaned_data["status"],
            text=self.cleaned_data["text"],
            override_reason=self.cleaned_data.get("override_reason", ""))


class ExtendDeadlineForm(CaseActionForm):
    """Extend one of the case's running deadlines, by a rule or to a moment."""

    prefix = "extend"
    required_perm = Perm.EDIT_CASE
    deadline = ListedChoiceField(label=_("Deadline"), queryset=Deadline.objects.none(),
                                 empty_label=None)
    by = forms.CharField(label=_("Extend by"), required=False, max_length=40,
                         help_text=_("A deadline rule, e.g. 15 calendar days."))
    until = forms.DateTimeField(
        label=_("Or until"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].queryset = _running_deadlines(self.actor, self.case)
        self.fields["deadline"].show(lambda: self.choices.running_deadlines)
        self.fields["deadline"].label_from_instance = lambda d: d.get_kind_display()

    @property
    def has_deadlines(self) -> bool:
        """Whether the case has a running deadline to extend."""
        return bool(self.choices.running_deadlines)

    def act(self):
        data = self.cleaned_data
        until = data["until"]
        if until is not None and timezone.is_naive(until):
            until = timezone.make_aware(until)
        return deadline_actions.extend_deadline(actor=self.actor, deadline=data["deadline"],
                                                reason=data["reason"], by=data["by"],
                                                until=until)


class RouteForm(CaseActionForm):
    """Correct a wrong route: procedure and department in one step."""

    prefix = "route"
    required_perm = Perm.EDIT_CASE
    case_type = ListedChoiceField(label=_("Procedure"), queryset=CaseType.objects.none())
    department = ListedChoiceField(label=_("Department"), queryset=Department.objects.none())
    propose_keywords = forms.CharField(
        label=_("Propose a rule for such messages"), required=False, max_length=200,
        help_text=_("Keywords, one per line or separated by commas; an administrator "
                    "adopts the rule."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_type"].queryset = _case_types(self.actor)
        self.fields["case_type"].show(lambda: self.choices.case_types)
        self.fields["case_type"].label_from_instance = lambda case_type: case_type.display_name
        self.fields["department"].queryset = _departments(self.actor)
        self.fields["department"].show(lambda: self.choices.departments)
        if not self.is_bound:
            self.initial.setdefault("case_type", self.case.case_type_id)
            self.initial.setdefault("department", self.case.department_id)

    def act(self):
        data = self.cleaned_data
        return case_actions.correct_route(actor=self.actor, case=self.case,
                                          case_type=data["case_type"],
                                          department=data["department"],
                                          propose_keywords=data["propose_keywords"])


class TransferForm(CaseActionForm):
    """Send the case to the municipality it belongs to."""

    prefix = "transfer"
    required_perm = Perm.TRANSFER_CASE
    to = ListedChoiceField(label=_("Municipality"), queryset=Municipality.objects.none())
    note = forms.CharField(label=_("Note for the receiving municipality"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = _other_municipalities(self.actor)
        self.fields["to"].show(lambda: self.choices.municipalities)
        self.fields["to"].label_from_instance = lambda m: m.display_name

    def act(self):
        return case_actions.transfer_case(actor=self.actor, case=self.case,
                                          to=self.cleaned_data["to"],
                                          note=self.cleaned_data["note"])


class LinkClientForm(ClientPartyForm):
    prefix = "party"
    required_perm = Perm.EDIT_CASE

    def __init__(self, *args, case: Case, choices=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)

    def act(self):
        client = self.party()
        return case_actions.link_client(actor=self.actor, case=self.case, client=client)


class UnlinkClientForm(CaseActionForm):
    prefix = "unlink"
    required_perm = Perm.EDIT_CASE
    client = forms.IntegerField(widget=forms.HiddenInput)

    def clean_client(self):
        client = self.case.clients.filter(pk=self.cleaned_data["client"]).first()
        if client is None:
            raise ValidationError(_("This client is not a party to the case."))
        return client

    def act(self):
        return case_actions.unlink_client(actor=self.actor, case=self.case,
                                          client=self.cleaned_data["client"])


class OtherCaseForm(CaseActionForm):
    """Names another case by its registry number; only cases the actor may see count."""

    registry_number = forms.CharField(label=_("Registry number"), max_length=60)
    allow_empty = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registry_number"].required = not self.allow_empty

    def clean_registry_number(self):
        number = self.cleaned_data["registry_number"].strip()
        if not number and self.allow_empty:
            return None
        other = Case.objects.visible_to(self.actor).filter(registry_number=number).first()
        if other is None:
            raise ValidationError(_("No case with this registry number."))
        return other


class LinkCaseForm(OtherCaseForm):
    prefix = "link"
    required_perm = Perm.EDIT_CASE
    error_fields = {"other": "registry_number"}

    def act(self):
        return case_actions.link_cases(actor=self.actor, case=self.case,
                                       other=self.cleaned_data["registry_number"])


class ParentForm(OtherCaseForm):
    prefix = "parent"
    required_perm = Perm.EDIT_CASE
    allow_empty = True
    error_fields = {"parent": "registry_number"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registry_number"].label = _("Parent case (registry number)")
        self.fields["registry_number"].help_text = _("Leave empty to remove the parent.")

    def act(self):
        return case_actions.set_parent_case(actor=self.actor, case=self.case,
                                            parent=self.cleaned_data["registry_number"])


class MergeCaseForm(OtherCaseForm):
    prefix = "merge"
    required_perm = Perm.MERGE_CASES
    error_fields = {"into": "registry_number"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registry_number"].label = _("Merge into case (registry number)")

    def act(self):
        return case_actions.merge_cases(actor=self.actor, duplicate=self.case,
                                        into=self.cleaned_data["registry_number"])


# --- lists ---------------------------------------------------------------------------


class SearchForm(StyledForm):
    q = forms.CharField(label=_("Search"), max_length=search.MAX_QUERY_LENGTH, required=False)

    def clean_q(self):
        search.check_query(self.cleaned_data["q"])
        return self.cleaned_data["q"]
