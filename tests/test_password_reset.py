import re

from django.core import mail
from django.urls import reverse


def test_a_person_resets_a_forgotten_password_by_email(client, world):
    response = client.post(reverse("password_reset"), {"email": world.owner_a.email})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [world.owner_a.email]
    link = re.search(r"https?://\S+/password-reset/\S+/\S+/", message.body).group(0)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "fresh-coil-spring-7",
            "new_password2": "fresh-coil-spring-7",
        },
    )
    assert done.status_code == 302
    assert client.login(email=world.owner_a.email, password="fresh-coil-spring-7")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, world):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
