from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from onestop.auth_limits import reset_limit, signin_limit
from onestop.forms import PersonForm, SignInForm, SignupForm
from onestop.services.assignment import who_reviews
from onestop.services.companies import user_create, user_signup
from onestop.tenancy import SESSION_KEY


def _invitation_next(request):
    """A safe ``next`` URL that leads to an invitation, or None."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return None
    try:
        return target if resolve(target).url_name == "invitation_accept" else None
    except Resolver404:
        return None


@sensitive_post_parameters("password1", "password2")
def signup(request):
    """Create an account and a company; someone following an invitation creates only the
    account and goes on to join the inviting company."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    invitation_url = _invitation_next(request)
    form_class = PersonForm if invitation_url else SignupForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if invitation_url:
            user = user_create(
                email=data["email"], password=data["password1"], full_name=data["full_name"]
            )
        else:
            user, company, consultant = user_signup(
                email=data["email"],
                full_name=data["full_name"],
                password=data["password1"],
                company_fields=form.company_fields(),
            )
            request.session[SESSION_KEY] = company.pk
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to OneStop, %(name)s.") % {"name": user.full_name})
        if not invitation_url:
            messages.info(request, who_reviews(consultant))
        return redirect(invitation_url or "dashboard")
    return render(
        request, "registration/signup.html", {"form": form, "invitation_url": invitation_url}
    )


class SignInView(auth_views.LoginView):
    """Django's sign-in with limits on failed attempts; a refused attempt answers 429."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.limited:
            response.status_code = 429
        return response


RESETS_LIMITED = gettext_lazy(
    "Too many password reset requests for this address or from this network. Wait "
    "%(wait)s and try again."
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new-password form; a person who proves the mailbox is theirs may sign in again
    at once, whatever someone else's wrong guesses did to the account's count."""

    def form_valid(self, form):
        response = super().form_valid(form)
        signin_limit().forget_identity(identity=self.user.email)
        return response


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's reset request, limited per e-mail address and per client address so the form
    cannot be used to flood a mailbox."""

    def form_valid(self, form):
        limit = reset_limit()
        email = form.cleaned_data["email"]
        if limit.reached(request=self.request, identity=email):
            form.add_error(None, RESETS_LIMITED % {"wait": limit.wait_text})
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        limit.count(request=self.request, identity=email)
        return super().form_valid(form)
