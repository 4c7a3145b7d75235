from celery import shared_task
from django.conf import settings

from diagnosis.services import datachecks

# Each job claims its record with a conditional update, so redelivery after a lost worker is
# safe. The work runs in a child process stopped at its own time budget, which fails the job
# with a reason; the task's limits, a little longer, only catch what happens around it.
JOB = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": settings.ONESTOP_DATA_JOB_WALL_SECONDS + 300,
    "time_limit": settings.ONESTOP_DATA_JOB_WALL_SECONDS + 400,
}


@shared_task(**JOB)
def profile_data_check(check_id):
    return datachecks.data_check_profile(check_id)


@shared_task(**JOB)
def run_feasibility_study(study_id):
    return datachecks.study_run(study_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def purge_expired_data_checks():
    from deployment.services.scoring import scoring_jobs_purge_expired

    # Scored files are the company's data too, kept as long as a data check.
    return datachecks.data_checks_purge_expired() + scoring_jobs_purge_expired()


@shared_task(**JOB)
def evaluate_on_company_data(evaluation_id):
    from diagnosis.services import matching

    return matching.evaluation_run(evaluation_id)
