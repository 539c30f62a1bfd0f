"""Records assignment 5, "the why".
Runs in the grader: the learner's functions are called through `calls` (in the sandboxed host when grading).
"""

from __future__ import annotations

import numpy as np

from autograder.assignments.common import points
from autograder.assignments.common.datasets import DATASETS
from autograder.assignments.common.points import init_params
from autograder.assignments.layers.recorder import plain
from autograder.assignments.why import draws as why_draws
from autograder.engine import calls


def seed_data():
    data = DATASETS["regression"]
    return data[:, :2].copy(), data[:, 2].copy()




def random_deep(rng, depth: int, hidden: str) -> dict:
    width = int(rng.integers(3, 7))
    n_in = int(rng.choice([w for w in range(2, 6) if w != width]))
    sizes = [n_in] + [width + int(rng.integers(-1, 2)) for _ in range(depth - 1)] + [1]
    params = {}
    for k in range(1, depth + 1):
        params[f"W{k}"] = rng.normal(0, 1 / np.sqrt(sizes[k - 1]), (sizes[k - 1], sizes[k]))
        params[f"b{k}"] = rng.normal(0, 0.1, sizes[k])
    n = int(rng.integers(3, 8))
    X, Y = rng.normal(size=(n, n_in)), (rng.random((n, 1)) < 0.5).astype(np.float64)
    Y[:2, 0] = [1.0, 0.0]
    return {"X": X, "Y": Y, "params": params, "activations": [hidden] * (depth - 1) + ["sigmoid"]}


TITLES = {"regime": "Which learning-rate regime?", "stopping": "Stopping on a tolerance",
          "gradient_norms": "Gradient norms per layer"}


FUNCTION = {"regime": "lr_regime", "stopping": "train_until", "gradient_norms": "layer_gradient_norms"}


def regime_curves() -> dict[str, list[float]]:
    """Hidden curves: real runs on a hidden 5-row data set in every regime, built so that each misreading
    is caught on them at every draw or at none (`why_draws.regime_runs`), then the boundary curves."""
    out = why_draws.regime_runs()
    out.update(why_draws.edge_curves())
    return out


def record(exercise: str, namespace: dict, standins: dict) -> dict:
    function = FUNCTION[exercise]
    probe: dict = {"exercise": exercise, "function": function}
    fn = namespace.get(function)
    if fn is None:
        probe["missing"] = f"no function named {function!r} is defined in your notebook"
        return probe
    cases, call = [], calls.Caller(fn, seconds=10.0 if exercise == "stopping" else calls.CALL_SECONDS)
    if exercise == "regime":
        for name, losses in regime_curves().items():
            cases.append({"name": name, "losses": [float(v) if np.isfinite(v) else repr(float(v)) for v in losses],
                          **call(np.array(losses, dtype=np.float64))})
    elif exercise == "stopping":
        X, y, runs = why_draws.stop_runs()  # each misreading stops elsewhere in one
        with calls.replaced(namespace, sgd_epoch=standins["why"].sgd_epoch):  # exact, not the notebook's finite differences
            for lr, tol, max_epochs in runs:
                cases.append({"X": X.tolist(), "y": y.tolist(), "lr": lr, "tol": tol, "max_epochs": max_epochs,
                              **call(X.copy(), y.copy(), init_params(), lr, tol, max_epochs)})
    else:
        rng = points.rng_for("why", exercise)
        with calls.replaced(namespace, network_gradients=standins["why"].network_gradients):
            for depth, hidden in ((5, "sigmoid"), (4, "tanh"), (3, "relu")):
                net = random_deep(rng, depth, hidden)
                result = call(net["X"].copy(), net["Y"].copy(),
                                      {k: v.copy() for k, v in net["params"].items()}, list(net["activations"]))
                cases.append({**plain(net), **result})
    probe["cases"] = cases
    return probe
