"""The quiz: generated from the banks, graded against the banks' recomputation."""

import importlib.util
import shutil

import numpy as np
import pytest
import sympy as sp

from autograder import grading
from autograder.assignments.quiz import banks
from autograder.assignments.quiz import builder as quiz
from autograder.grading import grade
from tests.conftest import REPO

QUESTIONS = {q.id: q for q in banks.computable()}


def test_committed_quiz_is_what_the_banks_generate():
    assert quiz.is_current(REPO)


def test_quiz_drifts_when_a_bank_changes(tmp_path, monkeypatch):
    for name, path in banks.BANK_FILES.items():
        shutil.copy(path, tmp_path / path.name)
        monkeypatch.setitem(banks.BANK_FILES, name, tmp_path / path.name)
    easy = tmp_path / "easy_questions.md"
    easy.write_text(easy.read_text(encoding="utf-8").replace("**Answer:** `0.32`", "**Answer:** `0.33`"))
    assert not quiz.is_current(REPO)


@pytest.mark.parametrize("qid,value,score", [
    ("E07", 0.32, 1.0), ("E07", 0.3201, 1.0), ("E07", 0.33, 0.0), ("E07", "0.32", 0.0),
    ("E06", "2*(y_hat - y)", 1.0), ("E06", "-(y - y_hat)", 0.0), ("E06", "not a formula((", 0.0),
    ("E14", "a - a**2", 1.0), ("M02", (100, 30), 1.0), ("M02", (30, 100), 0.0), ("M02", [100, 30], 0.0),
    ("M07", 9.537e-07, 1.0), ("E15", 0.25, 1.0),
])
def test_quiz_answers_are_judged(qid, value, score, capsys):
    assert grade("quiz", qid, {f"answer_{qid}": value}, points=1) == score
    out = capsys.readouterr().out
    if not score:
        assert "✗" in out and str(QUESTIONS[qid].stated) not in out.replace(str(value), "")


def test_missing_answer(capsys):
    assert grade("quiz", "M10", {}, points=1) == 0.0
    assert "No variable answer_M10 is defined in your notebook." in capsys.readouterr().out


def test_every_computable_question_is_in_the_quiz():
    text = (REPO / "release" / "quiz" / "quiz.ipynb").read_text(encoding="utf-8")
    for qid in QUESTIONS:
        assert f"answer_{qid}" in text
    assert "101770" not in text and "-5.888" not in text  # no written answer in the release


# --- per-learner variants --------------------------------------------------------------------------

IDS = [f"learner{i:04d}" for i in range(1000)]


def _printed(q, value) -> str:
    """An answer as the grader compares it: numbers to 4 significant figures, formulas expanded."""
    if q.kind == "number":
        return f"{float(value):.4g}"
    if q.kind == "shape":
        return str(tuple(value))
    return str(sp.expand(banks.plain_expr(value)))


@pytest.mark.slow
def test_a_thousand_learners_get_distinct_well_posed_variants():
    answers = {q.id: [banks.answer_for(q, learner) for learner in IDS] for q in banks.computable()}
    memo: dict = {}  # learners share variants: print each distinct answer once

    def shown(q, a) -> str:
        if (q.id, str(a)) not in memo:
            memo[q.id, str(a)] = _printed(q, a)
        return memo[q.id, str(a)]

    printed = {q.id: [shown(q, a) for a in answers[q.id]] for q in banks.computable()}
    fixed = [q.id for q in banks.computable() if q.fixed]
    assert fixed == ["M15"], "only a fact with no numbers in it is the same for everyone"
    for q in banks.computable():
        distinct = set(printed[q.id])
        if not q.fixed:
            assert len(distinct) >= 8, f"{q.id}: only {len(distinct)} distinct answers over 1000 learners"
        if q.kind == "number":
            values = np.array([float(a) for a in answers[q.id]])
            assert np.all(np.isfinite(values)), q.id
            nonzero = np.abs(values[values != 0])
            assert np.all((nonzero >= 1e-8) & (nonzero < 1e7)), f"{q.id}: an answer no one can write down"
    rows = {tuple(printed[q.id][i] for q in banks.computable()) for i in range(len(IDS))}
    assert len(rows) == len(IDS), "two learners share every answer"


