"""Deployment hardening (goal G18, ASVS 3.4.3/3.4.4/3.4.6, 13.4.2): the security headers every page
carries, `check --deploy` clean with production settings, and templates the policy can enforce."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
# Rendered only by WeasyPrint into PDF files, never sent to a browser as HTML: the policy does not
# apply to them, and inline styles are how the printed books are laid out.
PDF_ONLY_TEMPLATES = ("printing/pdf/", "corrections/minutes_pdf.html")


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_hardened(response) -> dict[str, list[str]]:
    assert "Content-Security-Policy-Report-Only" not in response, "the policy must be enforced, not only reported"
    policy = parse_policy(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    return policy


def test_the_log_in_page_carries_the_security_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_hardened(response)


def test_a_signed_in_page_and_a_json_answer_carry_the_security_headers(client, world):
    client.force_login(world.users["teacher"])
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert_hardened(home)
    # The page loads the script that replaced the inline onchange handlers.
    assert b'src="/static/js/autosubmit.js" defer' in home.content
    assert b"data-autosubmit" in home.content
    assert b"onchange=" not in home.content

    health = client.get(reverse("healthz"))
    assert health["X-Content-Type-Options"] == "nosniff"
    assert parse_policy(health["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def production_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GRADEBOOK_", "SECURE_", "CSRF_")) and key != "DATABASE_URL"
    }
    env.update(
        DEBUG="off",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters, many distinct
        ALLOWED_HOSTS="example.org",
        SECURE_SSL_REDIRECT="on",
        SECURE_HSTS_SECONDS="31536000",
    )
    return env


def run_deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_is_clean_with_production_settings():
    result = run_deploy_check(production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output and "security." not in output


def test_the_deploy_check_fails_on_a_debug_production():
    # The check above is not vacuous: the same run with DEBUG on is refused.
    env = production_env()
    env["DEBUG"] = "on"
    result = run_deploy_check(env)
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


PROBE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="example.org")
login = client.get("/tai-khoan/dang-nhap/")
health = client.get("/healthz")
secure = client.get("/healthz", secure=True)
print(login.status_code, login.get("Location"), health.status_code, health.get("Strict-Transport-Security"))
print(secure.status_code, secure.get("Strict-Transport-Security"))
"""


def test_production_redirects_to_https_but_not_the_container_health_check(tmp_path):
    # The health check of docker-compose.yml calls http://127.0.0.1:8000/healthz without the proxy.
    env = production_env()
    env.update(DJANGO_SETTINGS_MODULE="gradebook.settings", DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    plain, secure = result.stdout.splitlines()[:2]
    assert plain.split(" ") == ["301", "https://example.org/tai-khoan/dang-nhap/", "200", "None"]
    assert secure == "200 max-age=31536000; includeSubDomains; preload"


def template_files() -> list[Path]:
    roots = [BASE_DIR / "templates"] + [p for p in BASE_DIR.glob("*/templates") if ".venv" not in p.parts]
    return sorted(path for root in roots for path in root.rglob("*.html"))


INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S)


def test_the_templates_need_no_inline_script_or_style():
    files = template_files()
    assert len(files) > 50
    problems = []
    for path in files:
        name = path.relative_to(BASE_DIR).as_posix()
        text = path.read_text(encoding="utf-8")
        if INLINE_HANDLER.search(text):
            problems.append(f"{name}: inline event handler")
        if "javascript:" in text.lower():
            problems.append(f"{name}: javascript: URL")
        for attributes in SCRIPT_TAG.findall(text):
            if "src=" not in attributes and "application/json" not in attributes:
                problems.append(f"{name}: inline <script>")
        if any(marker in name for marker in PDF_ONLY_TEMPLATES):
            continue
        if STYLE_ATTRIBUTE.search(text) or re.search(r"<style\b", text, re.I):
            problems.append(f"{name}: inline style (move it to static/css)")
    assert problems == []


def test_the_template_scan_finds_what_it_looks_for():
    samples = {
        '<select name="x" onchange="this.form.submit()">': INLINE_HANDLER,
        '<button\n  type="button" onclick="go()">': INLINE_HANDLER,
        '<input required style="width:20rem">': STYLE_ATTRIBUTE,
    }
    for sample, pattern in samples.items():
        assert pattern.search(sample), sample
    assert not INLINE_HANDLER.search('<select name="x" data-autosubmit>')
    assert SCRIPT_TAG.findall("<script>alert(1)</script>") == [""]
