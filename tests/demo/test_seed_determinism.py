"""Two loads of the demo school on an empty database give the very same people."""

import pytest
from django.db import transaction

from demo.loader import seed_demo
from tests.demo.test_seed import snapshot

pytestmark = pytest.mark.django_db


def test_seed_is_deterministic():
    snapshots = []
    for _ in range(2):
        with transaction.atomic():
            assert seed_demo().created
            snapshots.append(snapshot())
            transaction.set_rollback(True)
    assert len(snapshots[0]) > 500
    assert snapshots[0] == snapshots[1]
