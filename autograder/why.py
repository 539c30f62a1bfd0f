"""Assignment 5, "the why": learning-rate regimes, a precise stopping rule, vanishing gradients.

The learner's functions are graded against the definitions below, which the notebook states
word for word, on training curves the oracle produces (per-sample SGD on the regression network,
sympy gradients) and on edge-case curves made to sit on each rule's boundary. Gradient norms are
judged against `layers.gradients` (per-layer sympy derivatives).
"""

from __future__ import annotations

import numpy as np

from autograder import layers, points, sandbox
from autograder.datasets import DATASETS
from autograder.network import REGRESSION
from autograder.reference import Reference, init_params

REGIMES = ("slow", "converges", "oscillates", "diverges")


def regime(losses, misreading: str | None = None) -> str:
    """The notebook's definition, in order:
    diverges   a loss is not finite, or the last loss is above the first;
    oscillates the loss rises from one epoch to the next in at least 10% of the steps;
    slow       after the first tenth of the epochs (at least one epoch), the loss is still above
               half of the first loss;
    converges  otherwise.
    `misreading` names one of MISREADINGS: the same rules, read the way learners misread them."""
    L = np.asarray(losses, dtype=np.float64)
    finite = np.all(np.isfinite(L))
    rises = int(np.sum(np.diff(L) > 0))
    diverging = not finite or (L[-1] >= L[0] if misreading == "last = first read as diverging" else L[-1] > L[0])
    oscillating = rises > 0.1 * (len(L) - 1) if misreading == "more than 10% (not at least)" else rises >= 0.1 * (
        len(L) - 1)
    k = max(1, len(L) // 10)
    slow = L[k] >= 0.5 * L[0] if misreading == "exactly half counted as slow" else L[k] > 0.5 * L[0]
    if misreading == "oscillation checked before divergence" and finite and oscillating:
        return "oscillates"
    if diverging:
        return "diverges"
    if oscillating:
        return "oscillates"
    return "slow" if slow else "converges"


MISREADINGS = {
    "last = first read as diverging": "Diverging means the last loss is *above* the first; equal is not above.",
    "more than 10% (not at least)": "Oscillating means rises in *at least* 10% of the steps: exactly 10% counts.",
    "exactly half counted as slow": "Slow means *above* half of the first loss; exactly half is not slow.",
    "oscillation checked before divergence": "Apply the rules in their order: diverges is checked first.",
}


def sgd_epoch(X, y, params, lr):
    """One epoch of per-sample SGD on the regression network (exact sympy gradients):
    (epoch loss = mean of the pre-update losses, new params)."""
    with np.errstate(all="ignore"):  # a diverging run overflows: that is its answer, not a warning
        losses, params = Reference(REGRESSION).train(X, y, params, lr, 1)
    return float(losses[0]), params


def train_until(X, y, params, lr, tol, max_epochs, epoch=sgd_epoch):
    """The notebook's stopping rule: run epochs 1, 2, …; stop after the first epoch e ≥ 2 with
    |L_e − L_(e−1)| < tol, or after an epoch whose loss is not finite, or after max_epochs.
    Returns (e, losses of epochs 1..e)."""
    losses = []
    for e in range(1, max_epochs + 1):
        loss, params = epoch(X, y, params, lr)
        losses.append(loss)
        if not np.isfinite(loss) or (e >= 2 and abs(losses[-1] - losses[-2]) < tol):
            break
    return len(losses), np.array(losses)


def seed_data():
    data = DATASETS["regression"]
    return data[:, :2].copy(), data[:, 2].copy()


def curve(X, y, params, lr, epochs) -> np.ndarray:
    with np.errstate(all="ignore"):
        return Reference(REGRESSION).train(X, y, params, lr, epochs)[0]


def edge_curves() -> dict[str, list[float]]:
    """Curves on the rules' boundaries, where a near-miss reading of the definition goes wrong."""
    return {
        "last equals first": [5.0, 4.0, 6.0, 5.0],                        # not above: 2 rises of 3 → oscillates
        "last just above first": [5.0, 1.0, 1.0, 5.000001],              # diverges
        "an infinite loss": [3.0, 2.0, np.inf, 1.0],                      # diverges
        "exactly 10% rises": [10.0, 4.0, 3.9, 3.95] + [3.8 - 0.1 * k for k in range(7)],      # 1 rise in 10 steps
        "just under 10% rises": [10.0, 4.0, 3.9, 3.95] + [3.8 - 0.1 * k for k in range(8)],   # 1 in 11: converges
        "half left after a tenth": [8.0, 4.0] + [3.9 - 0.1 * k for k in range(8)],       # L[1] = 4 = half: converges
        "just over half after a tenth": [8.0, 4.01] + [3.9 - 0.1 * k for k in range(8)],  # slow
        "flat": [2.0] * 12,                                                # no rise, half never reached: slow
    }


def reference_norms(X, Y, params, activations) -> np.ndarray:
    grads = layers.gradients(X, Y, params, activations, "bce")
    return np.array([np.linalg.norm(grads[f"W{k}"]) for k in range(1, len(activations) + 1)])


def exact_network_gradients(X, Y, params, activations):
    """What the notebook's finite-difference helper approximates, exactly: used while grading."""
    return layers.gradients(np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64),
                            {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}, activations, "bce")


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


