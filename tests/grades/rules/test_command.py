"""``manage.py evaluate_rules FILE``: the contract's JSON for a case, a list of cases, stdin."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from .helpers import CASES_DIR, spec_case


def _run(*args, stdin=None, monkeypatch=None) -> object:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("evaluate_rules", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_file_of_spec_examples_prints_a_list_of_results():
    results = _run(str(CASES_DIR / "tt22_learning.json"))
    by_id = {result["id"]: result for result in results}
    assert len(results) == 14
    assert (by_id["V4"]["learning_raw"]["year"], by_id["V4"]["learning"]["year"]) == ("Đạt", "Khá")
    assert by_id["V12"]["title"] == "Học sinh Xuất sắc"
    assert by_id["V9"]["conduct"]["year"] == "Chưa đạt"


def test_one_case_from_a_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(spec_case("tt58.json", "L7a"), ensure_ascii=False), encoding="utf-8")
    result = _run(str(path), "--compact")
    assert result["overall_average"]["after_retest"] == "5.6"
    assert result["outcome"] == "PROMOTED_AFTER_SUMMER"


def test_standard_input_keeps_decimals_exact(monkeypatch):
    # 6.35 read as a float would already be 6.3499...; the command reads JSON numbers as Decimal
    case = spec_case("tt22_subject_results.json", "T3")
    case["subjects"][0]["term1"] = {"regular": [6, 6, 6], "midterm": 6.5, "final": 6.6}
    text = json.dumps(case, ensure_ascii=False)
    result = _run("-", stdin=text, monkeypatch=monkeypatch)
    assert result["subjects"]["cong_nghe"]["term1"] == "6.4"


def test_an_invalid_case_is_a_command_error(monkeypatch):
    case = spec_case("tt22_subject_results.json", "T1")
    case["subjects"][0]["term1"]["final"] = 7.25
    with pytest.raises(CommandError, match=r"Trường hợp 0: .*Ý thầy/cô là 7,3"):
        _run("-", stdin=json.dumps([case]), monkeypatch=monkeypatch)


def test_unreadable_input(tmp_path, monkeypatch):
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        _run(str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="JSON không hợp lệ"):
        _run("-", stdin="{not json", monkeypatch=monkeypatch)
