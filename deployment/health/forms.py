from django import forms
from django.utils.translation import gettext_lazy as _

from deployment.models import HealthWatch


class HealthSettingsForm(forms.ModelForm):
    class Meta:
        model = HealthWatch
        fields = ["drift_threshold", "accuracy_floor", "keep_rows"]
        help_texts = {
            "drift_threshold": _(
                "Under 0.1 the inputs look like the training data; 0.1 to 0.25 they have moved "
                "a little; 0.25 and over, enough to question the model."
            ),
        }

    def clean_drift_threshold(self):
        value = self.cleaned_data["drift_threshold"]
        if not 0.05 <= value <= 5:
            raise forms.ValidationError(_("Choose a value between 0.05 and 5."))
        return value

    def clean_accuracy_floor(self):
        value = self.cleaned_data["accuracy_floor"]
        if value is not None and not 0 <= value <= 1:
            raise forms.ValidationError(_("Choose a value between 0 and 1, or leave it empty."))
        return value


class FeedbackUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Labels (CSV)"),
        help_text=_("A header line, then one request per line, as in the example; up to 2 MB."),
    )
