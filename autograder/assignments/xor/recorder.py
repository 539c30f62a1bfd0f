"""Records assignment 3, XOR (the batched sigmoid 2-2-1 network).
Runs in the grader: the learner's functions are called through `calls` (in the sandboxed host when grading).

Notebook layout: X (n, 2), Y (n, 1); W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,).
"""

from __future__ import annotations

import numpy as np

from autograder.assignments.common import points
from autograder.assignments.common.points import NETS
from autograder.engine import calls

NAMES = ("W1", "b1", "W2", "b2")


SHAPES = {"W1": (2, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}


DATA_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


DATA_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


# A starting point known to solve XOR with this loss, lr and epoch count (REFERENCE.md §2: from
# random N(0, 1) weights only some seeds do, so the graded runs never depend on the learner's RNG).
KNOWN_GOOD = {"W1": [[0.2, -0.5], [-0.4, -2.4]], "b1": [0.0, 0.0], "W2": [[1.8], [1.1]], "b2": [0.0]}


def known_good() -> dict[str, np.ndarray]:
    return {k: np.array(v, dtype=np.float64) for k, v in KNOWN_GOOD.items()}


TITLES = {"forward": "Batched forward pass", "output_layer": "Output layer ∂L/∂W2, ∂L/∂b2",
          "hidden_layer": "Hidden layer ∂L/∂W1, ∂L/∂b1", "train": "Full-batch training loop"}


GRADED_BY = {"forward": "forward", "output_layer": "backward", "hidden_layer": "backward", "train": "train"}


LAYER_PARAMS = {"output_layer": ("W2", "b2"), "hidden_layer": ("W1", "b1")}


TRAIN_RUNS = [(5, 7, 0.8), (3, 5, 2.5), (6, 4, 1.5)]  # (rows, epochs, lr): not the seed's 4 / 10 000 / 0.1


def random_params(rng) -> dict[str, np.ndarray]:
    p = points.params(rng, NETS['xor'], scale=1.5)
    return {"W1": p["W1"], "b1": p["b1"], "W2": p["W2"].reshape(2, 1), "b2": np.array([p["b2"]])}


def random_batch(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-2.0, 2.0, (n, 2))
    Y = rng.integers(0, 2, (n, 1)).astype(np.float64)
    Y[:2, 0] = [1.0, 0.0]
    return X, Y


def cases(exercise: str) -> list[dict]:
    """XOR with the known-good start first, then seeded batches of 3, 5 and 7 rows."""
    rng = points.rng_for("xor", exercise)
    out = [{"X": DATA_X, "Y": DATA_Y, "params": known_good()}]
    for n in (3, 5, 7):
        X, Y = random_batch(rng, n)
        out.append({"X": X, "Y": Y, "params": random_params(rng)})
    return out


def plain(case: dict) -> dict:
    return {"X": np.asarray(case["X"]).tolist(), "Y": np.asarray(case["Y"]).tolist(),
            "params": {k: np.asarray(v).tolist() for k, v in case["params"].items()},
            **{k: v for k, v in case.items() if k not in ("X", "Y", "params")}}


def arrays(plain_params: dict) -> dict[str, np.ndarray]:
    return {k: np.array(plain_params[k], dtype=np.float64) for k in NAMES}


def _copy(params):
    return {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}


def _changed(before: dict, after) -> list[str]:
    """The parameters changed in place (`after` None: not readable back, which says nothing)."""
    if not isinstance(after, dict):
        return []
    return [k for k in NAMES if k in after and not _same(before[k], after[k])]


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return False


def record(exercise: str, namespace: dict, standins: dict) -> dict:
    function = GRADED_BY[exercise]
    probe: dict = {"exercise": exercise, "function": function}
    fn = namespace.get(function)
    if fn is None:
        probe["missing"] = f"no function named {function!r} is defined in your notebook"
        return probe
    recorded, call = [], calls.Caller(fn, seconds=10.0 if exercise == "train" else calls.CALL_SECONDS)
    if exercise == "forward":
        for c in cases(exercise):
            recorded.append({**plain(c), **call(c["X"].copy(), _copy(c["params"]))})
    elif exercise in LAYER_PARAMS:
        for c in cases(exercise):
            Y_hat, cache = standins["xor_forward"].forward(c["X"], c["params"])
            result = call(c["Y"].copy(), Y_hat, {k: v.copy() for k, v in cache.items()}, _copy(c["params"]), after=(3,))
            given = result.pop("_after", [None])[0]
            recorded.append({**plain(c), **result, "mutated": _changed(c["params"], given)})
    else:
        rng = points.rng_for("xor", exercise)
        with calls.replaced(namespace, forward=standins["xor_forward"].forward, backward=standins["xor_backward"].backward):
            for rows, epochs, lr in TRAIN_RUNS:
                X, Y = random_batch(rng, rows)
                c = {"X": X, "Y": Y, "params": random_params(rng), "lr": lr, "epochs": epochs}
                result = call(X.copy(), Y.copy(), _copy(c["params"]), lr, epochs, after=(2,))
                given = result.pop("_after", [None])[0]  # the caller's params after the call: aliasing shows here
                recorded.append({**plain(c), **result, "mutated": _changed(c["params"], given)})
    probe["cases"] = recorded
    return probe
