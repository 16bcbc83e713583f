import os

import pytest

# Playwright runs an event loop even in its sync API; Django refuses ORM calls while one runs.
# Test-only (playwright-pytest #29).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _eager_tasks_unless_worker(request, settings):
    """Tasks run in-process in every test except those that bring a real worker."""
    from gradebook.celery import app

    eager = "celery_worker" not in request.fixturenames
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def world(db):
    from tests.factories import make_world

    return make_world(classes=1, students_per_class=5, subjects=2)
