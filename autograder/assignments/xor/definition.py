"""Assignment 3, XOR: the sigmoid 2-2-1 network in matrix form over a whole batch.

The network is defined once (`network.XOR`: sigmoid hidden and output units, squared error).
The batch loss is the mean of the per-sample losses, so every batch gradient here is the mean
of the oracle's per-sample gradients, and every known mistake is the mean of that mistake's
per-sample variant (`mistakes.py`), plus the mistakes only a batch can show (a sum instead of
a mean).

Notebook layout: X (n, 2), Y (n, 1); W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,).
"""

from __future__ import annotations

import numpy as np

from autograder.assignments.common import oracle
from autograder.assignments.common.mistakes import for_network
from autograder.assignments.common.network import XOR
from autograder.assignments.common.oracle import CORRECT, Variant
from autograder.assignments.xor.recorder import (  # noqa: F401  (shared with the recorder)
    DATA_X,
    DATA_Y,
    GRADED_BY,
    KNOWN_GOOD,
    LAYER_PARAMS,
    NAMES,
    SHAPES,
    TITLES,
    TRAIN_RUNS,
    arrays,
    cases,
    known_good,
    plain,
    random_batch,
    random_params,
)

LR, EPOCHS = 0.1, 10_000


def _per_sample(params: dict) -> oracle.Params:
    """Notebook layout → the oracle's per-sample layout (W2 (2,), b2 a scalar)."""
    p = {k: np.asarray(params[k], dtype=np.float64) for k in NAMES}
    return {"W1": p["W1"], "b1": p["b1"], "W2": p["W2"].reshape(2), "b2": np.float64(p["b2"].reshape(-1)[0])}


def forward(X, params: dict) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The oracle's forward pass, row by row: (Y_hat (n, 1), cache with X, Z1, H, Z2)."""
    p = _per_sample(params)
    rows = [oracle.forward(XOR, x, p) for x in np.asarray(X, dtype=np.float64)]
    cache = {"X": np.asarray(X, dtype=np.float64).copy(), "Z1": np.array([c["z1"] for _, c in rows]),
             "H": np.array([c["h"] for _, c in rows]), "Z2": np.array([[c["z2"]] for _, c in rows])}
    return np.array([[y] for y, _ in rows]), cache


def loss(X, Y, params: dict) -> float:
    """Mean over the batch of (y − ŷ)²."""
    p = _per_sample(params)
    return float(np.mean([oracle.loss(XOR, x, y, p) for x, y in zip(X, np.ravel(Y), strict=True)]))


def gradients(X, Y, params: dict, variant: Variant = CORRECT, reduce: str = "mean", stale: bool = False,
              lr: float = LR) -> dict[str, np.ndarray]:
    """∂(batch loss)/∂θ in the notebook layout: the mean (or, for a mistake, the sum) of the
    per-sample gradients, each derived by sympy.

    `stale` is the batch form of the stale-W2 mistake: the hidden gradients back-propagated through
    W2 − lr·∂L/∂W2 (the batch gradient). Hidden unit j's gradients are linear in W2[j], so they are
    the right ones scaled by W2'[j] / W2[j]."""
    p = _per_sample(params)
    per = [oracle.gradients(XOR, x, y, p, lr=lr, variant=variant) for x, y in zip(X, np.ravel(Y), strict=True)]
    agg = np.mean if reduce == "mean" else np.sum
    out = {k: agg([g[k] for g in per], axis=0).reshape(SHAPES[k]) for k in NAMES}
    if stale:
        W2 = np.asarray(params["W2"], dtype=np.float64).reshape(-1)
        scale = (W2 - lr * out["W2"].reshape(-1)) / W2
        out["W1"], out["b1"] = out["W1"] * scale, out["b1"] * scale
    return out


def train(X, Y, params: dict, lr: float, epochs: int, variant: Variant = CORRECT, reduce: str = "mean",
          loss_after: bool = False, stale: bool = False, keep: bool = True,
          output_first: bool = False, restart: bool = False,
          epoch_loss: str = "mean") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Full-batch gradient descent; losses[e] is the batch loss before epoch e's update. The other
    keywords reproduce mistakes: `keep=False` never keeps the updated parameters; `output_first`
    updates W2, b2, then computes the hidden layer's gradients at the updated parameters; `restart` starts
    every epoch again from the initial parameters; `epoch_loss` other than "mean" records a misread loss
    (`LOSS_SLIPS`)."""
    params = initial = {k: np.array(params[k], dtype=np.float64) for k in NAMES}
    losses = np.empty(epochs)
    for e in range(epochs):
        if restart:
            params = dict(initial)
        g = gradients(X, Y, params, variant, reduce, stale, lr)
        before = loss(X, Y, params) if epoch_loss == "mean" else LOSS_SLIPS[epoch_loss][2](X, Y, params)
        if output_first:
            params = {**params, "W2": params["W2"] - lr * g["W2"], "b2": params["b2"] - lr * g["b2"]}
            g = gradients(X, Y, params, variant, reduce, stale, lr)
            params = {**params, "W1": params["W1"] - lr * g["W1"], "b1": params["b1"] - lr * g["b1"]}
        elif keep:
            params = {k: params[k] - lr * g[k] for k in NAMES}
        losses[e] = loss(X, Y, params) if loss_after else before
    return losses, params


def _pairs_loss(X, Y, params) -> float:
    Y_hat = forward(X, params)[0]
    return float(np.mean((np.ravel(Y) - Y_hat) ** 2))  # (n,) − (n, 1): an n × n table of every pair


def _square_of_mean(X, Y, params) -> float:
    Y_hat = forward(X, params)[0]
    return float(np.mean(np.asarray(Y).reshape(-1, 1) - Y_hat) ** 2)


LOSS_SLIPS = {  # how the batch loss is misread: name, sentence, value
    "pairs": ("(n,) against (n, 1) in the loss",
              "Y of shape (n,) minus Ŷ of shape (n, 1) broadcasts to an n × n table of every pair of rows, so the "
              "loss is a mean over n² differences; keep both (n, 1) (Y.reshape(-1, 1), or no ravel).", _pairs_loss),
    "square of mean": ("the square of the mean error",
                       "The loss is the mean of the squared errors, mean((Y − Ŷ)²), not the square of the mean "
                       "error, mean(Y − Ŷ)².", _square_of_mean),
}


def mistakes():
    """(name, explanation, keyword arguments of `gradients`/`train`) for every known batch mistake."""
    yield "summed over the batch", "The batch loss is the mean over the samples: divide the summed gradient by n.", \
        {"reduce": "sum"}
    yield "stale W2", "Back-propagate through the W2 of the forward pass: compute every gradient before updating.", \
        {"stale": True}
    for m in for_network(XOR):
        if m.name != "stale W2":  # its per-sample form; the batch form is the one above
            yield m.name, m.explanation, {"variant": m}


# --- what the graded cells call -------------------------------------------------------------


def _reference_backward(Y, Y_hat, cache, params):
    del Y_hat
    return gradients(cache["X"], Y, params)
