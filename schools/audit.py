"""The tamper-evident audit trail (performance §3, goal G6).

django-simple-history writes the history rows, often in bulk (``bulk_create_with_history``), so no
per-row hook sees them all. Instead ``seal_audit_chain`` appends, table by table, the history rows
not yet sealed to one hash chain of ``AuditSeal`` rows:

* a seal covers the rows of one historical model with ``after_history_id < history_id <=
  last_history_id`` (at most ``SEGMENT`` of them), in ``history_id`` order;
* each row is hashed over a canonical JSON of its columns (the column list is kept in the seal, so a
  column added later does not change old rows' hashes); the seal keeps every row's id and the first
  8 bytes of its hash, which lets ``verify_audit_chain`` name the row that changed;
* the seal's digest is ``sha256(header ‖ prev_digest ‖ (id ‖ row hash)*)``: changing a sealed row
  or a seal breaks every later digest, and the newest one is printed on the books.

Rows are sealed only once no transaction can still add a lower ``history_id`` to the table: on
PostgreSQL the table is locked in SHARE mode (it waits for the writers in flight and holds new ones
for the few milliseconds of one segment); SQLite has a single writer anyway.

On PostgreSQL a trigger makes every history table (and the seals) append-only: UPDATE and DELETE
raise, whoever runs them. It is (re)installed after every ``migrate`` (``SchoolsConfig``), so a
historical model added later gets it too. TRUNCATE is left to the database grants: Django's own
``flush`` (the test runner's) uses it. A superuser can still disable the trigger; the printed chain
head is what catches that.

This module discovers the historical models through the app registry and never imports a higher
app.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from uuid import UUID

from django.apps import apps
from django.db import DatabaseError, connections, models, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.models import HistoricalChanges

from .models import AuditSeal

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
SEGMENT = 5000  # rows per seal: one seal holds its table for tens of milliseconds at most
CHAIN_LOCK = 0x50D1E5  # pg_advisory_xact_lock key: one sealer at a time
LOCK_TIMEOUT = "5s"  # a table busy longer than this is sealed on the next run
TRIGGER = "sodiem_append_only"
TRIGGER_FUNCTION = "sodiem_history_append_only"
_ID = struct.Struct(">q")
_ENTRY = struct.Struct(">q8s")


def historical_models() -> list[type[models.Model]]:
    """Every django-simple-history model of every installed app, in a fixed order."""
    found = [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]
    return sorted(found, key=lambda m: m._meta.label_lower)


def protected_tables() -> list[str]:
    """The append-only tables: the history tables and the chain itself."""
    return [m._meta.db_table for m in historical_models()] + [AuditSeal._meta.db_table]


# --- canonical rows ---------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot seal a {type(value).__name__}")


def row_hash(values: Sequence) -> bytes:
    """SHA-256 of one row's column values as canonical JSON."""
    text = json.dumps(list(values), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode()).digest()


