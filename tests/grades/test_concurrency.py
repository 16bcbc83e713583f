"""Two people saving the same cell at the same moment: exactly one wins, the other is told, and no
value is silently overwritten (performance-and-reliability.md §5.3, G4). Real transactions and
threads, each with its own database connection."""

import threading
import time

import pytest
from django.db import OperationalError, connection

from grades import services
from grades.models import ScoreCell
from tests.factories import make_world
from tests.grades.conftest import build_grid

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 12


def _race(grid, enrolment_id: int, column: str, values: tuple[str, str], version: int) -> list:
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def save(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for _attempt in range(500):
                try:
                    outcomes[index] = services.score_record(
                        actor=grid.teacher,
                        class_subject=grid.class_subject,
                        enrolment_id=enrolment_id,
                        term_id=grid.term1.pk,
                        column=column,
                        text=values[index],
                        version=version,
                    )
                    break
                except OperationalError as exc:
                    # The in-memory SQLite test database answers a held write lock with "table is
                    # locked" at once, where the file database waits (its busy timeout): wait here.
                    if connection.vendor != "sqlite" or "locked" not in str(exc):
                        raise
                    time.sleep(0.005)
        except services.ConflictError as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_concurrent_saves_of_one_cell_never_overwrite_silently():
    grid = build_grid(make_world(classes=1, students_per_class=ROUNDS, subjects=1))
    for round_number, enrolment in enumerate(grid.enrolments):
        column = "regular_1"
        # First race: both create the cell (version 0). Second race: both change it (version 1).
        for version in (0, 1):
            values = (f"{round_number % 10},{version}", f"{(round_number + 3) % 10},{version + 5}")
            outcomes = _race(grid, enrolment.pk, column, values, version)
            wins = [o for o in outcomes if isinstance(o, services.Written)]
            losses = [o for o in outcomes if isinstance(o, services.ConflictError)]
            assert len(wins) == 1 and len(losses) == 1, outcomes
            cell = ScoreCell.objects.get(enrolment=enrolment, column=column)
            # The stored value is the winner's, and the loser was shown exactly that value.
            assert cell.display == wins[0].display and cell.version == version + 1
            assert losses[0].conflicts[0].theirs == cell.display
    assert ScoreCell.history.count() == 2 * ROUNDS
