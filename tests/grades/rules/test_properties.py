"""Property-based tests: averages stay within 0-10; raising one score never lowers an average or
a level; the result does not depend on the order of the subjects."""

from collections import Counter
from dataclasses import replace
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grades.rules import (
    CommentMark,
    ConductInput,
    HanhKiem58,
    Level22,
    Period,
    StudentYearInput,
    SubjectInput,
    SubjectKind,
    TermScores,
    get_rule_set,
)

from .helpers import THCS_COMMENT, THCS_SCORED

TT22 = get_rule_set("tt22_2021")
TT58 = get_rule_set("tt58_2011")
OLD = [("toan", 140), ("vat_li", 35), ("hoa_hoc", 70), ("sinh_hoc", 70), ("van", 140),
       ("lich_su", 52), ("dia_li", 52), ("anh", 105), ("gdcd", 35), ("cong_nghe", 52),
       ("tin", 70)]  # fmt: skip
OLD_COMMENT = [("the_duc", 70), ("am_nhac", 35), ("mi_thuat", 35)]

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def tenths(low: int, high: int):
    return st.integers(min_value=max(low, 0), max_value=min(high, 100)).map(lambda n: Decimal(n).scaleb(-1))


# Each student gets a level around which his scores vary (+-2,5), so that every learning level
# and both adjustment clauses are reached; comment marks are mostly Đ.
marks = st.sampled_from([CommentMark.DAT] * 30 + [CommentMark.CHUA_DAT])


def _terms(rule_set, code, periods, kind, cell, *, missing=False):
    count = rule_set.regular_count(kind, periods)
    value = cell if not missing else st.one_of(st.none(), cell)

    def build(regular, middle, final):
        if rule_set.kt_form_default:
            return TermScores(regular=tuple(regular), periodic=tuple(middle), final=final)
        return TermScores(regular=tuple(regular), midterm=middle[0], final=final)

    term = st.builds(
        build,
        st.lists(value, min_size=count, max_size=count),
        st.lists(value, min_size=1, max_size=1 if not rule_set.kt_form_default else 2),
        value,
    )
    return st.builds(
        lambda t1, t2: SubjectInput(code=code, periods=periods, term1=t1, term2=t2, kind=kind),
        term,
        term,
    )


def students(rule_set, *, missing=False):
    return st.integers(min_value=20, max_value=100).flatmap(
        lambda base: _students(rule_set, tenths(base - 25, base + 25), missing=missing)
    )


def _students(rule_set, scores, *, missing):
    scored, comments = (THCS_SCORED, THCS_COMMENT) if rule_set is TT22 else (OLD, OLD_COMMENT)
    subject_strategies = [
        _terms(rule_set, code, periods, SubjectKind.SCORE, scores, missing=missing) for code, periods in scored
    ] + [_terms(rule_set, code, periods, SubjectKind.COMMENT, marks, missing=missing) for code, periods in comments]
    conduct = st.sampled_from(list(rule_set.conduct_scale))
    return st.builds(
        lambda subjects, c1, c2, absences: StudentYearInput(
            grade=7,
            subjects=tuple(subjects),
            conduct=ConductInput(term1=c1, term2=c2),
            absences=Decimal(absences),
        ),
        st.tuples(*subject_strategies),
        conduct,
        conduct,
        st.integers(min_value=0, max_value=60),
    )


def _numbers(result):
    for subject in result.subjects:
        for value in (
            subject.term1.value,
            subject.term1.provisional,
            subject.term2.value,
            subject.term2.provisional,
            subject.year,
            subject.year_provisional,
        ):
            if isinstance(value, Decimal):
                yield value
    for learning in (result.learning_term1, result.learning_term2, result.learning_year):
        if learning.overall_average is not None:
            yield learning.overall_average


class TestAveragesStayWithinTheScale:
    @PROPERTY_SETTINGS
    @given(students(TT22, missing=True))
    def test_tt22(self, student):
        for value in _numbers(TT22.evaluate(student)):
            assert Decimal(0) <= value <= Decimal(10)
            assert value == value.quantize(Decimal("0.1"))

    @PROPERTY_SETTINGS
    @given(students(TT58, missing=True))
    def test_tt58(self, student):
        for value in _numbers(TT58.evaluate(student)):
            assert Decimal(0) <= value <= Decimal(10)


