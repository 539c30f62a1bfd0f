"""Records the quiz: each answer variable, encoded as plain data.
Runs in the grader: the learner's functions are called through `calls` (in the sandboxed host when grading).
"""

from __future__ import annotations

from autograder.engine import calls


def record(question_id: str, namespace: dict, standins: dict | None = None) -> dict:
    """The probe of one quiz question: the learner's value, encoded as plain data."""
    var = f"answer_{question_id}"
    probe = {"network": None, "exercise": "quiz", "question": question_id}
    got = calls.value(namespace, var)
    if "missing" in got:
        probe["missing"] = f"no variable {var} is defined in your notebook"
    elif "ok" in got:
        probe["value"] = got["ok"]
    else:
        probe["value"] = {"kind": "other", "type": f"value that could not be read ({got.get('error', '?')[:200]})"}
    return probe