# --- what the graded cells call -------------------------------------------------------------

TITLES = {"regime": "Which learning-rate regime?", "stopping": "Stopping on a tolerance",
          "gradient_norms": "Gradient norms per layer"}
FUNCTION = {"regime": "lr_regime", "stopping": "train_until", "gradient_norms": "layer_gradient_norms"}


def regime_curves() -> dict[str, list[float]]:
    """Hidden curves: real runs on a hidden 5-row data set at learning rates of every regime, then the edges."""
    rng = points.rng_for("why", "regime")
    X = points.inputs(rng, REGRESSION, 5)
    y = points.targets(rng, REGRESSION, 5)
    out = {}
    for lr, epochs in ((2e-4, 40), (1.5e-3, 60), (1.2e-2, 50), (3e-2, 30), (4e-4, 90)):
        out[f"hidden data, lr {lr:g}, {epochs} epochs"] = curve(X, y, init_params(), lr, epochs).tolist()
    out.update(edge_curves())
    return out


STOP_RUNS = [(1e-3, 5e-4, 300), (2e-3, 1e-3, 200), (1e-3, 1e-9, 40), (5e-2, 1e-3, 100)]  # (lr, tol, max_epochs)


def record(exercise: str, namespace: dict) -> dict:
    function = FUNCTION[exercise]
    probe: dict = {"exercise": exercise, "function": function}
    fn = namespace.get(function)
    if fn is None:
        probe["missing"] = f"no function named {function!r} is defined in your notebook"
        return probe
    cases, call = [], sandbox.Caller(fn, seconds=10.0 if exercise == "stopping" else sandbox.CALL_SECONDS)
    if exercise == "regime":
        for name, losses in regime_curves().items():
            cases.append({"name": name, "losses": [float(v) if np.isfinite(v) else repr(float(v)) for v in losses],
                          **call(np.array(losses, dtype=np.float64))})
    elif exercise == "stopping":
        rng = points.rng_for("why", exercise)
        X, y = points.inputs(rng, REGRESSION, 5), points.targets(rng, REGRESSION, 5)
        with sandbox.replaced(namespace, sgd_epoch=sgd_epoch):  # exact, not the notebook's finite differences
            for lr, tol, max_epochs in STOP_RUNS:
                cases.append({"X": X.tolist(), "y": y.tolist(), "lr": lr, "tol": tol, "max_epochs": max_epochs,
                              **call(X.copy(), y.copy(), init_params(), lr, tol, max_epochs)})
    else:
        rng = points.rng_for("why", exercise)
        with sandbox.replaced(namespace, network_gradients=exact_network_gradients):
            for depth, hidden in ((5, "sigmoid"), (4, "tanh"), (3, "relu")):
                net = random_deep(rng, depth, hidden)
                result = call(net["X"].copy(), net["Y"].copy(),
                                      {k: v.copy() for k, v in net["params"].items()}, list(net["activations"]))
                cases.append({**layers.plain(net), **result})
    probe["cases"] = cases
    return probe
