from celery import shared_task

from onestop.services import idempotency


@shared_task
def ping(value):
    """Echo a value back: lets operators and tests prove that a worker consumes the broker."""
    return {"pong": value}


@shared_task
def purge_idempotency_records():
    return idempotency.idempotency_purge_expired()
