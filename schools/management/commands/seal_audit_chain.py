"""``manage.py seal_audit_chain``: append the history rows not sealed yet to the audit chain."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from schools import audit


class Command(BaseCommand):
    help = "Niêm phong các dòng nhật kí thay đổi mới vào chuỗi băm kiểm toàn (goal G6)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        seals = audit.seal_audit_chain()
        rows = sum(s.count for s in seals)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Đã niêm phong {rows} dòng trong {len(seals)} dấu ({elapsed:.2f} s). "
            f"Dấu kiểm toàn vẹn nhật kí: {audit.head_text(audit.chain_head())}"
        )
