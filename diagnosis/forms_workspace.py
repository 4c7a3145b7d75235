"""Forms of the consultant's workspace and of the company's action plan page. They check shapes;
the services in ``diagnosis.workspace`` decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from diagnosis.models import ActionItem
from onestop.forms import ApplicationForm
from onestop.models import User


class DateInput(forms.DateInput):
    input_type = "date"


def person_label(user):
    return f"{user.full_name} ({user.email})" if user.full_name else user.email


class PeopleField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


LEFT = gettext_lazy("%(person)s (no longer works with the company)")


def offer_people(field, people, *, kept=None):
    """Offer ``people`` (a list read once, shared by every form of a page) in a PeopleField,
    so rendering runs no query of its own; a posted choice is checked against the same
    people. ``kept``: the person already chosen, offered even when no longer one of them, so
    that saving the form keeps them."""
    people = list(people)
    labels = [(person.pk, person_label(person)) for person in people]
    if kept is not None and kept.pk not in {person.pk for person in people}:
        people.append(kept)
        labels.append((kept.pk, LEFT % {"person": person_label(kept)}))
    field.queryset = User.objects.filter(pk__in=[person.pk for person in people])
    field.choices = [("", field.empty_label), *labels]


class VisitNoteForm(forms.Form):
    visited_on = forms.DateField(
        label=gettext_lazy("Visit date"), widget=DateInput, initial=timezone.localdate
    )
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Only consultants and programme officers read visit notes."),
    )


class ConsentRecordForm(forms.Form):
    given_by = forms.CharField(
        label=gettext_lazy("Who gave the consent"),
        max_length=150,
        help_text=gettext_lazy("Name and role, e.g. the owner or the plant manager."),
    )
    given_on = forms.DateField(
        label=gettext_lazy("When"), widget=DateInput, initial=timezone.localdate
    )
    how = forms.CharField(
        label=gettext_lazy("How"),
        max_length=300,
        help_text=gettext_lazy("A signed form, an e-mail, said in front of a witness…"),
    )


class ConsentGrantForm(forms.Form):
    consultant = PeopleField(label=gettext_lazy("Consultant"), queryset=None)

    def __init__(self, *args, consultants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = consultants


class VisitRespondentForm(forms.Form):
    member = PeopleField(label=gettext_lazy("Whose answers"), queryset=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class ActionItemForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Step"), max_length=200)
    owner = PeopleField(label=gettext_lazy("Owner"), queryset=None, required=False)
    due_on = forms.DateField(label=gettext_lazy("Due"), widget=DateInput)
    detail = forms.CharField(
        label=gettext_lazy("What to do"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self.fields["owner"], owners)


class ActionItemChangeForm(forms.Form):
    """The consultant's form on one step: who owns it (``current``: its owner now, kept even
    when they have left), by when, how far it is."""

    owner = PeopleField(label=gettext_lazy("Owner"), queryset=None, required=False)
    due_on = forms.DateField(label=gettext_lazy("Due"), widget=DateInput)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ActionItem.Status.choices)

    def __init__(self, *args, owners, current=None, form_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self.fields["owner"], owners, kept=current)
        if form_id:  # the fields sit in a table row; the <form> they belong to is elsewhere
            for field in self.fields.values():
                field.widget.attrs["form"] = form_id


class ItemStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ActionItem.Status.choices)


class DraftForm(ApplicationForm):
    """The consultant's draft: the application's fields and a note to the owner."""

    note = forms.CharField(
        label=gettext_lazy("Note to the owner"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
