"""The quiz: generated from the banks, graded against the banks' recomputation."""

import shutil

import pytest

from autograder import banks, quiz
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
