from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from onestop.forms import StaffSignInForm
from onestop.views import (
    accounts,
    company,
    consultant,
    errors,
    health,
    members,
    notifications,
    partner,
    portal,
    programmes,
)

auth_patterns = [
    path("login/", accounts.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", accounts.signup, name="signup"),
    path("password-reset/", accounts.PasswordResetRequestView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

portal_patterns = [
    path("", portal.home, name="home"),
    path("dashboard/", portal.dashboard, name="dashboard"),
    path("company/", company.company_detail, name="company_detail"),
    path("company/edit/", company.company_edit, name="company_edit"),
    path("company/new/", company.company_new, name="company_new"),
    path("company/switch/", company.company_switch, name="company_switch"),
    path("company/members/", members.members, name="members"),
    path("company/members/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path(
        "company/invitations/<int:pk>/cancel/", members.invitation_cancel, name="invitation_cancel"
    ),
    path("invitations/<str:token>/", members.invitation_accept_view, name="invitation_accept"),
    path("consultant/", consultant.consultant_companies, name="consultant_companies"),
    path(
        "consultant/companies/<int:pk>/",
        consultant.consultant_company_detail,
        name="consultant_company_detail",
    ),
    path(
        "consultant/companies/<int:pk>/assign/",
        consultant.consultant_assign_view,
        name="consultant_assign",
    ),
    path("programmes/<int:pk>/apply/", programmes.application_new, name="application_new"),
    path(
        "programmes/applications/<int:pk>/reports/<int:month>/",
        programmes.report_edit,
        name="report_edit",
    ),
    path("notifications/", notifications.inbox, name="inbox"),
    path("notifications/read/", notifications.inbox_read, name="inbox_read"),
    path("notifications/settings/", notifications.inbox_settings, name="inbox_settings"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
    path("partner/", partner.partner_home, name="partner_home"),
    path("partner/keys/new/", partner.partner_key_create, name="partner_key_create"),
    path("partner/keys/<int:pk>/created/", partner.partner_key_created, name="partner_key_created"),
    path("partner/keys/<int:pk>/revoke/", partner.partner_key_revoke, name="partner_key_revoke"),
]

# Staff sign in at /admin/login/: failed attempts are limited as on the portal's sign-in.
admin.site.login_form = StaffSignInForm

urlpatterns = [
    *auth_patterns,
    *portal_patterns,
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("diagnosis.urls")),
    path("", include("deployment.urls")),
    path("", include("deployment.serving.urls")),
    path("", include("deployment.compute.urls")),
    path("", include("deployment.metrics_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("onestop.api.urls", "api"))),
    path("api/v1/", include("diagnosis.api_urls")),
    path("api/v1/", include("deployment.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

handler404 = errors.not_found
handler500 = errors.server_error
