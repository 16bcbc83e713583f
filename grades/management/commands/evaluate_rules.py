"""``manage.py evaluate_rules FILE``: evaluate contract cases with the assessment rules engine.

FILE is a JSON case or a JSON list of cases (shared/docs/rules-contract.md); ``-`` reads
standard input. Prints the JSON result (or the list of results). Used to check a disputed case
by hand and to run the specification's worked examples (tests/grades/rules/cases/).
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grades.rules import RulesInputError, evaluate


class Command(BaseCommand):
    help = (
        "Tính kết quả đánh giá (điểm trung bình, kết quả học tập, rèn luyện, danh hiệu, lên lớp) "
        "cho một trường hợp JSON hoặc một danh sách trường hợp; FILE là '-' để đọc stdin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON file of one case or a list of cases; '-' = stdin")
        parser.add_argument("--compact", action="store_true", help="print JSON on one line")

    def handle(self, *args: Any, **options: Any) -> None:
        text = self._read(options["file"])
        try:
            # Decimal keeps 6.35 as 6,35 (a float would already be 6.3499...).
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise CommandError(f"JSON không hợp lệ: {exc}") from exc
        if isinstance(data, list):
            results: Any = [self._evaluate(case, index) for index, case in enumerate(data)]
        else:
            results = self._evaluate(data, None)
        indent = None if options["compact"] else 2
        self.stdout.write(json.dumps(results, ensure_ascii=False, indent=indent))

    @staticmethod
    def _read(name: str) -> str:
        if name == "-":
            return sys.stdin.read()
        try:
            return Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {name}: {exc}") from exc

    @staticmethod
    def _evaluate(case: Any, index: int | None) -> dict[str, Any]:
        try:
            return evaluate(case)
        except RulesInputError as exc:
            where = f"Trường hợp {index}: " if index is not None else ""
            raise CommandError(f"{where}{exc}") from exc
