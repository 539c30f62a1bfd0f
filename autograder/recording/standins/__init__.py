"""Correct building blocks, numpy only, that stand in for the learner's own while an exercise that
uses them is graded (a training loop with correct forward/backward, a composition with correct
layers), so one wrong derivative costs its own points only.

These are answers, so they are never mounted in the sandbox: the grader sends a module's source
only after every exercise it could answer has been recorded (`GATES` of `autograder/jail.py`), and
the sandbox runner executes it then. `tests/test_standins.py` checks each against the sympy oracle.
A stand-in module may use others by their bare names: it lists them in NEEDS, the grader sends them
first (`plans.gates`), and the runner hands every module sent so far to the next one.
"""
