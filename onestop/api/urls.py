from django.urls import path

from onestop.api import views

urlpatterns = [
    path("me", views.MeApi.as_view(), name="me"),
    path("partner", views.PartnerApi.as_view(), name="partner"),
    path("partner/keys", views.PartnerKeyListApi.as_view(), name="partner_keys"),
    path(
        "partner/keys/<str:public_id>/revoke",
        views.PartnerKeyRevokeApi.as_view(),
        name="partner_key_revoke",
    ),
]
