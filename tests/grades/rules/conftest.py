import pytest


@pytest.fixture(autouse=True)
def _eager_tasks_unless_worker():
    """The rules engine is pure Python and needs neither Celery nor the settings fixture:
    overrides the project-wide autouse fixture of tests/conftest.py for these tests only."""
    yield
