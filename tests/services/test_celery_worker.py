"""With the production services: a real Celery worker on Redis runs a task; the health check sees
the broker. Runs under `make test-services` only."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("CELERY_BROKER_URL is not set: run this test through `make test-services`.")
    from celery.contrib.testing.worker import start_worker

    from gradebook.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_a_real_worker_runs_a_task(celery_worker):
    from gradebook.celery import ping

    result = ping.delay()
    assert result.get(timeout=20) == "pong"


def test_health_check_reaches_the_broker(client, celery_worker):
    data = client.get("/healthz").json()
    assert data["checks"]["broker"] == "ok"
    assert data["status"] == "ok"
