"""Records the 2-2-1 assignments (regression, classification): what each graded exercise calls in
the learner's notebook, and at which hidden points.
Runs in the grader: the learner's functions are called through `calls` (in the sandboxed host when grading).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograder.assignments.common import points
from autograder.assignments.common.datasets import DATASETS
from autograder.assignments.common.points import NETS, Params, Shape
from autograder.engine import calls

PARAM_NAMES = ("W1", "b1", "W2", "b2")


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    function: str  # the learner function the exercise grades


EXERCISES = {
    e.name: e
    for e in (
        Exercise("forward", "Forward pass", "forward"),
        Exercise("output_weights", "Output weights ∂L/∂W2", "backward"),
        Exercise("output_bias", "Output bias ∂L/∂b2", "backward"),
        Exercise("hidden_weights", "Hidden weights ∂L/∂W1", "backward"),
        Exercise("hidden_biases", "Hidden biases ∂L/∂b1", "backward"),
        Exercise("update", "Update rule", "update"),
        Exercise("train", "Training loop", "train"),
    )
}


GRADIENT_OF = {"output_weights": "W2", "output_bias": "b2", "hidden_weights": "W1", "hidden_biases": "b1"}


N_POINTS = 4


TRAIN_RUNS = {  # (rows, epochs, lr) per network: sizes differ from the seed's 4 rows / 75 epochs
    "regression": [(5, 6, 0.002), (3, 4, 0.0035)],
    "classification": [(6, 5, 0.3), (3, 4, 0.7)],
}


def plain_params(params: Params) -> dict:
    return {k: np.asarray(params[k], dtype=np.float64).tolist() for k in PARAM_NAMES}


def array_params(plain: dict) -> Params:
    return {k: np.array(plain[k], dtype=np.float64) for k in PARAM_NAMES}


def seed_case(net: Shape) -> tuple[np.ndarray, float]:
    """The example the notebook itself shows: first row of the course data."""
    data = DATASETS[net.name]
    return data[0, :2].copy(), float(data[0, 2])


def _cases(net: Shape, exercise: str):
    """Seed point first (so feedback can say "right only at the seed"), then hidden ones."""
    rng = points.rng_for(net.name, exercise)
    x0, y0 = seed_case(net)
    yield x0, y0, points.seed_params(net)
    xs, ys = points.inputs(rng, net, N_POINTS), points.targets(rng, net, N_POINTS)
    for x, y in zip(xs, ys, strict=False):
        yield x, float(y), points.params(rng, net)


def copy_params(params: Params) -> Params:
    return {k: np.array(params[k], dtype=np.float64, copy=True) for k in PARAM_NAMES}


def _mutated(before: Params, after) -> list[str]:
    """The parameters a call changed in place (`after`: what it left in its argument; None when that
    could not be read back, which says nothing)."""
    if not isinstance(after, dict):
        return []
    return [k for k in PARAM_NAMES if k in after and not _same(before[k], after[k])]


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return False


def _call_forward(fn, net, exercise):
    fn, cases = calls.Caller(fn), []
    for x, _y, p in _cases(net, exercise):
        result = fn(x.copy(), copy_params(p))
        cases.append({"x": x.tolist(), "params": plain_params(p), **result})
    return cases


def _call_backward(fn, net, exercise, standins):
    forward = standins["two_layer_forward"].forward
    fn, cases = calls.Caller(fn), []
    for x, y, p in _cases(net, exercise):
        y_hat, cache = forward(net.name, x, p)
        result = fn(y, y_hat, {k: np.copy(v) for k, v in cache.items()}, copy_params(p), after=(3,))
        given = result.pop("_after", [None])[0]
        cases.append({"x": x.tolist(), "y": y, "params": plain_params(p), **result,
                      "mutated": _mutated(p, given)})
    return cases


def _call_update(fn, net, exercise):
    rng = points.rng_for(net.name, exercise)
    fn, cases = calls.Caller(fn), []
    for _ in range(3):
        p, g = points.params(rng, net), points.params(rng, net, scale=3.0)
        lr = float(rng.uniform(0.01, 0.5))
        result = fn(copy_params(p), copy_params(g), lr, after=(0, 1))
        p_in, g_in = result.pop("_after", [None, None])
        cases.append({"params": plain_params(p), "grads": plain_params(g), "lr": lr, **result,
                      "mutated": _mutated(p, p_in) + [f"grads[{k!r}]" for k in _mutated(g, g_in)]})
    return cases


def _call_train(fn, net, exercise, namespace, standins):
    rng = points.rng_for(net.name, exercise)
    fn, cases = calls.Caller(fn, seconds=10.0), []
    for rows, epochs, lr in TRAIN_RUNS[net.name]:
        X, y, p = points.inputs(rng, net, rows), points.targets(rng, net, rows), points.params(rng, net, 0.3)
        correct = standins["two_layer_backward"].learner_api(net.name)  # only the loop is graded here
        with calls.replaced(namespace, **correct):
            result = fn(X.copy(), y.copy(), copy_params(p), lr, epochs, after=(2,))
        given = result.pop("_after", [None])[0]  # the caller's params after the call: aliasing shows here
        cases.append({"X": X.tolist(), "y": y.tolist(), "params": plain_params(p), "lr": lr,
                      "epochs": epochs, **result, "mutated": _mutated(p, given)})
    return cases


def record(network: str, exercise: str, namespace: dict, standins: dict) -> dict:
    """Run the learner's function for one exercise at its hidden points; return the probe."""
    net = NETS[network]
    ex = EXERCISES[exercise]
    fn = namespace.get(ex.function)
    probe = {"network": network, "exercise": exercise, "function": ex.function}
    if fn is None:
        probe["missing"] = f"no function named {ex.function!r} is defined in your notebook"
        return probe
    if ex.function == "forward":
        probe["cases"] = _call_forward(fn, net, exercise)
    elif ex.function == "backward":
        probe["cases"] = _call_backward(fn, net, exercise, standins)
    elif ex.function == "update":
        probe["cases"] = _call_update(fn, net, exercise)
    else:
        probe["cases"] = _call_train(fn, net, exercise, namespace, standins)
    return probe
