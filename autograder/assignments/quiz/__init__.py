"""Assignment 6, the quiz: the computable questions of the interview banks, with each learner's own
numbers. Its notebook is generated (`builder.py`); each question is an exercise named by its id."""

from autograder.assignments.declaration import Assignment

QUIZ = Assignment(name="quiz", title="Quiz: your own numbers", folder="quiz", exercises={},
                  untitled="Question {}")
