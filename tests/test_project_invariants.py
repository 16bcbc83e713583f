"""Project-wide invariants: migrations, health, the layering of apps, no bypassed history."""

import ast
import pathlib
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP_ORDER = ["schools", "accounts", "attendance", "grades", "corrections", "printing", "exports", "portal"]


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_health_endpoint_checks_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok" and data["checks"]["database"] == "ok"
    assert "broker" in data["checks"]


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", APP_ORDER)
def test_a_lower_app_never_imports_a_higher_one(app):
    higher = set(APP_ORDER[APP_ORDER.index(app) + 1 :]) | {"demo"}
    offenders = []
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        bad = _imports(path) & higher
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []


def test_no_app_code_skips_the_audit_trail():
    offenders = []
    for app in [*APP_ORDER, "demo"]:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for banned in ("skip_history_when_saving", "save_without_historical_record"):
                if banned in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {banned}")
    assert offenders == []


def test_ruff_is_clean():
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "ruff", "check", "--quiet", str(ROOT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _catalog(po: pathlib.Path) -> dict:
    import gettext
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        mo = pathlib.Path(tmp) / "django.mo"
        subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)  # noqa: S603, S607 - fixed arguments
        with mo.open("rb") as handle:
            return {key: value for key, value in gettext.GNUTranslations(handle)._catalog.items() if key}


def test_no_two_catalogs_translate_one_message_differently():
    """Django merges the apps' catalogs: the first app that has a message decides it everywhere, so an
    app re-translating a shared message ("Reason", "Status") silently changes the other apps' pages."""
    catalogs = {
        po.relative_to(ROOT).as_posix(): _catalog(po)
        for po in [*sorted(ROOT.glob("*/locale/vi/LC_MESSAGES/django.po")), ROOT / "locale/vi/LC_MESSAGES/django.po"]
        if ".venv" not in po.parts
    }
    first: dict = {}
    clashes = []
    for name, catalog in catalogs.items():
        for key, value in catalog.items():
            if key in first and first[key][1] != value:
                clashes.append(f"{key!r}: {first[key][0]} “{first[key][1]}” ≠ {name} “{value}”")
            first.setdefault(key, (name, value))
    assert clashes == []
