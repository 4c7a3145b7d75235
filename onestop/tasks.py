from celery import shared_task

from onestop.services import idempotency

# Both tasks are safe to run twice, so a redelivery after a lost worker does no harm.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**IDEMPOTENT)
def ping(value):
    """Echo a value back: lets operators and tests prove that a worker consumes the broker."""
    return {"pong": value}


@shared_task(**IDEMPOTENT)
def purge_idempotency_records():
    return idempotency.idempotency_purge_expired()
