"""``manage.py verify_audit_chain [--head "#12 3f2a9c0d1e2b4a5f"]``: recompute the audit chain.

Every seal is recomputed from the history rows as they are now. A row modified, deleted or slipped
in after sealing is named with its table and history_id; a broken or shortened chain is reported
too. ``--head`` takes the chain head printed on a book and checks that the chain still holds it.
Exit status 1 when anything is wrong.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from schools import audit


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm nhật kí thay đổi: báo mọi dòng bị sửa, bị xóa hoặc chèn thêm sau khi niêm phong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--head", help='dấu kiểm in trên sổ, ví dụ "#12 3f2a9c0d1e2b4a5f"')

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit.verify_audit_chain(head=options["head"])
        for problem in report.problems:
            self.stderr.write(problem.message)
        pending = sum(report.unsealed.values())
        summary = f"{report.seals} dấu, {report.rows} dòng đã kiểm; {pending} dòng chưa niêm phong."
        if not report.ok:
            raise CommandError(f"Nhật kí thay đổi KHÔNG toàn vẹn: {len(report.problems)} lỗi. {summary}")
        self.stdout.write(
            f"Nhật kí thay đổi toàn vẹn: {summary} Dấu kiểm toàn vẹn nhật kí: {audit.head_text(report.head)}"
        )
