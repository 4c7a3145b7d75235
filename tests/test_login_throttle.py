"""Guessing passwords: failed sign-ins are limited per account and per client address, with a
clear message; the right password works again once the window has passed. Password reset mail
is limited per e-mail address and per client address."""

import time

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import factories
from tests.factories import PASSWORD

LIMITED = "Too many failed sign-ins for this account or from this network"


@pytest.fixture
def person(db):
    return factories.make_user("plant@factory.example")


def sign_in(client, email, password, address="127.0.0.1", path=None):
    return client.post(
        path or reverse("login"),
        {"username": email, "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
        REMOTE_ADDR=address,
    )


def test_after_five_wrong_passwords_even_the_right_one_waits_for_the_window(
    client, person, settings
):
    settings.ONESTOP_SIGNIN_WINDOW_SECONDS = 1
    for _ in range(5):
        response = sign_in(client, person.email, "wrong-guess")
        assert response.status_code == 200
        assert LIMITED not in response.content.decode()
    refused = sign_in(client, person.email, PASSWORD)
    assert refused.status_code == 429
    assert LIMITED in refused.content.decode()
    assert "Wait 1 minute and try again" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    time.sleep(1.2)  # the window (shrunk to a second here) passes
    assert sign_in(client, person.email, PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session


def test_the_limit_is_per_account_other_people_sign_in_meanwhile(client, person):
    other = factories.make_user("other@factory.example")
    for _ in range(5):
        sign_in(client, person.email, "wrong-guess")
    assert sign_in(client, person.email, PASSWORD).status_code == 429
    assert sign_in(client, other.email, PASSWORD).status_code == 302


def test_the_account_limit_ignores_the_case_of_the_address(client, person):
    for _ in range(5):
        sign_in(client, person.email.upper(), "wrong-guess")
    assert sign_in(client, person.email, PASSWORD).status_code == 429


def test_a_successful_sign_in_clears_the_accounts_failures(client, person):
    for _ in range(4):
        sign_in(client, person.email, "wrong-guess")
    assert sign_in(client, person.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, person.email, "wrong-guess").status_code == 200
    assert sign_in(client, person.email, PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_stopped_after_twenty_failures(client, person):
    for n in range(20):
        sign_in(client, f"guess{n}@factory.example", "wrong-guess", address="203.0.113.9")
    refused = sign_in(client, person.email, PASSWORD, address="203.0.113.9")
    assert refused.status_code == 429
    assert LIMITED in refused.content.decode()
    # The same person from another network is not held back by that address's failures.
    assert sign_in(client, person.email, PASSWORD, address="198.51.100.4").status_code == 302


def test_the_staff_sign_in_is_limited_too(client, db):
    staff = factories.make_user("desk@onestop.example", staff=True)
    path = reverse("admin:login")
    for _ in range(5):
        assert sign_in(client, staff.email, "wrong-guess", path=path).status_code == 200
    refused = sign_in(client, staff.email, PASSWORD, path=path)
    assert LIMITED in refused.content.decode()
    assert "_auth_user_id" not in client.session


def request_reset(client, email, address="127.0.0.1"):
    return client.post(
        reverse("password_reset"),
        {"email": email},
        HTTP_ACCEPT_LANGUAGE="en",
        REMOTE_ADDR=address,
    )


def test_reset_mail_is_limited_per_email_address(client, person):
    for _ in range(3):
        assert request_reset(client, person.email).status_code == 302
    assert len(mail.outbox) == 3
    refused = request_reset(client, person.email)
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()
    assert len(mail.outbox) == 3
    # Another person's reset still goes out.
    other = factories.make_user("other@factory.example")
    assert request_reset(client, other.email).status_code == 302
    assert len(mail.outbox) == 4


def test_reset_requests_are_limited_per_client_address(client, person):
    for n in range(10):
        request_reset(client, f"someone{n}@factory.example", address="203.0.113.9")
    assert request_reset(client, person.email, address="203.0.113.9").status_code == 429
    assert mail.outbox == []
    assert request_reset(client, person.email, address="198.51.100.4").status_code == 302
    assert len(mail.outbox) == 1


def test_setting_a_new_password_lets_the_owner_in_despite_someone_elses_guesses(client, person):
    """Anyone can spend an account's attempts; the owner who proves the mailbox is theirs with a
    reset link signs in at once, as the limit message advises."""
    for _ in range(5):
        sign_in(client, person.email, "wrong-guess", address="198.51.100.7")
    assert LIMITED in sign_in(client, person.email, PASSWORD).content.decode()

    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    form = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    new_password = "a-fresh-passphrase-2026"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert sign_in(client, person.email, new_password).status_code == 302
    assert "_auth_user_id" in client.session
