"""People and skills in the portal: the company's staff with their levels, the self-check, the
learning path with its enrol buttons, the course catalog, enrolments with completion and
certificates; and the consultant's read-only view of an assigned company's people.

A company's people see only its own staff (another company's answer 404); consultants see
their assigned companies', officers every company's."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from diagnosis.models import Enrolment, SkillRole, StaffMember
from diagnosis.skills import catalog, levels
from diagnosis.skills.certificates import certificate_attach, certificate_path, content_type
from diagnosis.skills.enrolment import enrolment_cancel, enrolment_complete, enrolment_create
from diagnosis.skills.forms import (
    CertificateForm,
    CompleteForm,
    EnrolForm,
    SelfCheckForm,
    StaffMemberForm,
)
from diagnosis.skills.path import learning_path
from diagnosis.skills.people import self_check_save, staff_member_add, staff_member_remove
from diagnosis.skills.roles import ROLES
from onestop.pagination import page_of
from onestop.roles import companies_seen_by
from onestop.uploads import limit_uploads
from onestop.views.access import (
    company_member_required,
    company_owner_required,
    staff_desk_required,
)

PAGE_SIZE = 25
RECENT_ENROLMENTS = 20


def company_member(request, pk):
    return get_object_or_404(StaffMember.objects.for_company(request.current.company), pk=pk)


def company_enrolment(request, pk):
    return get_object_or_404(
        Enrolment.objects.for_company(request.current.company).select_related(
            "staff_member", "course"
        ),
        pk=pk,
    )


def people_context(request, company):
    """The page of the company's staff with each person's levels."""
    page = page_of(
        request, StaffMember.objects.for_company(company).order_by("name", "pk"), PAGE_SIZE
    )
    return {"page": page, "profiles": levels.profiles(page.object_list), "roles": ROLES.values()}


@company_member_required
def people(request):
    company = request.current.company
    form = StaffMemberForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            member = staff_member_add(
                company=company,
                user=request.user,
                name=form.cleaned_data["name"],
                job_title=form.cleaned_data["job_title"],
                login=form.cleaned_data["login"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request,
                _("%(name)s is on the list. Take the self-check to set their levels.")
                % {"name": member.name},
            )
            return redirect("diagnosis:self_check", pk=member.pk)
    return render(request, "skills/people.html", {**people_context(request, company), "form": form})


@company_member_required
def self_check(request, pk):
    member = company_member(request, pk)
    latest = member.self_checks.first()
    form = SelfCheckForm(request.POST or None, initial_answers=latest.answers if latest else None)
    if request.method == "POST" and form.is_valid():
        self_check_save(member=member, answers=form.cleaned_data, user=request.user)
        messages.success(request, _("%(name)s's levels are updated.") % {"name": member.name})
        return redirect("diagnosis:people")
    (profile,) = levels.profiles([member])
    return render(
        request,
        "skills/self_check.html",
        {"member": member, "form": form, "latest": latest, "profile": profile},
    )


@company_owner_required
@require_POST
def staff_remove(request, pk):
    member = company_member(request, pk)
    staff_member_remove(member=member, user=request.user)
    messages.success(request, _("%(name)s is removed from the list.") % {"name": member.name})
    return redirect("diagnosis:people")


@company_member_required
def path_page(request):
    path = learning_path(request.current.company)
    return render(request, "skills/path.html", {"path": path, "staff": path.people})


@company_member_required
def courses(request):
    role = request.GET.get("role", "")
    offered = catalog.offered_courses()
    if role in SkillRole.values:
        offered = [course for course in offered if course.builds(role)]
    else:
        role = ""
    return render(
        request,
        "skills/courses.html",
        {
            "page": page_of(request, offered, PAGE_SIZE),
            "role": role,
            "role_choices": SkillRole.choices,
            "staff": list(
                StaffMember.objects.for_company(request.current.company).order_by("name", "pk")
            ),
        },
    )


@company_member_required
@require_POST
def enrol(request):
    """Enrol one of the company's people (``staff_member``) in an offered ``course``."""
    try:
        member_pk = int(request.POST.get("staff_member", ""))
    except ValueError:
        member_pk = None
    if member_pk is None:
        messages.error(request, _("Choose the person to enrol."))
        return redirect(_back(request))
    member = company_member(request, member_pk)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_back(request))
    course = form.cleaned_data["course"]
    try:
        enrolment_create(
            member=member, course=course, user=request.user, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(_back(request))
    messages.success(
        request,
        _("%(name)s is enrolled in “%(course)s”.") % {"name": member.name, "course": course},
    )
    return redirect("diagnosis:enrolments")


def _back(request):
    return "diagnosis:courses" if request.POST.get("from") == "courses" else "diagnosis:path"


def _first_error(form):
    return next(iter(form.errors.values()))[0]


@company_member_required
def enrolments(request):
    queryset = Enrolment.objects.for_company(request.current.company).select_related(
        "staff_member", "course"
    )
    return render(
        request,
        "skills/enrolments.html",
        {
            "page": page_of(request, queryset, PAGE_SIZE),
            "today": timezone.localdate(),
            "max_certificate": filesizeformat(settings.ONESTOP_CERTIFICATE_MAX_BYTES),
        },
    )


@company_member_required
@require_POST
def enrolment_complete_view(request, pk):
    enrolment = company_enrolment(request, pk)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("diagnosis:enrolments")
    try:
        enrolment_complete(
            enrolment=enrolment, completed_on=form.cleaned_data["completed_on"], user=request.user
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("%(name)s completed “%(course)s”.")
            % {"name": enrolment.staff_member.name, "course": enrolment.course},
        )
    return redirect("diagnosis:enrolments")


@company_member_required
@require_POST
def enrolment_cancel_view(request, pk):
    enrolment = company_enrolment(request, pk)
    try:
        enrolment_cancel(enrolment=enrolment, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The enrolment is cancelled."))
    return redirect("diagnosis:enrolments")


@csrf_exempt  # the size limit must be installed before the CSRF check reads the body
@company_member_required
@require_POST
def certificate_upload(request, pk):
    handler = limit_uploads(request, settings.ONESTOP_CERTIFICATE_MAX_BYTES)
    return _certificate_upload(request, pk, handler)


@csrf_protect
def _certificate_upload(request, pk, handler):
    enrolment = company_enrolment(request, pk)
    form = CertificateForm(request.POST, request.FILES)
    if handler.too_large:
        error = _("The certificate is too large: at most %(limit)s.") % {
            "limit": filesizeformat(handler.limit)
        }
    elif len(request.FILES.getlist("file")) > 1:
        error = _("Upload one certificate at a time.")
    elif not form.is_valid():
        error = _first_error(form)
    else:
        try:
            certificate_attach(
                enrolment=enrolment, upload=form.cleaned_data["file"], user=request.user
            )
        except ValidationError as exc:
            error = exc.messages[0]
        except Enrolment.DoesNotExist:  # the person was removed while the file came in
            error = _("This enrolment no longer exists.")
        else:
            error = None
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The certificate is saved."))
    return redirect("diagnosis:enrolments")


@company_member_required
def certificate(request, pk):
    return certificate_response(company_enrolment(request, pk))


def certificate_response(enrolment):
    """The certificate as a download of the type its content showed, or 404."""
    path = certificate_path(enrolment)
    if path is None or not path.is_file():
        raise Http404("No certificate.")
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=f"certificate-{enrolment.pk}.{enrolment.certificate_type}",
        content_type=content_type(enrolment),
    )
    # Never rendered as a page of the portal, whatever a crafted file holds.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@staff_desk_required
def consultant_people(request, pk):
    """An assigned company's people, levels, learning path and latest enrolments, read-only."""
    company = get_object_or_404(companies_seen_by(request.user), pk=pk)
    recent = Enrolment.objects.for_company(company).select_related("staff_member", "course")
    return render(
        request,
        "skills/consultant_people.html",
        {
            **people_context(request, company),
            "company": company,
            "path": learning_path(company),
            "enrolments": recent[:RECENT_ENROLMENTS],
            "enrolment_count": recent.count(),
        },
    )


@staff_desk_required
def consultant_certificate(request, pk):
    enrolment = get_object_or_404(
        Enrolment.objects.visible_to_staff(request.user).select_related("staff_member"), pk=pk
    )
    return certificate_response(enrolment)
