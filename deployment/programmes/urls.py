from django.urls import path

import deployment.programmes.converters  # noqa: F401 - registers <month:…>
from deployment.programmes import review, statement_views, views, voucher_views

urlpatterns = [
    path("programmes/", views.programmes, name="programmes"),
    path("grants/<int:pk>/exemption/", views.grant_exemption, name="grant_exemption"),
    path(
        "consultant/applications/", review.consultant_applications, name="consultant_applications"
    ),
    path(
        "consultant/applications/<int:pk>/",
        review.consultant_application,
        name="consultant_application",
    ),
    path(
        "consultant/applications/<int:pk>/vouchers/",
        review.application_voucher_issue,
        name="application_voucher_issue",
    ),
    path("consultant/reports/<int:pk>/evaluate/", review.report_evaluation, name="report_evaluate"),
    path("consultant/extensions/", review.extensions, name="consultant_extensions"),
    path(
        "consultant/applications/<int:pk>/extend/",
        review.extension_decide,
        name="extension_decide",
    ),
    # Vouchers: the company's owners.
    path("vouchers/", voucher_views.vouchers_page, name="vouchers"),
    path("vouchers/models/", voucher_views.voucher_models, name="voucher_models"),
    path("vouchers/models/<int:pk>/licence/", voucher_views.licence_start, name="licence_start"),
    path("vouchers/licences/<int:pk>/end/", voucher_views.licence_end, name="licence_end"),
    path("vouchers/quotes/<int:pk>/spend/", voucher_views.quote_spend, name="quote_spend"),
    path("vouchers/quotes/<int:pk>/decline/", voucher_views.quote_decline, name="quote_decline"),
    # Monthly statements: a page, a CSV and a PDF each, for the company, the partner and the
    # programme.
    path("statements/", statement_views.statements, name="statements"),
    path("statements/<month:month>/", statement_views.statement, name="statement"),
    path(
        "statements/<month:month>.csv",
        statement_views.statement,
        {"fmt": "csv"},
        name="statement_csv",
    ),
    path(
        "statements/<month:month>.pdf",
        statement_views.statement,
        {"fmt": "pdf"},
        name="statement_pdf",
    ),
    path("partner/statements/", statement_views.partner_statements, name="partner_statements"),
    path(
        "partner/statements/<month:month>/",
        statement_views.partner_statement_view,
        name="partner_statement",
    ),
    path(
        "partner/statements/<month:month>.csv",
        statement_views.partner_statement_view,
        {"fmt": "csv"},
        name="partner_statement_csv",
    ),
    path(
        "partner/statements/<month:month>.pdf",
        statement_views.partner_statement_view,
        {"fmt": "pdf"},
        name="partner_statement_pdf",
    ),
    path(
        "consultant/statements/",
        statement_views.programme_statements,
        name="programme_statements",
    ),
    path(
        "consultant/statements/<int:pk>/<month:month>/",
        statement_views.programme_statement_view,
        name="programme_statement",
    ),
    path(
        "consultant/statements/<int:pk>/<month:month>.csv",
        statement_views.programme_statement_view,
        {"fmt": "csv"},
        name="programme_statement_csv",
    ),
    path(
        "consultant/statements/<int:pk>/<month:month>.pdf",
        statement_views.programme_statement_view,
        {"fmt": "pdf"},
        name="programme_statement_pdf",
    ),
]
