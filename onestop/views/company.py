from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.forms import CompanyForm
from onestop.services.assignment import who_reviews
from onestop.services.companies import company_open, company_update
from onestop.tenancy import SESSION_KEY, switch_company
from onestop.views.access import company_member_required, company_owner_required


@company_member_required
def company_detail(request):
    return render(request, "company/detail.html", {"company": request.current.company})


@company_owner_required
def company_edit(request):
    company = request.current.company
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        # The form validated a copy on the instance; the service re-applies it with an audit.
        company.refresh_from_db()
        company_update(company=company, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Company profile saved."))
        return redirect("company_detail")
    return render(request, "company/edit.html", {"form": form, "company": company})


@login_required
def company_new(request):
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        company, consultant = company_open(owner=request.user, **form.cleaned_data)
        request.session[SESSION_KEY] = company.pk
        messages.success(request, _("%(company)s is ready.") % {"company": company})
        messages.info(request, who_reviews(consultant))
        return redirect("dashboard")
    return render(request, "company/new.html", {"form": form})


@login_required
@require_POST
def company_switch(request):
    try:
        company_id = int(request.POST.get("company", ""))
    except ValueError:
        raise Http404 from None
    if not 0 < company_id < 2**63:
        raise Http404
    membership = switch_company(request, company_id)
    if membership is None:
        raise Http404
    messages.info(
        request, _("You are now working in %(company)s.") % {"company": membership.company}
    )
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "dashboard"
    return redirect(target)
