"""The forms of requests to departments: asking from the case page (several bodies at
once, each with its own question and deadline), withdrawing, answering."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salter.requests import actions
from salter.requests.models import DepartmentRequest
from salter.tenancy.models import Department
from salter.tenancy.roles import Perm
from salter.workspace.forms import CaseActionForm, Choices, ListedChoiceField, StyledForm

ASK_ROWS = 3


class AskForm(StyledForm):
    department = ListedChoiceField(label=_("Ask"), queryset=Department.objects.none(),
                                   required=False, empty_label=_("— whom —"))
    question = forms.CharField(label=_("Question"), required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 2}))
    rule = forms.CharField(label=_("Answer within"), required=False, max_length=40,
                           initial=actions.DEFAULT_RULE,
                           help_text=_("A deadline rule, e.g. 2 working days."))

    def __init__(self, *args, actor, choices: Choices, **kwargs):
        super().__init__(*args, **kwargs)
        # The municipality's active departments in their usual order, as the case page's
        # other forms list them.
        self.fields["department"].queryset = Department.objects.filter(
            municipality=actor.municipality, is_active=True).order_by("kind", "name")
        self.fields["department"].show(lambda: choices.departments)

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not data.get("department") and not (data.get("question") or "").strip()


_AskRows = forms.formset_factory(AskForm, extra=ASK_ROWS, max_num=ASK_ROWS,
                                 absolute_max=ASK_ROWS)


class AskDepartmentsForm:
    """Up to three bodies asked at once; blank rows are skipped, and the action checks
    all of them before anything is sent."""

    prefix = "ask"
    required_perm = Perm.EDIT_CASE

    def __init__(self, data=None, *, actor, case, choices: Choices | None = None):
        self.actor, self.case, self.result = actor, case, None
        choices = choices or Choices(actor, case)
        self.rows = _AskRows(data, prefix=self.prefix,
                             form_kwargs={"actor": actor, "choices": choices})
        self.errors: list[str] = []

    def submit(self) -> bool:
        if not self.rows.is_valid():
            self.errors = [str(e) for e in self.rows.non_form_errors()] or [
                str(_("Check the rows below."))]
            return False
        asks = [actions.Ask(row.cleaned_data["department"], row.cleaned_data["question"],
                            row.cleaned_data["rule"] or actions.DEFAULT_RULE)
                for row in self.rows if not row.is_blank]
        try:
            with transaction.atomic():
                self.result = actions.ask_departments(actor=self.actor, case=self.case,
                                                      asks=asks)
        except ValidationError as exc:
            self.errors = exc.messages
            return False
        return True


class _OneRequestForm(CaseActionForm):
    """Acts on one of the case's requests, named by its id."""

    request = forms.IntegerField(widget=forms.HiddenInput)

    def clean_request(self):
        found = DepartmentRequest.objects.filter(
            municipality=self.actor.municipality, case=self.case,
            pk=self.cleaned_data["request"]).select_related("department").first()
        if found is None:
            raise ValidationError(_("This request is not one of the case's."))
        return found


class WithdrawRequestForm(_OneRequestForm):
    prefix = "withdraw"
    required_perm = Perm.EDIT_CASE
    reason = forms.CharField(label=_("Why it is no longer needed"), max_length=500,
                             widget=forms.TextInput)
    error_fields = {"reason": "reason"}

    def act(self):
        return actions.withdraw_request(actor=self.actor,
                                        request=self.cleaned_data["request"],
                                        reason=self.cleaned_data["reason"])


class RecordAnswerForm(_OneRequestForm):
    """The answer of a department, given by one of its members, or recorded by staff
    when it came by telephone or post."""

    prefix = "answer"
    required_perm = Perm.EDIT_CASE
    answer = forms.CharField(label=_("Response"), max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def act(self):
        return actions.answer_request(actor=self.actor, request=self.cleaned_data["request"],
                                      text=self.cleaned_data["answer"])


class AnswerForm(forms.Form):
    """The asked body's own page: the link without login, or the department's page."""

    answer = forms.CharField(label=_("Your response"), max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 8, "class": "form-control"}))
