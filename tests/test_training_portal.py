"""Training jobs in the portal: the form on a finished data check, where the job will run said
up front, refusals as messages, the job's page (progress, scores, what happened to its units),
a consultant starting one for the company it advises, and Stop for owners only."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deployment.models import TrainingJob
from deployment.services import allocation
from onestop.models import AuditEntry
from tests import deployment_factories as make
from tests.datacheck_factories import uploaded_check


@pytest.fixture
def member_client(world):
    client = Client()
    client.force_login(world.member_a)
    return client


@pytest.fixture
def consultant_client(world):
    client = Client()
    client.force_login(world.consultant_a)
    return client


@pytest.fixture
def gpu_pool(db):
    return make.pool(
        name="H200 대전", flavor="nvidia-h200", purpose="training", capacity_units=4, local=True
    )


@pytest.fixture
def check(world):
    return uploaded_check(world.company_a, world.owner_a)


def start(client, check, **fields):
    data = {"target": "불량", "family": "forest", "budget_unit_hours": "2", "units": "1"}
    return client.post(reverse("training_new", args=[check.pk]), {**data, **fields})


def test_the_data_check_page_offers_training_and_says_where_it_runs(owner_client, check, gpu_pool):
    page = owner_client.get(reverse("diagnosis:data_check", args=[check.pk])).content.decode()
    assert 'data-testid="training-form"' in page
    assert "H200 대전" in page  # borrowing: the company has no GPU grant
    assert 'value="불량" selected' in page or 'value="불량"' in page


def test_a_member_sees_no_training_form(member_client, check, gpu_pool):
    page = member_client.get(reverse("diagnosis:data_check", args=[check.pk])).content.decode()
    assert 'data-testid="training-form"' not in page


def test_an_owner_starts_a_job_and_follows_it_on_its_page(world, owner_client, check, gpu_pool):
    response = start(owner_client, check)
    job = TrainingJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training_detail", args=[job.pk])
    assert job.requested_by == world.owner_a
    assert job.workload.kind == "training"

    page = owner_client.get(response["Location"]).content.decode()
    assert 'data-testid="job-progress"' in page
    assert 'data-testid="job-stop"' in page
    assert "빌린" in page  # started on borrowed units, said in words
    status = owner_client.get(reverse("training_status", args=[job.pk])).json()
    assert status["steps"] == job.steps
    listing = owner_client.get(reverse("training_list")).content.decode()
    assert reverse("training_detail", args=[job.pk]) in listing


def test_a_refused_request_comes_back_as_a_message(owner_client, check, gpu_pool):
    response = start(owner_client, check, budget_unit_hours="100000")
    assert response["Location"] == reverse("diagnosis:data_check", args=[check.pk])
    page = owner_client.get(response["Location"]).content.decode()
    assert "100000" not in page or "500" in page
    assert not TrainingJob.objects.exists()


def test_without_a_gpu_pool_the_page_says_so(owner_client, check):
    page = owner_client.get(reverse("diagnosis:data_check", args=[check.pk])).content.decode()
    assert 'data-testid="training-submit" disabled' in page
    response = start(owner_client, check)
    assert response.status_code == 302
    assert not TrainingJob.objects.exists()


def test_only_an_owner_stops_a_job(world, owner_client, member_client, check, gpu_pool):
    start(owner_client, check)
    job = TrainingJob.objects.get()
    assert member_client.post(reverse("training_stop", args=[job.pk])).status_code == 403
    owner_client.post(reverse("training_stop", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "stopped"
    page = owner_client.get(reverse("training_detail", args=[job.pk])).content.decode()
    assert 'data-testid="job-error"' in page
    assert world.owner_a.full_name in page


def test_a_consultant_starts_a_job_for_its_company_audited_as_its_own(
    world, consultant_client, check, gpu_pool
):
    now = timezone.now()
    allocation.grant_create(
        company=world.company_a,
        pool=gpu_pool,
        guarantee_units=1,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    response = consultant_client.post(
        reverse("consultant_training_new", args=[check.pk]),
        {"target": "불량", "family": "trees", "budget_unit_hours": "1", "units": "1"},
    )
    job = TrainingJob.objects.get()
    assert response["Location"] == reverse("consultant_training_detail", args=[job.pk])
    assert job.requested_by == world.consultant_a
    entry = AuditEntry.objects.get(action="training.start")
    assert entry.actor == world.consultant_a
    assert entry.company == world.company_a
    page = consultant_client.get(response["Location"]).content.decode()
    assert world.company_a.name in page
    assert 'data-testid="job-stop"' not in page
