from django import forms

from diagnosis.models import MatchingNeeds


class NeedsForm(forms.ModelForm):
    class Meta:
        model = MatchingNeeds
        fields = ["latency_ms", "requests_per_day", "monthly_budget_krw", "data_in_korea"]
        widgets = {
            "latency_ms": forms.NumberInput(attrs={"min": 1, "max": 600000}),
            "requests_per_day": forms.NumberInput(attrs={"min": 0}),
            "monthly_budget_krw": forms.NumberInput(attrs={"min": 0, "step": 10000}),
        }

    def clean_latency_ms(self):
        value = self.cleaned_data["latency_ms"]
        if value < 1:
            raise forms.ValidationError("≥ 1")
        return value
