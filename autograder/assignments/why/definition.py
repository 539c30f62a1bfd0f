"""Assignment 5, "the why": learning-rate regimes, a precise stopping rule, vanishing gradients.

The learner's functions are graded against the definitions below, which the notebook states
word for word, on training curves the oracle produces (per-sample SGD on the regression network,
sympy gradients) and on edge-case curves made to sit on each rule's boundary. Gradient norms are
judged against `layers.gradients` (per-layer sympy derivatives).
"""

from __future__ import annotations

import numpy as np

from autograder.assignments.common.network import REGRESSION
from autograder.assignments.common.points import init_params  # noqa: F401
from autograder.assignments.layers import definition as layers
from autograder.assignments.two_layer.reference import Reference

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
    if misreading == "non-finite losses not read as diverging":
        diverging = bool(L[-1] > L[0])
    oscillating = rises > 0.1 * (len(L) - 1) if misreading == "more than 10% (not at least)" else rises >= 0.1 * (
        len(L) - 1)
    k = 1 if misreading == "second loss read for the tenth" else max(1, len(L) // 10)
    if misreading == "tenth without max(1, ·)":
        k = len(L) // 10
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
    "non-finite losses not read as diverging": "A run whose loss becomes inf or NaN diverges, whatever its last "
                                               "value compares to (every comparison with NaN is False).",
    "second loss read for the tenth": "Slow looks at the loss after the first tenth of the epochs, L[max(1, T // 10)]; "
                                      "L[1] is that only for runs shorter than 20 epochs.",
    "tenth without max(1, ·)": "Slow looks at L[max(1, T // 10)]: for a run shorter than 10 epochs T // 10 is 0, "
                               "and L[0] is always above half of itself; the rule reads L[1] there.",
}


def sgd_epoch(X, y, params, lr):
    """One epoch of per-sample SGD on the regression network (exact sympy gradients):
    (epoch loss = mean of the pre-update losses, new params)."""
    with np.errstate(all="ignore"):  # a diverging run overflows: that is its answer, not a warning
        losses, params = Reference(REGRESSION).train(X, y, params, lr, 1)
    return float(losses[0]), params


def train_until(X, y, params, lr, tol, max_epochs, epoch=sgd_epoch, misreading: str | None = None):
    """The notebook's stopping rule: run epochs 1, 2, …; stop after the first epoch e ≥ 2 with
    |L_e − L_(e−1)| < tol, or after an epoch whose loss is not finite, or after max_epochs.
    Returns (e, losses of epochs 1..e). `misreading` names one of STOP_MISREADINGS."""
    losses = []
    for e in range(1, max_epochs + 1):
        loss, params = epoch(X, y, params, lr)
        losses.append(loss)
        if misreading != "no stop on a non-finite loss" and not np.isfinite(loss):
            break
        if e >= 2:
            with np.errstate(all="ignore"):
                change = abs(losses[-1] - (losses[0] if misreading == "compared with the first loss" else losses[-2]))
                limit = tol * abs(losses[-2]) if misreading == "relative change" else tol
            if change < limit:
                break
    return len(losses), np.array(losses)


STOP_MISREADINGS = {
    "relative change": "The rule compares the absolute change |L_e − L_(e−1)| with tol, not the change relative to "
                       "the loss.",
    "compared with the first loss": "The rule compares each loss with the one just before it, L_(e−1), not with L_1.",
    "no stop on a non-finite loss": "Stop as soon as a loss is inf or NaN: the run has diverged, and every later "
                                    "comparison with NaN is False.",
}


def curve(X, y, params, lr, epochs) -> np.ndarray:
    with np.errstate(all="ignore"):
        return Reference(REGRESSION).train(X, y, params, lr, epochs)[0]


def reference_norms(X, Y, params, activations, of: str = "W", order=None) -> np.ndarray:
    """‖∂L/∂W_l‖ (Frobenius) per layer; `of="b"` or `order=2` (the spectral norm) reproduce mistakes."""
    grads = layers.gradients(X, Y, params, activations, "bce")
    return np.array([np.linalg.norm(np.atleast_2d(grads[f"{of}{k}"]), order) for k in range(1, len(activations) + 1)])


def exact_network_gradients(X, Y, params, activations):
    """What the notebook's finite-difference helper approximates, exactly: used while grading."""
    return layers.gradients(np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64),
                            {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}, activations, "bce")


# --- what the graded cells call -------------------------------------------------------------
