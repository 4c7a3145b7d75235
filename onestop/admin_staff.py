"""The staff profile's form in the admin: the regions and industries a consultant covers, as
choices and a list of codes rather than raw JSON."""

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.korea import Region, validate_ksic_division
from onestop.models import StaffProfile


class StaffProfileForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(
        label=_("regions covered"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every region."),
    )
    ksic_divisions = forms.CharField(
        label=_("industries covered (KSIC divisions)"),
        required=False,
        help_text=_(
            "Two-digit KSIC divisions, separated by commas (29, 30); empty: every industry."
        ),
    )

    class Meta:
        model = StaffProfile
        fields = ["user", "role", "organisation", "regions", "ksic_divisions", "capacity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["ksic_divisions"] = ", ".join(self.instance.ksic_divisions or [])

    def clean_ksic_divisions(self):
        codes = [c.strip() for c in self.cleaned_data["ksic_divisions"].split(",") if c.strip()]
        for code in codes:
            validate_ksic_division(code)
        return sorted(set(codes))
