from django.urls import reverse


def test_the_dashboard_shows_the_journey_with_empty_states(owner_client, world):
    page = owner_client.get(reverse("dashboard")).content.decode()
    for step in ("diagnose", "match", "apply", "deploy", "evaluate"):
        assert f'data-step="{step}"' in page
    assert page.index('data-step="diagnose"') < page.index('data-step="deploy"')
    assert "아직 진단" in page  # the diagnosis step's empty state, in Korean
    assert 'data-testid="step-diagnose"' in page  # and its button: the step is live


def test_the_dashboard_is_in_english_after_switching_language(owner_client, world):
    owner_client.post(reverse("set_language"), {"language": "en", "next": "/dashboard/"})
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert "Your journey" in page
    assert 'lang="en"' in page


def test_consultants_land_on_their_portfolio(client, world):
    client.force_login(world.consultant_a)
    response = client.get(reverse("home"), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("consultant_companies")
    assert "에이정밀" in page
    assert "비금속" not in page


def test_officers_see_every_company_and_can_search(client, world):
    client.force_login(world.officer)
    page = client.get(reverse("consultant_companies")).content.decode()
    assert "에이정밀" in page
    assert "비금속" in page
    found = client.get(reverse("consultant_companies"), {"q": "비금"}).content.decode()
    assert "비금속" in found
    assert "에이정밀" not in found


def test_the_dashboard_query_count_is_pinned(owner_client, world, django_assert_num_queries):
    owner_client.get(reverse("dashboard"))  # the first visit stores the current company
    # 1 session, 2 user, 3 current membership with its company, 4 the diagnosis step's latest
    # assessment, 5 its quick start (there is no assessment), 6 the matching step's chosen
    # match, 7 its data check (none chosen yet), 8–9 the apply step's grant and application,
    # 10 the deploy step's endpoints, 11 the evaluate step's approved applications, 12 team
    # size, 13 open invitations, 14 the layout's partner link, 15 the company switcher's
    # other companies, 16 the unread notifications.
    with django_assert_num_queries(16):
        owner_client.get(reverse("dashboard"))


def test_a_consultant_reaches_the_report_from_the_company_page(client, world):
    from tests.diagnosis_factories import submitted_assessment

    assessment = submitted_assessment(world.company_a, world.owner_a, seed=1)
    client.force_login(world.consultant_a)
    page = client.get(reverse("consultant_company_detail", args=[world.company_a.pk]))
    assert reverse("diagnosis:consultant_report", args=[assessment.pk]) in page.content.decode()
