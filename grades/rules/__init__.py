"""The assessment rules engine (shared/docs/assessment-rules.md): pure Python, no Django.

Typed API::

    rule_set = rule_set_for(2024, 7)            # or get_rule_set("tt22_2021")
    result = rule_set.evaluate(StudentYearInput(...))
    rule_set.columns(SubjectKind.SCORE, periods=140)   # the grid's columns per term
    parse_score("8,5", "tt22_2021", "regular")          # one typed cell

JSON contract (shared/docs/rules-contract.md)::

    evaluate({"rule_set": "tt22_2021", "grade": 7, "subjects": [...], ...}) -> dict
"""

from .base import PeriodValues, RuleSet, RuleSetParameters, YearEnd
from .contract import evaluate, evaluate_many, parse_case, result_to_dict
from .errors import Issue, RulesInputError
from .labels import (
    ColumnKind,
    CommentMark,
    HanhKiem58,
    HocLuc58,
    Level22,
    Period,
    SubjectKind,
    Title22,
    Title58,
    YearOutcome,
)
from .numbers import format_score, format_score_vi, round_half_up
from .registry import RULE_SETS, get_rule_set, rule_set_code_for, rule_set_for
from .tt22_2021 import TT22Parameters, TT22RuleSet, year_training_result
from .tt58_2011 import TT58Parameters, TT58RuleSet
from .tt58_tt26_2020 import TT26_PARAMETERS, TT58TT26RuleSet
from .types import (
    Column,
    ConductInput,
    ConductResult,
    LearningResult,
    Reason,
    StudentYearInput,
    StudentYearResult,
    SubjectInput,
    SubjectResult,
    SubjectTermResult,
    TermColumns,
    TermScores,
)
from .validation import ParsedValue, check_score, parse_comment, parse_score

__all__ = [
    "RULE_SETS",
    "TT26_PARAMETERS",
    "Column",
    "ColumnKind",
    "CommentMark",
    "ConductInput",
    "ConductResult",
    "HanhKiem58",
    "HocLuc58",
    "Issue",
    "LearningResult",
    "Level22",
    "ParsedValue",
    "Period",
    "PeriodValues",
    "Reason",
    "RuleSet",
    "RuleSetParameters",
    "RulesInputError",
    "StudentYearInput",
    "StudentYearResult",
    "SubjectInput",
    "SubjectKind",
    "SubjectResult",
    "SubjectTermResult",
    "TT22Parameters",
    "TT22RuleSet",
    "TT58Parameters",
    "TT58RuleSet",
    "TT58TT26RuleSet",
    "TermColumns",
    "TermScores",
    "Title22",
    "Title58",
    "YearEnd",
    "YearOutcome",
    "check_score",
    "evaluate",
    "evaluate_many",
    "format_score",
    "format_score_vi",
    "get_rule_set",
    "parse_case",
    "parse_comment",
    "parse_score",
    "result_to_dict",
    "round_half_up",
    "rule_set_code_for",
    "rule_set_for",
    "year_training_result",
]