def _columns(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _digest(
    *,
    seq: int,
    label: str,
    after: int,
    last: int,
    count: int,
    columns: Sequence[str],
    sealed_at: datetime,
    prev: str,
    rows: Iterable[tuple[int, bytes]],
) -> str:
    header = [seq, label, after, last, count, list(columns), _plain(sealed_at), prev]
    h = hashlib.sha256(json.dumps(header, separators=(",", ":")).encode())
    for history_id, digest in rows:
        h.update(_ID.pack(history_id))
        h.update(digest)
    return h.hexdigest()


def _hashed_rows(model, columns: Sequence[str], *, after: int, last: int | None = None, limit: int | None = None):
    """(history_id, row hash) of the table's rows after ``after`` (up to ``last``), in id order."""
    qs = model._default_manager.filter(history_id__gt=after)
    if last is not None:
        qs = qs.filter(history_id__lte=last)
    position = list(columns).index("history_id")
    values = qs.order_by("history_id").values_list(*columns)
    if limit is not None:
        values = values[:limit]
    for row in values.iterator(chunk_size=2000):
        yield row[position], row_hash(row)


# --- sealing ----------------------------------------------------------------------------------


def _lock(model) -> bool:
    """Take the chain and hold the table's writers (PostgreSQL); False if the table stays busy."""
    connection = connections[model._default_manager.db]
    if connection.vendor != "postgresql":
        return True
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
        try:
            with transaction.atomic():
                cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        except DatabaseError:
            logger.warning("audit seal: %s is busy, left for the next run", model._meta.label_lower)
            return False
        cursor.execute("SELECT set_config('lock_timeout', '0', true)")
    return True


def _seal_next(model, limit: int) -> AuditSeal | None:
    label = model._meta.label_lower
    with transaction.atomic():
        if not _lock(model):
            return None
        head = AuditSeal.objects.order_by("-seq").only("seq", "digest").first()
        after = AuditSeal.objects.filter(model_label=label).aggregate(last=Max("last_history_id"))["last"] or 0
        columns = _columns(model)
        rows = list(_hashed_rows(model, columns, after=after, limit=limit))
        if not rows:
            return None
        seq = head.seq + 1 if head else 1
        prev = head.digest if head else GENESIS
        sealed_at = timezone.now()
        last = rows[-1][0]
        digest = _digest(
            seq=seq,
            label=label,
            after=after,
            last=last,
            count=len(rows),
            columns=columns,
            sealed_at=sealed_at,
            prev=prev,
            rows=rows,
        )
        return AuditSeal.objects.create(
            seq=seq,
            model_label=label,
            after_history_id=after,
            last_history_id=last,
            count=len(rows),
            fields=columns,
            rows=b"".join(_ENTRY.pack(i, d[:8]) for i, d in rows),
            prev_digest=prev,
            digest=digest,
            sealed_at=sealed_at,
        )


def seal_audit_chain(*, limit: int = SEGMENT) -> list[AuditSeal]:
    """Append the history rows not sealed yet to the chain; return the new seals (maybe none).

    Safe to run at any time and from several processes: each seal is its own short transaction.
    """
    created = []
    sealed = dict(AuditSeal.objects.values_list("model_label").annotate(last=Max("last_history_id")).order_by())
    for model in historical_models():
        # A cheap look first, outside any lock: most tables have nothing new most of the time.
        if not model._default_manager.filter(history_id__gt=sealed.get(model._meta.label_lower, 0)).exists():
            continue
        while (seal := _seal_next(model, limit)) is not None:
            created.append(seal)
            if seal.count < limit:
                break
    return created


def chain_head() -> AuditSeal | None:
    return AuditSeal.objects.order_by("-seq").defer("rows", "fields").first()


def head_text(seal: AuditSeal | None) -> str:
    """The head as printed: sequence number, the digest's first 16 hex digits, local time."""
    if seal is None:
        return "chưa niêm phong"
    return f"#{seal.seq} {seal.digest[:16]} ({timezone.localtime(seal.sealed_at):%H:%M %d/%m/%Y})"


def seal_and_head() -> str:
    """Seal what is pending and return the head to print (the books call this before rendering)."""
    seal_audit_chain()
    return head_text(chain_head())


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    message: str
    seq: int | None = None
    model_label: str = ""
    history_id: int | None = None


@dataclass
class Report:
    seals: int = 0
    rows: int = 0
    unsealed: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    head: AuditSeal | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


HEAD_PATTERN = re.compile(r"^\s*#?(\d+)[\s:]+([0-9a-fA-F]{8,64})")


def _check_rows(seal: AuditSeal, model, report: Report) -> list[tuple[int, bytes]]:
    blob = bytes(seal.rows)
    stored = dict(_ENTRY.iter_unpack(blob)) if len(blob) % _ENTRY.size == 0 else None
    if stored is None or len(stored) != seal.count:
        report.problems.append(
            Problem(
                f"Dấu #{seal.seq} ({seal.model_label}) bị hỏng: danh sách dòng không hợp lệ.",
                seal.seq,
                seal.model_label,
            )
        )
        stored = {}
    actual = list(_hashed_rows(model, seal.fields, after=seal.after_history_id, last=seal.last_history_id))
    seen = set()
    for history_id, digest in actual:
        seen.add(history_id)
        if history_id not in stored:
            message = "dòng nhật kí được chèn thêm sau khi niêm phong"
        elif stored[history_id] != digest[:8]:
            message = "dòng nhật kí đã bị sửa sau khi niêm phong"
        else:
            continue
        report.problems.append(_row_problem(seal, history_id, message))
    for history_id in sorted(set(stored) - seen):
        report.problems.append(_row_problem(seal, history_id, "dòng nhật kí đã bị xóa sau khi niêm phong"))
    return actual


def _row_problem(seal: AuditSeal, history_id: int, what: str) -> Problem:
    return Problem(
        f"{seal.model_label} history_id={history_id}: {what} (dấu #{seal.seq}).",
        seal.seq,
        seal.model_label,
        history_id,
    )


def verify_audit_chain(*, head: str | None = None) -> Report:
    """Recompute every seal from the rows as they are now and list every difference.

    ``head`` is a chain head read off a printed book ("#12 3f2a9c0d1e2b4a5f"): the chain must still
    contain it, which catches seals removed from the end.
    """
    report = Report()
    by_label = {m._meta.label_lower: m for m in historical_models()}
    last_of: dict[str, int] = {}
    prev_digest = GENESIS
    expected_seq = 1
    for seal in AuditSeal.objects.order_by("seq").iterator(chunk_size=200):
        report.seals += 1
        report.head = seal
        label = seal.model_label
        if seal.seq != expected_seq:
            report.problems.append(
                Problem(f"Thiếu dấu #{expected_seq}–#{seal.seq - 1}: chuỗi niêm phong đã bị xóa bớt.", seal.seq)
            )
        if seal.prev_digest != prev_digest:
            report.problems.append(Problem(f"Dấu #{seal.seq} không nối với dấu trước nó: chuỗi bị đứt.", seal.seq))
        if seal.after_history_id != last_of.get(label, 0):
            report.problems.append(
                Problem(f"Dấu #{seal.seq} ({label}) không nối tiếp dấu trước của cùng bảng.", seal.seq, label)
            )
        expected_seq = seal.seq + 1
        prev_digest = seal.digest
        last_of[label] = seal.last_history_id
        model = by_label.get(label)
        missing = set(seal.fields) - set(_columns(model)) if model else set()
        if model is None or missing:
            what = "không còn bảng này" if model is None else f"không còn cột {', '.join(sorted(missing))}"
            report.problems.append(Problem(f"Dấu #{seal.seq} ({label}): {what}, không kiểm được.", seal.seq, label))
            continue
        before = len(report.problems)
        actual = _check_rows(seal, model, report)
        report.rows += len(actual)
        recomputed = _digest(
            seq=seal.seq,
            label=label,
            after=seal.after_history_id,
            last=seal.last_history_id,
            count=seal.count,
            columns=seal.fields,
            sealed_at=seal.sealed_at,
            prev=seal.prev_digest,
            rows=actual,
        )
        if recomputed != seal.digest and len(report.problems) == before:
            report.problems.append(Problem(f"Dấu #{seal.seq} ({label}) đã bị sửa: mã băm không khớp.", seal.seq, label))
    for label, model in by_label.items():
        pending = model._default_manager.filter(history_id__gt=last_of.get(label, 0)).count()
        if pending:
            report.unsealed[label] = pending
    if head:
        _check_head(head, report)
    return report


def _check_head(head: str, report: Report) -> None:
    match = HEAD_PATTERN.match(head)
    if match is None:
        report.problems.append(
            Problem(f"Không đọc được dấu kiểm in trên sổ: {head!r} (dạng đúng: #12 3f2a9c0d1e2b4a5f).")
        )
        return
    seq, prefix = int(match[1]), match[2].lower()
    seal = AuditSeal.objects.filter(seq=seq).only("digest").first()
    if seal is None:
        report.problems.append(
            Problem(f"Dấu #{seq} in trên sổ không còn trong chuỗi: các dấu từ #{seq} đã bị xóa.", seq)
        )
    elif not seal.digest.startswith(prefix):
        report.problems.append(Problem(f"Dấu #{seq} trong chuỗi không khớp với dấu in trên sổ ({prefix}).", seq))


# --- the database guard --------------------------------------------------------------------------


def install_history_guards(*, using: str = "default") -> list[str]:
    """Make every existing history table append-only on PostgreSQL; return the tables guarded.

    Idempotent (CREATE OR REPLACE). On SQLite nothing is installed: Django's ``flush``, which the
    test runner uses between transactional tests, empties tables with DELETE there.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    existing = set(connection.introspection.table_names())
    tables = [t for t in protected_tables() if t in existing]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'Nhật kí thay đổi chỉ được ghi thêm: không được % dòng của bảng %',
                    TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        for table in tables:
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {qn(table)} "
                f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER_FUNCTION}()"
            )
    return tables


def guarded_tables(*, using: str = "default") -> set[str]:
    """The tables that carry the append-only trigger (PostgreSQL)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND NOT t.tgisinternal AND t.tgenabled <> 'D'",
            [TRIGGER],
        )
        return {name for (name,) in cursor.fetchall()}
