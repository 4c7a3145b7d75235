"""Forms of the programme pages. They check shapes only; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _


class DecisionForm(forms.Form):
    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100)
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )


class EvaluationForm(forms.Form):
    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100)
    evaluation = forms.CharField(label=_("Evaluation"), widget=forms.Textarea(attrs={"rows": 2}))
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return for changes"))]
    )


class ExemptionForm(forms.Form):
    reason = forms.CharField(max_length=2000)


class VoucherChoiceForm(forms.Form):
    """Which of the company's vouchers pays; the view looks it up among the company's own."""

    voucher = forms.IntegerField(label=_("Voucher"), min_value=1, max_value=10**18)


class VoucherIssueForm(forms.Form):
    budget_line = forms.ModelChoiceField(label=_("Budget line"), queryset=None)
    granted_won = forms.IntegerField(label=_("Amount (KRW)"), min_value=1, max_value=10**15)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = lines
