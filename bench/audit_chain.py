"""Cost of the audit chain (goal G6) on the demo school's history.

Loads the demo school (``seed_demo``) into a throw-away SQLite database, or copies an existing
SQLite database given with ``--from-db`` (its seals are dropped first), then times:

* the first seal of the whole history (what a school pays once, at upgrade);
* a seal with nothing new (what every print job pays when the hourly task has run);
* a seal of ``--new`` fresh history rows (a busy hour of score entry before a print);
* ``verify_audit_chain`` over everything.

    .venv/bin/python bench/audit_chain.py [--from-db var/db.sqlite3] [--new 2000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-db", type=Path, help="an SQLite database to copy instead of seeding the demo")
    parser.add_argument("--new", type=int, default=2000, help="history rows added before the incremental seal")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    db = workdir / "db.sqlite3"
    if args.from_db:
        shutil.copyfile(args.from_db, db)
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM schools_auditseal")
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradebook.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.core.management import call_command

    from schools import audit
    from schools.models import Student

    try:
        if not args.from_db:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            call_command("seed_demo", verbosity=0)
            print(f"seed_demo: {time.perf_counter() - started:.1f} s")
        rows = sum(m._default_manager.count() for m in audit.historical_models())
        tables = sum(1 for m in audit.historical_models() if m._default_manager.exists())

        started = time.perf_counter()
        seals = audit.seal_audit_chain()
        first = time.perf_counter() - started
        print(
            f"first seal: {rows} history rows in {tables} tables -> {len(seals)} seals, {first:.2f} s "
            f"({first / max(rows, 1) * 1e6:.0f} µs/row)"
        )

        started = time.perf_counter()
        if audit.seal_audit_chain():
            raise SystemExit("a second seal found rows the first one missed")
        print(f"seal with nothing new: {(time.perf_counter() - started) * 1000:.0f} ms")

        students = list(Student.objects.all()[: args.new])
        while len(students) < args.new:
            students += students[: args.new - len(students)]
        Student.history.bulk_history_create(students, default_change_reason="bench")
        started = time.perf_counter()
        fresh = audit.seal_audit_chain()
        elapsed = time.perf_counter() - started
        print(f"seal of {sum(s.count for s in fresh)} new rows: {elapsed * 1000:.0f} ms")

        started = time.perf_counter()
        report = audit.verify_audit_chain()
        elapsed = time.perf_counter() - started
        if not report.ok:
            raise SystemExit("\n".join(p.message for p in report.problems[:5]))
        print(f"verify: {report.seals} seals, {report.rows} rows, {elapsed:.2f} s")
        print(f"head: {audit.head_text(audit.chain_head())}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
