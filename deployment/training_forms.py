"""The form that starts a training job. It checks shapes; the service decides."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from deployment.models import TrainingJob
from deployment.services.training.starting import TARGET_KINDS, training_start


class TrainingForm(forms.Form):
    target = forms.ChoiceField(label=_("What should the model predict?"))
    exclude = forms.MultipleChoiceField(label=_("Leave columns out"), required=False)
    family = forms.ChoiceField(label=_("Model family"), choices=TrainingJob.Family.choices)
    budget_unit_hours = forms.IntegerField(
        label=_("Budget (unit-hours)"),
        min_value=1,
        initial=2,
        help_text=_("One unit-hour is one GPU for one hour; the job stops when it is used."),
    )
    units = forms.IntegerField(label=_("GPU units"), min_value=1, initial=1)

    def __init__(self, *args, check, **kwargs):
        super().__init__(*args, **kwargs)
        columns = check.columns
        self.fields["target"].choices = [
            (c["name"], c["name"]) for c in columns if c["kind"] in TARGET_KINDS
        ]
        self.fields["exclude"].choices = [(c["name"], c["name"]) for c in columns]
        self.fields["budget_unit_hours"].max_value = settings.ONESTOP_TRAINING_MAX_BUDGET_UNIT_HOURS
        self.fields["units"].max_value = settings.ONESTOP_TRAINING_MAX_UNITS


def start_from_form(form, check, user, *, on_behalf=False):
    """The job the form asks for; ValidationError with the first problem otherwise."""
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        raise ValidationError(f"{label}: {errors[0]}" if label else errors[0])
    data = form.cleaned_data
    return training_start(
        check=check,
        user=user,
        target=data["target"],
        excluded=data["exclude"],
        family=data["family"],
        budget_unit_hours=data["budget_unit_hours"],
        units=data["units"],
        on_behalf=on_behalf,
    )
