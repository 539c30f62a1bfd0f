"""Records the quiz: each answer variable, encoded as plain data. Runs inside the calls.
"""

from __future__ import annotations

from autograder.sandboxed import calls


def record(question_id: str, namespace: dict, standins: dict | None = None) -> dict:
    """The probe of one quiz question: the learner's value, encoded as plain data."""
    var = f"answer_{question_id}"
    probe = {"network": None, "exercise": "quiz", "question": question_id}
    if var not in namespace:
        probe["missing"] = f"no variable {var} is defined in your notebook"
    else:
        probe["value"] = calls.encode(namespace[var])
        if isinstance(namespace[var], str):
            probe["value"] = {"kind": "str", "value": namespace[var][:500]}
    return probe
