"""Two fixes of the grade grid: the cell history shows the local time of Vietnam (Asia/Ho_Chi_Minh,
UTC+7) like every other page, and a locked column carries a padlock drawn in CSS, not the 🔒 emoji
(an empty box with the fonts of Chromium and the PDFs here)."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from grades import services
from grades.models import ScoreCell
from schools.models import BookLock
from tests.grades.conftest import grid  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_the_cell_history_is_in_local_time(client, grid, monkeypatch):  # noqa: F811
    # Saved at 23:30 UTC: 06:30 the next morning in Hải Phòng. The history is append-only, so the
    # record is written at that time rather than moved there afterwards.
    saved_at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    monkeypatch.setattr(services, "timezone", SimpleNamespace(now=lambda: saved_at, localdate=timezone.localdate))
    services.score_record(
        actor=grid.teacher,
        class_subject=grid.class_subject,
        enrolment_id=grid.enrolments[0].pk,
        term_id=grid.term1.pk,
        column="regular_1",
        text="8",
        version=0,
        spec=grid.spec,
    )
    monkeypatch.undo()
    assert ScoreCell.history.get().history_date == saved_at
    client.force_login(grid.teacher)
    url = reverse("grades:cell_history", args=[grid.class_subject.pk])
    data = client.get(url, {"hs": grid.enrolments[0].pk, "term": grid.term1.pk, "col": "regular_1"}).json()
    assert [line["at"] for line in data["lines"]] == ["01/12/2026 06:30"]


def test_a_locked_column_shows_a_css_padlock(client, grid):  # noqa: F811
    from tests.grades.test_services import lock

    lock(grid, column="regular_1", scope=BookLock.Scope.COLUMN)
    client.force_login(grid.teacher)
    page = client.get(reverse("grades:grid", args=[grid.class_subject.pk, 1])).content.decode()
    assert 'class="lock lock-mark" role="img" aria-label="Đã khóa"' in page
    assert "🔒" not in page
