from django.urls import reverse

from tests import factories


def test_the_portfolio_is_paginated(client, world):
    for _ in range(30):
        factories.make_company()
    client.force_login(world.officer)
    first = client.get(reverse("consultant_companies"))
    assert first.context["page"].paginator.count == 32
    assert len(first.context["page"].object_list) == 25
    second = client.get(reverse("consultant_companies"), {"page": 2})
    assert len(second.context["page"].object_list) == 7
    beyond = client.get(reverse("consultant_companies"), {"page": 99})
    assert beyond.context["page"].number == 2  # past the end shows the last page, not an error


def test_the_portfolio_costs_the_same_queries_for_many_companies(
    client, world, django_assert_num_queries
):
    for _ in range(30):
        factories.make_company()
    client.force_login(world.officer)
    # 1 session, 2 user, 3 staff profile, 4 count for the paginator, 5 the layout's current
    # company (none for an officer), 6 the layout's partner link, 7 one page of companies with
    # their member counts, 8 the companies waiting for a consultant, 9 the consultants who could
    # take them, 10 the unread notifications: the same ten for 2 companies or 32.
    with django_assert_num_queries(10):
        client.get(reverse("consultant_companies"))


def test_search_by_registration_number_with_dashes(client, world):
    client.force_login(world.officer)
    number = world.company_b.registration_number
    typed = f"{number[:3]}-{number[3:5]}-{number[5:]}"
    page = client.get(reverse("consultant_companies"), {"q": typed})
    assert [c.name for c in page.context["page"].object_list] == ["비금속"]
