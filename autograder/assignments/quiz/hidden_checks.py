"""Hidden check of the quiz: the learner's answer against the bank's own recomputation."""

import pytest

from autograder.assignments.quiz import builder as quiz

pytestmark = pytest.mark.assignment("quiz")


@pytest.mark.exercise("quiz")
def test_quiz_answer(probe):
    quiz.judge(probe)
