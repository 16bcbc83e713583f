"""Deadline load test of one school (G14) and its saturation steps (G15), end to end on this machine.

    .venv/bin/pip install -r requirements-bench.txt        # locust (kept out of the product's venv needs)
    .venv/bin/python bench/load_test.py                     # G14: 100 teachers, 10 minutes
    .venv/bin/python bench/load_test.py --users 30 --minutes 2
    .venv/bin/python bench/load_test.py --steps 50,100,200,300 --step-seconds 90 --think-scale 0.3   # G15

What it does: a fresh PostgreSQL database ``sodiem_load`` (``--db``), migrated and seeded with the
demo school; gunicorn with 5 sync workers on 127.0.0.1:8001, production settings (DEBUG off);
locust headless with ``bench/locustfile.py``; then it checks the database for lost updates (two
history rows of one score cell with the same version would mean two saves both won against the
same version) and prints the percentiles of every request kind and of all together.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)  # noqa: S603 - our own commands


def reset_database(name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def lost_updates(name: str) -> tuple[int, int]:
    """(score-cell history rows written, pairs of rows of one cell with the same version)."""
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM grades_historicalscorecell")
        rows = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT id, version FROM grades_historicalscorecell "
            "WHERE history_type <> '-' GROUP BY id, version HAVING count(*) > 1) AS twice"
        )
        twice = cursor.fetchone()[0]
    connection.close()
    return rows, twice


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our loopback server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--steps", default="", help="G15: comma-separated user counts, one per step")
    parser.add_argument("--step-seconds", type=int, default=120)
    parser.add_argument("--think-scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--db", default="sodiem_load")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run (no seeding)")
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
        "DEBUG": "off",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "off",  # plain http on loopback
        "SECURE_SSL_REDIRECT": "off",
        "SECURE_HSTS_SECONDS": "0",
        "CELERY_BROKER_URL": "",
    }
    env.pop("GRADEBOOK_TESTING", None)
    if not args.reuse:
        print(f"== preparing {args.db}: migrate and seed the demo school")
        reset_database(args.db)
        run([str(VENV / "python"), "manage.py", "migrate", "--noinput", "-v0"], env)
        run([str(VENV / "python"), "manage.py", "seed_demo"], env)

    run([str(VENV / "python"), "manage.py", "collectstatic", "--noinput", "-v0"], env)  # DEBUG off: whitenoise
    host = f"http://127.0.0.1:{args.port}"
    gunicorn = [str(VENV / "gunicorn"), "gradebook.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}"]
    gunicorn += ["--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"]
    server = subprocess.Popen(  # noqa: S603 - our own command
        gunicorn,
        cwd=ROOT,
        env=env,
    )
    try:
        wait_up(f"{host}/healthz")
        before = lost_updates(args.db)
        out = Path(tempfile.mkdtemp(prefix="sodiem-load-"))
        locust_env = {**env, "LOAD_THINK_SCALE": str(args.think_scale)}
        cmd = [str(VENV / "locust"), "-f", "bench/locustfile.py", "--headless", "--host", host]
        cmd += ["--csv", str(out / "run"), "--only-summary", "--loglevel", "WARNING"]
        if args.steps:
            locust_env.update(LOAD_STEPS=args.steps, LOAD_STEP_SECONDS=str(args.step_seconds))
            cmd += ["--csv-full-history"]
        else:
            cmd += ["-u", str(args.users), "-r", str(max(1, args.users // 10)), "-t", f"{int(args.minutes * 60)}s"]
        print(f"== locust: {' '.join(cmd[1:])}")
        subprocess.run(cmd, cwd=ROOT, env=locust_env, check=False)  # noqa: S603 - our own command
        after = lost_updates(args.db)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print("\n== results (ms)")
    with open(out / "run_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            print(
                f"{row['Name']:<24} n={row['Request Count']:>6} fail={row['Failure Count']:>4} "
                f"p50={row['50%']:>5} p95={row['95%']:>5} p99={row['99%']:>5} "
                f"max={float(row['Max Response Time']):>7.0f} "
                f"req/s={float(row['Requests/s']):.1f}"
            )
    if args.steps:
        print("\n== per step (aggregated, from the history)")
        with open(out / "run_stats_history.csv", newline="") as handle:
            last: dict[str, dict] = {}
            for row in csv.DictReader(handle):
                if row["Name"] == "Aggregated":
                    last[row["User Count"]] = row
            for users, row in last.items():
                print(f"users={users:>4} req/s={float(row['Requests/s']):6.1f} p95={row['95%']:>6} p99={row['99%']:>6}")
    written = after[0] - before[0]
    print(
        f"\nscore-cell history rows written: {written}; cells with two rows of one version (lost updates): {after[1]}"
    )
    print(f"csv files: {out}")
    sys.exit(1 if after[1] else 0)


if __name__ == "__main__":
    main()