def test_the_release_helper_draws_what_the_grader_draws(monkeypatch):
    spec = importlib.util.spec_from_file_location("quiz_variants", REPO / "release" / "quiz" / quiz.HELPER)
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    for learner in IDS[:50] + ["ada", "Zoë Ünal", "s1234567"]:
        for q in banks.computable():
            assert helper.ask(learner, q.id) == banks.asked(q, learner)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    assert helper.use("") == "" and "No learner id" in helper.show("E07")
    assert helper.use(" ada ") == "ada" and "E07" in helper.show("E07")
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert helper.use("typed") == "hubuser", "JupyterHub's user name wins over a typed id"
    text = (REPO / "release" / "quiz" / quiz.HELPER).read_text(encoding="utf-8")
    assert "answer =" not in text and "sympy" not in text and "autograder" not in text


def _judged(qid, value, learner, classmates=()):
    q = banks.question(qid)
    kind = {"number": "scalar", "formula": "str", "shape": "tuple"}[q.kind]
    encoded = {"kind": kind, "value": value}
    if kind == "tuple":
        encoded = {"kind": "tuple", "items": [{"kind": "scalar", "value": v} for v in value]}
    probe = {"assignment": "quiz", "exercise": "quiz", "question": qid, "value": encoded, "learner": learner,
             "classmates": list(classmates)}
    return grading.run_checks(probe)[0]


def _right(qid, learner):
    q = banks.question(qid)
    answer = banks.answer_for(q, learner)
    return {"number": float, "formula": lambda a: sp.sstr(banks.plain_expr(a)), "shape": tuple}[q.kind](answer)


@pytest.mark.parametrize("qid", ["E06", "E07", "E12", "M02", "M18", "M05"])
def test_an_answer_is_judged_against_the_learners_own_numbers(qid):
    ada, ben = "ada", "ben"
    assert banks.answer_for(banks.question(qid), ada) != banks.answer_for(banks.question(qid), ben)
    assert _judged(qid, _right(qid, ada), ada).passed
    copied = _judged(qid, _right(qid, ada), ben, classmates=["ada", "ben", "cy"])
    assert not copied.passed and copied.diagnosis == quiz.OTHER_NUMBERS and "ada" in copied.evidence.split(", ")
    assert "right answer for other numbers" in copied.message and "ada" not in copied.message
    assert banks.asked(banks.question(qid), ben) in copied.message, "the feedback shows the learner's own question"
    bank = _judged(qid, _right(qid, ""), ben)
    assert not bank.passed and "the bank's example" in bank.evidence.split(", ")


def test_a_wrong_answer_that_is_no_ones_is_not_called_copied():
    result = _judged("E07", 123.456, "ben", classmates=IDS[:200])
    assert not result.passed and result.diagnosis != quiz.OTHER_NUMBERS and result.evidence is None


@pytest.mark.parametrize("payload", [
    "__import__('os').mkdir('pwned') * 0 + y",
    "(lambda: __import__('os').mkdir('pwned'))() * 0 + y",
    "y.__class__.__init__.__globals__",
    "[c for c in ().__class__.__base__.__subclasses__()][0]",
])
def test_a_quiz_formula_is_read_without_running_it(payload, tmp_path, monkeypatch):
    """sympify would eval the learner's text in the grader's process (a red-team attack ran a shell
    command as root that way): the formula is built from its syntax tree instead, and refused."""
    from autograder.assignments.quiz import banks

    monkeypatch.chdir(tmp_path)
    assert banks.parse_formula(payload) is None and not (tmp_path / "pwned").exists()
    assert str(banks.parse_formula("2*y - y_hat")) == "2*y - y_hat" and str(banks.parse_formula("a^2")) == "a**2"
