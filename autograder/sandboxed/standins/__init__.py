"""Correct building blocks, numpy only, that stand in for the learner's own while an exercise that
uses them is graded (a training loop with correct forward/backward, a composition with correct
layers), so one wrong derivative costs its own points only.

These are answers, so they are never mounted in the sandbox: the grader sends a module's source
only after every exercise it could answer has been recorded (`GATES` of `autograder/jail.py`), and
the sandbox runner executes it then. `tests/test_standins.py` checks each against the sympy oracle.
A stand-in module may use another (by its bare name): the runner provides those it lists in NEEDS.
"""
