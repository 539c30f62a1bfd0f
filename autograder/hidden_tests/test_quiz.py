"""Hidden check of the quiz: the learner's answer against the bank's own recomputation."""

import pytest

from autograder import quiz

pytestmark = pytest.mark.assignment("quiz")


@pytest.mark.exercise("quiz")
def test_quiz_answer(probe):
    quiz.judge(probe)
