"""Reading one page of answers from a POST: field ``q_<code>`` (``q_<code>__<row>`` for
scales over rows) and the checkbox ``na_<code>``."""

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diagnosis.questionnaire import scoring


def field_name(question, row=None):
    return f"q_{question.code}" + (f"__{row}" if row is not None else "")


def raw_value(question, data):
    """What the person entered for ``question``, before validation; None when left empty."""
    if question.kind == "multi":
        ticked = data.getlist(field_name(question))
        return ticked or None
    if question.kind in {"adoption", "priority"}:
        rows = [r.code for r in question.rows] if question.kind == "adoption" else question.rows
        values = {row: data.get(field_name(question, row)) for row in rows}
        values = {row: v for row, v in values.items() if v not in (None, "")}
        return values or None
    value = data.get(field_name(question), "")
    return None if str(value).strip() == "" else value


def read_page(questions, data):
    """Returns (answers, not_applicable, errors) for the questions on one page."""
    answers, not_applicable, errors = {}, set(), {}
    for question in questions:
        if data.get(f"na_{question.code}"):
            not_applicable.add(question.code)
            continue
        value = raw_value(question, data)
        if value is None:
            answers[question.code] = None
            continue
        try:
            answers[question.code] = scoring.validate_answer(question, value)
        except (TypeError, ValueError, KeyError):
            errors[question.code] = error_for(question)
    return answers, not_applicable, errors


def error_for(question):
    if question.kind == "adoption":
        return _("Choose a step for every row.")
    if question.kind == "number":
        return _("Enter a number between %(min)s and %(max)s.") % {
            "min": _fmt(question.minimum),
            "max": _fmt(question.maximum),
        }
    if question.kind == "text":
        return _("Keep it under %(n)s characters.") % {"n": question.max_length}
    return _("Choose one of the answers offered.")


def _fmt(number):
    return f"{number:g}" if number is not None else "—"


def rule_json(question):
    """The visibility rule as data for the page's script (same rule the server applies)."""
    rule = question.visible_if
    if rule is None:
        return ""
    return json.dumps({"question": rule.question, "any_of": list(rule.any_of), "min": rule.minimum})


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    dimension = forms.ChoiceField(label=gettext_lazy("About"), required=False, choices=())

    def __init__(self, *args, spec, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [("", gettext_lazy("The whole assessment"))] + [
            (d.code, str(d.name)) for d in spec.dimensions
        ]


class RespondentForm(forms.Form):
    user = forms.ChoiceField(label=gettext_lazy("Teammate"), choices=())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(u.pk): u for u in candidates}
        self.fields["user"].choices = [
            (str(u.pk), f"{u.full_name} ({u.email})") for u in candidates
        ]

    def clean_user(self):
        return self.candidates[self.cleaned_data["user"]]
