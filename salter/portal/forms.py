from django import forms
from django.utils.translation import gettext_lazy as _


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"), max_length=20, strip=True,
        help_text=_("The code from your receipt or from our reply, e.g. 7KX4-MP29QD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
    )
