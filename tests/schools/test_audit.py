"""The tamper-evident audit trail (goal G6): the history sealed into a hash chain, sealing
incremental and reproducible, ``verify_audit_chain`` naming every row changed, removed or slipped
in after sealing, and, on PostgreSQL, history tables that refuse UPDATE and DELETE.

The tampering is done the way an intruder would, with raw SQL; on PostgreSQL the test first
disables the append-only trigger inside its own transaction (rolled back with the test)."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction

from schools import audit
from schools.models import AuditSeal, Student
from schools.tasks import seal_audit_chain as seal_task
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def _history_count() -> int:
    return sum(m._default_manager.count() for m in audit.historical_models())


def _sql(sql: str, params=(), *, table: str) -> None:
    """Raw SQL around the guard, as a database owner could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a superuser's way around triggers, for this transaction
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _student_history():
    model = Student.history.model
    return model, model._meta.db_table


def _verify(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit_chain", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _verify_fails(*args) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError, match="KHÔNG toàn vẹn"):
        call_command("verify_audit_chain", *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


@pytest.fixture
def sealed(db):
    world = make_world(classes=1, students_per_class=4, subjects=2)
    seals = audit.seal_audit_chain()
    return world, seals


def test_the_models_sealed_are_every_history_model_of_every_app():
    labels = {m._meta.label_lower for m in audit.historical_models()}
    apps = {label.split(".")[0] for label in labels}
    assert {"schools", "accounts", "attendance", "grades", "corrections", "printing", "exports"} <= apps
    assert "grades.historicalscorecell" in labels and "accounts.historicaluser" in labels
    assert all(label.split(".")[1].startswith("historical") for label in labels)


def test_history_rows_point_at_live_rows_without_cascades():
    """Deleting a student, a class or a score never reaches its history rows: their links are plain
    columns. Only the acting user is a real key (SET NULL), so a user with history cannot be deleted
    once the history is append-only; accounts are deactivated, never deleted."""
    for model in audit.historical_models():
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.ForeignKey):
                continue
            if f.name == "history_user":
                assert f.remote_field.on_delete is models.SET_NULL
            else:
                assert (f.db_constraint, f.remote_field.on_delete) == (False, models.DO_NOTHING), f"{model} {f}"


def test_sealing_covers_every_history_row_in_one_chain(sealed):
    _world, seals = sealed
    assert sum(s.count for s in seals) == _history_count() > 30
    assert [s.seq for s in seals] == list(range(1, len(seals) + 1))
    assert seals[0].prev_digest == audit.GENESIS
    assert all(b.prev_digest == a.digest for a, b in itertools.pairwise(seals))
    # In the fixed order of the tables, each table once.
    assert [s.model_label for s in seals] == sorted({s.model_label for s in seals})


def test_sealing_is_incremental(sealed):
    world, seals = sealed
    assert audit.seal_audit_chain() == []
    student = Student.objects.first()
    student.place_of_birth = "Hải Phòng"
    student._history_user = world.users["homeroom"]
    student.save()
    (seal,) = audit.seal_audit_chain()
    model, _ = _student_history()
    newest = model.objects.order_by("-history_id").first()
    assert (seal.model_label, seal.count, seal.last_history_id) == ("schools.historicalstudent", 1, newest.history_id)
    assert seal.seq == seals[-1].seq + 1 and seal.prev_digest == seals[-1].digest
    before = AuditSeal.objects.filter(model_label="schools.historicalstudent").exclude(pk=seal.pk).latest("seq")
    assert seal.after_history_id == before.last_history_id
    assert audit.verify_audit_chain().ok


def test_sealing_is_deterministic(sealed):
    """The digest depends only on the rows and the seal's own header: recomputed, it is the same,
    and the same values give the same row hash whatever time zone or decimal object carries them."""
    _world, seals = sealed
    for seal in seals:
        model = next(m for m in audit.historical_models() if m._meta.label_lower == seal.model_label)
        rows = list(audit._hashed_rows(model, seal.fields, after=seal.after_history_id, last=seal.last_history_id))
        again = audit._digest(
            seq=seal.seq,
            label=seal.model_label,
            after=seal.after_history_id,
            last=seal.last_history_id,
            count=seal.count,
            columns=seal.fields,
            sealed_at=seal.sealed_at,
            prev=seal.prev_digest,
            rows=rows,
        )
        assert again == seal.digest
    moment = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    hanoi = moment.astimezone(timezone(timedelta(hours=7)))
    assert audit.row_hash([1, moment, Decimal("8.5"), None, {"b": 1, "a": 2}]) == audit.row_hash(
        [1, hanoi, Decimal("8.5"), None, {"a": 2, "b": 1}]
    )
    assert audit.row_hash([1, "8,5"]) != audit.row_hash([1, "8,6"])


def test_small_segments_chain_the_same_rows(db):
    make_world(classes=1, students_per_class=3, subjects=1)
    seals = audit.seal_audit_chain(limit=3)
    assert max(s.count for s in seals) == 3 and sum(s.count for s in seals) == _history_count()
    assert audit.verify_audit_chain().ok


def test_the_task_seals_too(db):
    make_world(classes=1, students_per_class=2, subjects=1)
    assert seal_task.delay().get() > 0
    assert AuditSeal.objects.exists() and not audit.verify_audit_chain().unsealed


def test_an_untouched_chain_verifies(sealed):
    _world, seals = sealed
    head = audit.chain_head()
    out, err = _verify("--head", f"#{head.seq} {head.digest[:16]}")
    assert err == ""
    assert "Nhật kí thay đổi toàn vẹn" in out and f"{len(seals)} dấu" in out
    assert f"#{head.seq} {head.digest[:16]}" in out


def test_unsealed_rows_are_counted_not_flagged(sealed):
    Student.objects.first().save()
    report = audit.verify_audit_chain()
    assert report.ok and report.unsealed == {"schools.historicalstudent": 1}


def test_a_modified_row_is_named(sealed):
    model, table = _student_history()
    row = model.objects.order_by("history_id")[1]
    _sql(f"UPDATE {table} SET family_name = %s WHERE history_id = %s", ["Giả mạo", row.history_id], table=table)  # noqa: S608
    err = _verify_fails()
    assert f"schools.historicalstudent history_id={row.history_id}: dòng nhật kí đã bị sửa sau khi niêm phong" in err
    assert err.count("\n") == 1  # that row and nothing else


def test_a_modified_date_is_caught_too(sealed):
    model, table = _student_history()
    row = model.objects.order_by("history_id").first()
    _sql(
        f"UPDATE {table} SET history_date = %s WHERE history_id = %s",  # noqa: S608
        [row.history_date - timedelta(days=3), row.history_id],
        table=table,
    )
    assert f"history_id={row.history_id}: dòng nhật kí đã bị sửa" in _verify_fails()


def test_a_deleted_row_is_named(sealed):
    model, table = _student_history()
    row = model.objects.order_by("-history_id").first()
    _sql(f"DELETE FROM {table} WHERE history_id = %s", [row.history_id], table=table)  # noqa: S608
    err = _verify_fails()
    assert f"schools.historicalstudent history_id={row.history_id}: dòng nhật kí đã bị xóa sau khi niêm phong" in err


def test_a_row_slipped_into_a_sealed_range_is_named(db):
    make_world(classes=1, students_per_class=3, subjects=1)
    model, table = _student_history()
    gap = model.objects.order_by("history_id")[1]
    values = model.objects.filter(pk=gap.pk).values()[0]
    # A row missing when the chain was sealed (as if its transaction had not committed yet) ...
    _sql(f"DELETE FROM {table} WHERE history_id = %s", [gap.history_id], table=table)  # noqa: S608
    audit.seal_audit_chain()
    assert audit.verify_audit_chain().ok
    # ... and put back later, below the sealed end of the table.
    model.objects.create(**{**values, "place_of_birth": "Thêm sau"})
    err = _verify_fails()
    assert f"history_id={gap.history_id}: dòng nhật kí được chèn thêm sau khi niêm phong" in err


def test_a_changed_seal_breaks_the_chain(sealed):
    _world, seals = sealed
    table = AuditSeal._meta.db_table
    middle = seals[len(seals) // 2]
    _sql(f"UPDATE {table} SET digest = %s WHERE seq = %s", ["f" * 64, middle.seq], table=table)  # noqa: S608
    err = _verify_fails()
    assert f"Dấu #{middle.seq + 1} không nối với dấu trước nó" in err


def test_seals_removed_from_the_end_are_caught_by_the_printed_head(sealed):
    _world, seals = sealed
    head = seals[-1]
    table = AuditSeal._meta.db_table
    _sql(f"DELETE FROM {table} WHERE seq = %s", [head.seq], table=table)  # noqa: S608
    # The chain that is left is consistent in itself; the head on paper is not in it any more.
    assert audit.verify_audit_chain().problems == []
    err = _verify_fails("--head", f"#{head.seq} {head.digest[:16]}")
    assert f"Dấu #{head.seq} in trên sổ không còn trong chuỗi" in err
    assert "Không đọc được dấu kiểm" in _verify_fails("--head", "mười hai")


def test_the_seal_command_reports_the_head(db):
    make_world(classes=1, students_per_class=2, subjects=1)
    out = io.StringIO()
    call_command("seal_audit_chain", stdout=out)
    head = audit.chain_head()
    assert f"Dấu kiểm toàn vẹn nhật kí: #{head.seq} {head.digest[:16]}" in out.getvalue()
    assert audit.head_text(None) == "chưa niêm phong"


# --- PostgreSQL: the database refuses the change -------------------------------------------------


def _postgres():
    if connection.vendor != "postgresql":
        pytest.fail("the append-only trigger exists on PostgreSQL: run this through `make test-services`.")


@pytest.mark.services
def test_every_history_table_and_the_chain_carry_the_trigger(db):
    _postgres()
    assert set(audit.protected_tables()) <= audit.guarded_tables()
    assert len(audit.protected_tables()) == len(audit.historical_models()) + 1


@pytest.mark.services
@pytest.mark.parametrize("statement", ["UPDATE {t} SET family_name = 'X'", "DELETE FROM {t}"])
def test_update_and_delete_on_history_fail(sealed, statement):
    _postgres()
    _model, table = _student_history()
    with pytest.raises(DatabaseError, match="chỉ được ghi thêm"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(t=connection.ops.quote_name(table)))
    with pytest.raises(DatabaseError, match="chỉ được ghi thêm"), transaction.atomic():
        AuditSeal.objects.filter(seq=1).delete()
    assert audit.verify_audit_chain().ok
