from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from onestop.auth_limits import signin_limit
from onestop.korea import ksic_division_choices, normalise_registration_number
from onestop.models import ApiKey, Company, Membership
from onestop.registry import flavor_label


class CompanyForm(forms.ModelForm):
    # Typed with dashes more often than not ("123-45-67890"); the model keeps the ten digits.
    registration_number = forms.CharField(
        label=_("Business registration number"),
        max_length=20,
        help_text=_("10 digits, as on your business registration certificate."),
        widget=forms.TextInput(attrs={"placeholder": "123-45-67890", "inputmode": "numeric"}),
    )
    ksic_division = forms.ChoiceField(label=_("Industry (KSIC)"), choices=())

    class Meta:
        model = Company
        fields = Company.PROFILE_FIELDS
        widgets = {
            "registration_number": forms.TextInput(
                attrs={"placeholder": "123-45-67890", "inputmode": "numeric"}
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ksic_division"].choices = [("", "---------"), *ksic_division_choices()]

    def clean_registration_number(self):
        return normalise_registration_number(self.cleaned_data["registration_number"])


class PersonForm(forms.Form):
    """A new account: name, e-mail and password."""

    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Your e-mail address"))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "An account with this e-mail address already exists. Sign in instead, or "
                    "reset your password."
                )
            )
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            user = get_user_model()(
                email=cleaned.get("email", ""), full_name=cleaned.get("full_name", "")
            )
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class SignupForm(PersonForm, CompanyForm):
    """Sign-up: the person and their company, in one form."""

    field_order = ["full_name", "email", "password1", "password2"]

    def company_fields(self):
        return {name: self.cleaned_data[name] for name in CompanyForm.Meta.fields}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": _("e.g. CI upload")})}


class ApplicationForm(forms.Form):
    """An application to a programme: the owner's own, or the draft a consultant prepares for
    them (``diagnosis.forms_workspace.DraftForm``)."""

    # What the owner reads once it is sent, from either page.
    submitted = _(
        "Application submitted. Your consultant and the programme officers will review it."
    )

    flavor = forms.ChoiceField(label=_("Accelerator"))
    units = forms.IntegerField(label=_("Units"), min_value=1, max_value=512)
    quarterly_plan = forms.CharField(
        label=_("Planned unit-hours per quarter"),
        help_text=_("One number per quarter, separated by commas: 400, 800, 800, …"),
    )
    purpose = forms.CharField(
        label=_("What the units are for"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["flavor"].choices = [
            (f.flavor, flavor_label(f.flavor)) for f in programme.flavors.all()
        ]
        quarters = programme.term_years * 4
        self.fields["quarterly_plan"].help_text = ngettext(
            "%(n)s number, one per quarter of the programme, separated by commas.",
            "%(n)s numbers, one per quarter of the programme, separated by commas.",
            quarters,
        ) % {"n": quarters}

    def clean_quarterly_plan(self):
        try:
            plan = [
                int(part)
                for part in self.cleaned_data["quarterly_plan"].replace(" ", "").split(",")
                if part
            ]
        except ValueError:
            raise forms.ValidationError(_("Write whole numbers separated by commas.")) from None
        if len(plan) != self.programme.term_years * 4:
            raise forms.ValidationError(
                _("Give one number for each of the %(n)s quarters.")
                % {"n": self.programme.term_years * 4}
            )
        return plan


SIGNIN_LIMITED = _(
    "Too many failed sign-ins for this account or from this network. Wait %(wait)s and try "
    "again, or reset your password."
)


class LimitedSignInMixin:
    """Counts failed sign-ins per account and per client address; past the limit the form
    refuses without checking the password, so guessing gains nothing (onestop.auth_limits)."""

    limited = False

    def clean(self):
        email = self.cleaned_data.get("username")
        if not (email and self.cleaned_data.get("password")) or self.request is None:
            return super().clean()
        limit = signin_limit()
        if limit.reached(request=self.request, identity=email):
            self.limited = True
            raise forms.ValidationError(
                SIGNIN_LIMITED, code="limited", params={"wait": limit.wait_text}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            limit.count(request=self.request, identity=email)
            raise
        limit.forget_identity(identity=email)
        return cleaned


class SignInForm(LimitedSignInMixin, AuthenticationForm):
    pass


class StaffSignInForm(LimitedSignInMixin, AdminAuthenticationForm):
    pass
