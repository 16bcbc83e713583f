import pytest

from corrections import services
from grades.models import ScoreCell
from tests.corrections.conftest import approved

pytestmark = pytest.mark.django_db


def test_smoke(book):
    c = approved(book)
    c = services.correction_confirm(actor=book.teacher, correction=c)
    c = services.correction_confirm(actor=book.admin, correction=c)
    assert c.status == "applied"
    cell = ScoreCell.objects.get(enrolment=book.enrolments[0], column="regular_1")
    assert cell.display == "9,0"
    print(list(cell.history.values_list("history_change_reason", flat=True)))