def _raise_one(student, data):
    """The same student with one recorded value raised (a score up, or CĐ -> Đ)."""
    index = data.draw(st.integers(0, len(student.subjects) - 1), label="subject")
    subject = student.subjects[index]
    period = data.draw(st.sampled_from([Period.TERM1, Period.TERM2]), label="term")
    term = subject.term(period)
    cells = [*term.regular, *term.periodic, term.midterm, term.final]
    slots = [i for i, cell in enumerate(cells) if cell is not None]
    position = data.draw(st.sampled_from(slots), label="cell")
    old = cells[position]
    if isinstance(old, CommentMark):
        new = CommentMark.DAT
    else:
        new = data.draw(st.integers(int(old * 10), 100).map(lambda n: Decimal(n).scaleb(-1)), label="new")
    cells[position] = new
    n_regular, n_periodic = len(term.regular), len(term.periodic)
    raised = TermScores(
        regular=tuple(cells[:n_regular]),
        periodic=tuple(cells[n_regular : n_regular + n_periodic]),
        midterm=cells[-2],
        final=cells[-1],
    )
    changed = replace(subject, **{period.value: raised})
    subjects = list(student.subjects)
    subjects[index] = changed
    return replace(student, subjects=tuple(subjects))


def _assert_not_lower(before, after):
    for old, new in zip(before.subjects, after.subjects, strict=True):
        for a, b in (
            (old.term1.value, new.term1.value),
            (old.term2.value, new.term2.value),
            (old.year, new.year),
        ):
            assert a is None or b is None or b >= a
    for period in Period:
        old_learning, new_learning = before.learning(period), after.learning(period)
        assert new_learning.raw >= old_learning.raw
        assert new_learning.adjusted >= old_learning.adjusted
        if old_learning.overall_average is not None:
            assert new_learning.overall_average >= old_learning.overall_average


class TestRaisingOneScoreNeverLowersAnAverageOrALevel:
    @PROPERTY_SETTINGS
    @given(students(TT22), st.data())
    def test_tt22(self, student, data):
        _assert_not_lower(TT22.evaluate(student), TT22.evaluate(_raise_one(student, data)))

    @PROPERTY_SETTINGS
    @given(students(TT58), st.data())
    def test_tt58(self, student, data):
        student = replace(student, conduct=ConductInput(HanhKiem58.TOT, HanhKiem58.TOT))
        _assert_not_lower(TT58.evaluate(student), TT58.evaluate(_raise_one(student, data)))

    @PROPERTY_SETTINGS
    @given(students(TT22), st.data())
    def test_tt22_alternative_adjustment(self, student, data):
        rule_set = TT22.with_parameters(adjust_target="wouldbe_minus_one")
        before = rule_set.evaluate(student)
        _assert_not_lower(before, rule_set.evaluate(_raise_one(student, data)))


def _summary(result):
    return {
        "subjects": {s.code: (s.term1.value, s.term2.value, s.year, s.final_year) for s in result.subjects},
        "learning": [
            (
                result.learning(p).raw,
                result.learning(p).adjusted,
                result.learning(p).culprit,
                result.learning(p).overall_average,
            )
            for p in Period
        ],
        "conduct": result.conduct,
        "titles": (result.title, result.title_term1, result.title_term2),
        "retest": sorted(result.retest_subjects),
        "summer": result.summer_training,
        "outcome": result.outcome,
        "reasons": Counter(reason.rule for reason in result.reasons),
        "warnings": Counter(reason.rule for reason in result.warnings),
    }


class TestTheOrderOfSubjectsDoesNotMatter:
    @PROPERTY_SETTINGS
    @given(students(TT22), st.randoms(use_true_random=False))
    def test_tt22(self, student, random):
        subjects = list(student.subjects)
        random.shuffle(subjects)
        shuffled = replace(student, subjects=tuple(subjects))
        assert _summary(TT22.evaluate(student)) == _summary(TT22.evaluate(shuffled))

    @PROPERTY_SETTINGS
    @given(students(TT58), st.randoms(use_true_random=False))
    def test_tt58(self, student, random):
        subjects = list(student.subjects)
        random.shuffle(subjects)
        shuffled = replace(student, subjects=tuple(subjects))
        assert _summary(TT58.evaluate(student)) == _summary(TT58.evaluate(shuffled))


def test_levels_are_ordered():
    assert Level22.TOT > Level22.KHA > Level22.DAT > Level22.CHUA_DAT
