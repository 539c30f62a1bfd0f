"""Feedback names what broke, and never accuses a correct answer: the corpus of wrong and correct
submissions (autograder/instruments/corpus.py) graded through the real grader (sandbox, hidden checks)."""

import subprocess
import sys

import numpy as np
import pytest

from autograder.engine import judge
from autograder.instruments import diagnoses
from autograder.instruments.corpus import ENTRIES
from autograder.tools.course import ASSIGNMENTS

pytestmark = pytest.mark.slow  # real nbgrader runs, kernels or a browser


@pytest.fixture(scope="module")
def graded():
    return diagnoses.grade_all(ENTRIES, jobs=2)


def test_the_corpus_covers_every_assignment():
    for assignment in ASSIGNMENTS:
        mine = [e for e in ENTRIES if e.assignment == assignment]
        assert sum(e.correct for e in mine) >= 4, assignment
        assert sum(not e.correct for e in mine) >= 15, assignment
    assert len({(e.assignment, e.name) for e in ENTRIES}) == len(ENTRIES)


@pytest.mark.slow
def test_no_correct_submission_loses_a_point_or_is_told_of_a_mistake(graded):
    for g in graded:
        if g.entry.correct:
            assert g.full, (g.entry.assignment, g.entry.name, g.feedback)
            assert not g.diagnoses, (g.entry.assignment, g.entry.name, g.diagnoses)


def test_every_wrong_submission_loses_points(graded):
    missed = [(g.entry.assignment, g.entry.name) for g in graded if not g.entry.correct and g.full]
    assert not missed


def test_nine_in_ten_wrong_submissions_are_named_in_every_assignment(graded):
    for row in diagnoses.table(graded):
        assert row["named"] >= 0.9 * row["wrong"], row


def test_a_named_diagnosis_is_in_the_feedback_the_learner_reads(graded):
    bias = next(g for g in graded if g.entry.assignment == "regression" and g.entry.name == "bias treated as a weight")
    assert ("Your ∂L/∂b1 is what the chain rule gives with one change, at every point checked: you multiplied ∂L/∂b1 "
            "by x: a bias's input is the constant 1." in bias.feedback)
    assert "Where to look: the exercise \"Hidden biases ∂L/∂b1\"" in bias.feedback
    dropped = next(g for g in graded if g.entry.assignment == "classification"
                   and g.entry.name == "loop drops the updated parameters")
    assert "This matches a known mistake: parameters never kept." in dropped.feedback


# --- the relation finder on its own: what holds at every case, and nothing else ----------------------


def _raised(actual, expected, chain=None) -> judge.Wrong:
    with pytest.raises(judge.Wrong) as info:
        judge.check_values("v", actual, expected, [f"case {k}" for k in range(len(actual))], chain=chain,
                           seed_first=False)
    return info.value


def test_relations_name_what_holds_at_every_case():
    rng = np.random.default_rng(7)
    e = [rng.normal(size=(3, 2)) for _ in range(4)]
    x = [rng.normal(size=(3, 1)) for _ in range(4)]
    assert _raised([-v for v in e], e).diagnosis == "sign flip"
    assert _raised([2 * v for v in e], e).diagnosis == "off by a factor 2"
    assert _raised([v * 5 for v in e], e, judge.Chain(batch=[5] * 4)).diagnosis == "off by a factor 5"
    assert _raised([v * n for v, n in zip(e, (3, 4, 5, 6), strict=True)], e,
                   judge.Chain(batch=[3, 4, 5, 6])).diagnosis == "summed over the batch"
    assert _raised([v * f for v, f in zip(e, x, strict=True)], e,
                   judge.Chain(reachable={"x": x})).diagnosis == "extra factor x"
    assert _raised([v / f for v, f in zip(e, x, strict=True)], e,
                   judge.Chain(factors={"x": x})).diagnosis == "missing link x"


def test_a_relation_that_fails_at_one_case_is_not_claimed():
    rng = np.random.default_rng(8)
    e = [rng.normal(size=(2, 2)) for _ in range(4)]
    x = [rng.normal(size=(2, 1)) for _ in range(4)]
    doubled_but_one = [2 * v for v in e[:3]] + [3 * e[3]]
    wrong = _raised(doubled_but_one, e)
    assert wrong.diagnosis is None and "factor that changes from one point to the next" in str(wrong)
    extra_but_one = [v * f for v, f in zip(e[:3], x[:3], strict=True)] + [e[3] * 1.5]
    assert _raised(extra_but_one, e, judge.Chain(reachable={"x": x})).diagnosis is None


def test_values_within_the_tolerance_pass_whatever_the_chain_offers():
    rng = np.random.default_rng(9)
    e = [rng.normal(size=(3, 2)) for _ in range(4)]
    noisy = [v * (1 + 1e-9 * rng.normal(size=v.shape)) for v in e]
    judge.check_values("v", noisy, e, ["c"] * 4, chain=judge.Chain(reachable={"x": [np.ones((3, 1))] * 4}))


def test_typed_answers_are_related_by_sympy_and_by_value():
    assert judge.number_relation(-7.36, 7.36)[0] == "sign flip"
    assert judge.number_relation(1.35424, 13.5424)[0] == "decimal point shifted"
    assert judge.number_relation(13.55, 13.5424) is None  # close but wrong: no guess
    import sympy as sp

    s, x, y = sp.symbols("s x y")
    truth = -2 * (y - s) * s * (1 - s) * x
    assert judge.formula_relation(truth / x, truth, {"x": x})[0] == "missing link x"
    assert judge.formula_relation(truth * (y + x), truth, {"x": x}) is None


@pytest.mark.slow
def test_the_command_reports_and_refuses_unknown_assignments():
    bad = subprocess.run([sys.executable, "-m", "autograder.tools.cli", "diagnoses", "--assignment", "nope"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "no assignment nope" in bad.stderr and "Traceback" not in bad.stderr
    ok = subprocess.run([sys.executable, "-m", "autograder.tools.cli", "diagnoses", "--assignment", "quiz", "-j", "2"],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "quiz" in ok.stdout and "named" in ok.stdout
