"""Records assignment 0, the chain-rule warm-up.
Runs in the grader: the learner's functions are called through `calls` (in the sandboxed host when grading).
"""

from __future__ import annotations

import numpy as np

from autograder.assignments.common import points
from autograder.engine import calls

FACTORS = ("dL_dyhat", "dyhat_dz", "dz_dw", "dz_db")


FACTOR_TEXT = {"dL_dyhat": "∂L/∂ŷ", "dyhat_dz": "∂ŷ/∂z", "dz_dw": "∂z/∂w", "dz_db": "∂z/∂b"}


TITLES = {
    **{f: f"The link {FACTOR_TEXT[f]}" for f in FACTORS},
    "product": "Chaining the links",
    "step": "One gradient-descent step",
    "by_hand": "∂L/∂w by hand, as a formula",
}


SEED_CASE = {"x": [2.0, -1.0, 0.5], "y": [1.0, 0.0, 2.0], "w": 0.5, "b": -0.25}  # what the notebook shows


def factor_cases(exercise: str) -> list[dict]:
    """The notebook's example first, then seeded hidden samples of uneven sizes, for each activation."""
    rng = points.rng_for("warmup", exercise)
    cases = []
    for activation in ("linear", "sigmoid"):
        cases.append({"activation": activation, **SEED_CASE})
        for n in (3, 5, 4):
            xs = rng.uniform(-3, 3, n)
            cases.append({"activation": activation, "x": xs.tolist(), "y": rng.uniform(-1, 2, n).tolist(),
                          "w": float(rng.uniform(-1.5, 1.5)), "b": float(rng.uniform(-1, 1))})
    return cases


def record(exercise: str, namespace: dict, standins: dict) -> dict:
    probe: dict = {"exercise": exercise}
    function = {"product": "chain_product", "step": "step", "by_hand": None}.get(exercise, "chain_factors")
    if exercise == "by_hand":
        kind = calls.type_of(namespace, "dL_dw_by_hand")
        if kind is None:
            probe["missing"] = "no variable dL_dw_by_hand is defined in your notebook"
        elif kind[0] == "str" or kind[1].split(".")[0] == "sympy":
            text = calls.value(namespace, "dL_dw_by_hand", text=True)  # a learner's subclass may override __str__
            if text.get("ok", {}).get("kind") == "str":
                probe["answer"] = text["ok"]["value"]
            else:
                probe["answer_kind"] = f"{kind[0]} that cannot be printed"
        else:
            probe["answer_kind"] = kind[0]
        return probe
    fn = namespace.get(function)
    if fn is None:
        probe["missing"] = f"no function named {function!r} is defined in your notebook"
        return probe
    cases, call = [], calls.Caller(fn)
    if exercise in FACTORS:
        for c in factor_cases(exercise):
            result = call(np.array(c["x"]), np.array(c["y"]), c["w"], c["b"], c["activation"])
            cases.append({**c, **result})
    elif exercise == "product":
        rng = points.rng_for("warmup", exercise)
        for n in (1, 3, 5):
            factors = {f: rng.uniform(-2, 2, n) for f in FACTORS}
            result = call({k: v.copy() for k, v in factors.items()})
            cases.append({"factors": {k: v.tolist() for k, v in factors.items()}, **result})
    else:
        rng = points.rng_for("warmup", exercise)
        with calls.replaced(namespace, chain_factors=standins["warmup"].chain_factors,
                            chain_product=standins["warmup"].chain_product):
            for activation in ("linear", "sigmoid", "sigmoid"):
                c = {"activation": activation, "x": float(rng.uniform(-3, 3)), "y": float(rng.uniform(-1, 2)),
                     "w": float(rng.uniform(-1.5, 1.5)), "b": float(rng.uniform(-1, 1)), "lr": float(rng.uniform(0.05, 0.5))}
                result = call(c["x"], c["y"], c["w"], c["b"], c["lr"], activation)
                cases.append({**c, **result})
    probe["cases"] = cases
    return probe
