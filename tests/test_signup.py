import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from onestop.models import AuditEntry, Company, Membership
from tests import factories

GOOD = {
    "full_name": "김민준",
    "email": "Minjun@Hanbit.example",
    "password1": "steady-lathe-2026",
    "password2": "steady-lathe-2026",
    "name": "한빛정밀",
    "registration_number": "220-81-62517",
    "ksic_division": "29",
    "employee_band": "50-99",
    "region": "gyeongnam",
    "contact_name": "김민준",
    "contact_email": "minjun@hanbit.example",
    "contact_phone": "055-123-4567",
}


@pytest.mark.django_db
def test_sign_up_creates_the_person_the_company_and_an_owner_membership(client):
    response = client.post(reverse("signup"), GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    user = get_user_model().objects.get()
    assert user.email == "minjun@hanbit.example"  # stored in lower case
    company = Company.objects.get()
    assert company.registration_number == "2208162517"
    assert company.ksic_section == "C"
    assert Membership.objects.get().role == Membership.Role.OWNER
    assert AuditEntry.objects.filter(action="company.create", company=company).exists()
    dashboard = client.get(reverse("dashboard"))
    assert "한빛정밀" in dashboard.content.decode()


def _errors(response):
    return response.context["form"].errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"registration_number": "220-81-62518"}, "registration_number", "마지막 자리"),
        ({"registration_number": "12345"}, "registration_number", "10자리"),
        ({"password2": "something-else-1"}, "password2", "일치하지"),
        ({"password1": "1234", "password2": "1234"}, "password1", ""),
        ({"email": "not-an-email"}, "email", ""),
        ({"ksic_division": "99"}, "ksic_division", ""),
        ({"region": "atlantis"}, "region", ""),
        ({"name": ""}, "name", ""),
    ],
)
def test_sign_up_errors_are_shown_on_the_form_and_nothing_is_created(
    client, changes, field, fragment
):
    response = client.post(reverse("signup"), {**GOOD, **changes})
    assert response.status_code == 200
    errors = _errors(response)
    assert field in errors
    assert fragment in " ".join(errors[field])
    assert not get_user_model().objects.exists()
    assert not Company.objects.exists()


@pytest.mark.django_db
def test_sign_up_with_an_existing_email_suggests_signing_in(client):
    factories.make_user("minjun@hanbit.example")
    response = client.post(reverse("signup"), GOOD)
    assert "로그인" in " ".join(_errors(response)["email"])
    assert not Company.objects.exists()


@pytest.mark.django_db
def test_sign_up_with_a_registered_company_number_is_refused(client):
    factories.make_company(registration_number="2208162517")
    response = client.post(reverse("signup"), GOOD)
    assert "registration_number" in _errors(response)
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_sign_up_errors_are_in_english_when_english_is_chosen(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("signup"), {**GOOD, "registration_number": "2208162518"})
    assert "last digit does not match" in " ".join(_errors(response)["registration_number"])
