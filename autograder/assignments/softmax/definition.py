"""Assignment 6, softmax: K-class classification with a 2-layer tanh network in matrix form.

The one definition is the per-sample loss of the output head, L(z, y) = cross_entropy(y, softmax(z)),
with softmax(z)_k = exp(z_k − LSE(z)) and LSE the log-sum-exp (`LogSumExp`, whose derivative sympy
knows as the softmax itself). sympy differentiates it for each K (∂L/∂z = (Σy)·softmax(z) − y, which is
softmax(z) − y for one-hot y); the dense layers' vector-Jacobian products and tanh's slope are the
ones `layers.py` derives on symbolic sizes. So the batch oracle is a composition of derived pieces,
whatever d, h, K and n; `tests/test_softmax.py` checks it against sympy differentiating a whole small
network entry by entry, and against finite differences.

Every named mistake is derived the same way: the softmax Jacobian taken elementwise (its diagonal
p_k(1 − p_k) times ∂L/∂p_k) is sympy's diagonal of the same Jacobian; cross-entropy on the logits is
the same `cross_entropy` applied to z; the softmax without its max shift is the same formula computed
the naive way (what float64 does with e^1000 is the mistake).

Notebook layout: X (n, d), labels (n,), Y (n, K) one-hot; W1 (d, h), b1 (h,), W2 (h, K), b2 (K,).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from autograder.assignments.common.activations import cross_entropy, numeric_lse, softmax_exprs
from autograder.assignments.common.oracle import numpy_modules
from autograder.assignments.layers import definition as layers
from autograder.assignments.softmax.recorder import (  # noqa: F401  (shared with the recorder)
    GRADED_BY,
    LAYER_PARAMS,
    NAMES,
    TITLES,
    TRAIN_RUNS,
    arrays,
    cases,
    one_hot,
    plain,
    random_batch,
    random_labels,
    random_logits,
    random_params,
    random_sizes,
    shapes,
    sizes_of,
    train_runs,
)


def head_loss(z, y) -> sp.Expr:
    """L(z, y) = cross_entropy(y, softmax(z)): the one definition."""
    return cross_entropy(y, softmax_exprs(z))


def _symbols(K: int):
    return sp.symbols(f"z0:{K}", real=True), sp.symbols(f"y0:{K}", real=True)


def _modules() -> list:
    return [{"LogSumExp": numeric_lse}, *numpy_modules()]


@cache
def _head(K: int, variant: str = "correct"):
    """(z columns, y columns) ↦ [∂L/∂z_k] for one row, compiled; or a mistake's version of it."""
    z, y = _symbols(K)
    L = head_loss(z, y)
    p = softmax_exprs(z)
    if variant == "correct":
        g = [sp.diff(L, v) for v in z]
    else:
        q = sp.symbols(f"p0:{K}", positive=True)
        dL_dp = [sp.diff(cross_entropy(y, q), qk).subs(dict(zip(q, p, strict=True))) for qk in q]
        diagonal = [sp.diff(p[k], z[k]) for k in range(K)]  # ∂p_k/∂z_k, the Jacobian's diagonal
        if variant == "elementwise":  # ∂L/∂z_k taken as ∂L/∂p_k · ∂p_k/∂z_k alone
            g = [sp.powsimp(dL_dp[k] * diagonal[k]) for k in range(K)]
        elif variant == "slope on top":  # the right p − y, then multiplied by the softmax's slope again
            g = [sp.powsimp(sp.diff(L, z[k]) * diagonal[k]) for k in range(K)]
        else:
            raise KeyError(variant)
    return sp.lambdify([*z, *y], g, modules=_modules(), cse=True)


@cache
def _softmax(K: int):
    z, _ = _symbols(K)
    return sp.lambdify(z, softmax_exprs(z), modules=_modules(), cse=True)


@cache
def _loss(K: int, on_logits: bool = False):
    """Per-row loss, compiled; `on_logits` is the mistake of taking cross-entropy of z instead of softmax(z)."""
    z, y = _symbols(K)
    return sp.lambdify([*z, *y], cross_entropy(y, z) if on_logits else head_loss(z, y), modules=_modules(), cse=True)


def _columns(A) -> list[np.ndarray]:
    A = np.asarray(A, dtype=np.float64)
    return [A[:, k] for k in range(A.shape[1])]


def _stack(values, n: int) -> np.ndarray:
    return np.stack([np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)) for v in values], axis=1)


# --- the reference, in the notebook's layout ----------------------------------------------------


def softmax(Z, shifted: bool = True, global_max: bool = False) -> np.ndarray:
    """Row-wise softmax from the definition. `shifted=False` is the mistake of computing e^z / Σ e^z as
    written (nan where e^z overflows); `global_max` of shifting by the largest entry of the whole matrix
    (nan for rows far below it)."""
    Z = np.asarray(Z, dtype=np.float64)
    if not shifted or global_max:
        with np.errstate(all="ignore"):
            E = np.exp(Z - (Z.max() if global_max else 0.0))
            return E / E.sum(axis=1, keepdims=True)
    return _stack(_softmax(Z.shape[1])(*_columns(Z)), Z.shape[0])


def mean_cross_entropy(Y, P, reduce: str = "mean") -> float:
    """The batch loss from probabilities: mean over rows of −Σ Y log P (`reduce`: "sum" without the 1/n,
    "entries" dividing by n·K). The sympy definition, evaluated at p."""
    Y, P = np.asarray(Y, dtype=np.float64), np.asarray(P, dtype=np.float64)
    with np.errstate(all="ignore"):
        total = float(np.sum(_ce_of_p(Y.shape[1])(*_columns(P), *_columns(Y))))
    return total / {"mean": Y.shape[0], "sum": 1, "entries": Y.size}[reduce]


@cache
def _ce_of_p(K: int):
    p, y = sp.symbols(f"p0:{K}", positive=True), sp.symbols(f"y0:{K}", real=True)
    return sp.lambdify([*p, *y], cross_entropy(y, p), modules=_modules())


def forward(X, params: dict) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(P (n, K), cache with X, Z1, H, Z2)."""
    X = np.asarray(X, dtype=np.float64)
    p = {k: np.asarray(params[k], dtype=np.float64) for k in NAMES}
    Z1 = layers.dense_forward(X, p["W1"], p["b1"])[0]
    H = layers.activation_forward(Z1, "tanh")[0]
    Z2 = layers.dense_forward(H, p["W2"], p["b2"])[0]
    return softmax(Z2), {"X": X.copy(), "Z1": Z1, "H": H, "Z2": Z2}


def loss(X, Y, params: dict, on_logits: bool = False) -> float:
    """The batch loss: the mean over the rows of the per-sample definition."""
    Z2 = forward(X, params)[1]["Z2"]
    with np.errstate(all="ignore"):
        per_row = _loss(Z2.shape[1], on_logits)(*_columns(Z2), *_columns(Y))
    return float(np.mean(np.broadcast_to(per_row, (Z2.shape[0],))))


def gradients(X, Y, params: dict, head: str = "correct", reduce: str = "mean", slope: str = "tanh",
              stale: float = 0.0) -> dict[str, np.ndarray]:
    """∂(batch loss)/∂θ in the notebook's layout, or one mistake's version: `head` "elementwise" (the
    softmax Jacobian applied entry by entry) or "slope on top"; `reduce` "sum" (no 1/n) or "twice"
    (1/n²); `slope` "at z" (1 − Z1²), "none", "no square" (1 − H), "sigmoid" (H(1 − H)); `stale` lr:
    the hidden layer back-propagated through W2 − lr·∂L/∂W2."""
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    p = {k: np.asarray(params[k], dtype=np.float64) for k in NAMES}
    _, c = forward(X, p)
    n, K = Y.shape
    with np.errstate(all="ignore"):
        g = _stack(_head(K, head)(*_columns(c["Z2"]), *_columns(Y)), n)
    dZ2 = g / {"mean": n, "sum": 1, "twice": n * n}[reduce]
    dH, dW2, db2 = layers.dense_backward(dZ2, (c["H"], p["W2"], p["b2"]))
    if stale:
        dH = layers.dense_backward(dZ2, (c["H"], p["W2"] - stale * dW2, p["b2"]))[0]
    H = c["H"]
    if slope == "tanh":
        dZ1 = layers.activation_backward(dH, (c["Z1"], "tanh"))
    else:
        with np.errstate(all="ignore"):
            dZ1 = dH * {"at z": layers.activation_backward(np.ones_like(dH), (c["Z1"], "tanh"), at_z=True),
                        "none": 1.0, "no square": 1.0 - H, "sigmoid": H * (1.0 - H)}[slope]
    _, dW1, db1 = layers.dense_backward(dZ1, (c["X"], p["W1"], p["b1"]))
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def train(X, labels, params: dict, lr: float, epochs: int, loss_after: bool = False, keep: bool = True,
          output_first: bool = False, on_logits: bool = False, **mistake) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Full-batch gradient descent from class indices; losses[e] is the batch loss before epoch e's update.
    Keywords reproduce mistakes: those of `gradients`, `loss_after`, `keep=False` (the new parameters
    never kept), `output_first` (W2, b2 updated before the hidden gradients are computed), `on_logits`
    (each loss is the cross-entropy of Z2, not of the probabilities)."""
    params = {k: np.array(params[k], dtype=np.float64) for k in NAMES}
    Y = one_hot(labels, params["W2"].shape[1])
    losses = np.empty(epochs)
    for e in range(epochs):
        g = gradients(X, Y, params, **mistake)
        before = loss(X, Y, params, on_logits)
        if output_first:
            params = {**params, "W2": params["W2"] - lr * g["W2"], "b2": params["b2"] - lr * g["b2"]}
            g = gradients(X, Y, params, **mistake)
            params = {**params, "W1": params["W1"] - lr * g["W1"], "b1": params["b1"] - lr * g["b1"]}
        elif keep:
            params = {k: params[k] - lr * g[k] for k in NAMES}
        losses[e] = loss(X, Y, params, on_logits) if loss_after else before
    return losses, params


# --- the named mistakes -------------------------------------------------------------------------

SOFTMAX_MISTAKES = (
    ("no max shift", "e^z overflows float64 beyond z ≈ 709: subtract each row's maximum before exp "
     "(softmax(z) = softmax(z − max z), the same probabilities, and exp never sees a positive number).",
     {"shifted": False}),
    ("shifted by the global maximum", "Shift each row by its own maximum (axis=1, keepdims=True): shifted by "
     "the largest entry of the whole matrix, a row far below it underflows to 0/0.", {"global_max": True}),
)


def mistakes():
    """(name, explanation, keyword arguments of `gradients`/`train`) for every known batch mistake."""
    yield "softmax Jacobian applied elementwise", (
        "The softmax mixes the classes: ∂p_j/∂z_k = p_j(δ_jk − p_k) is a full K×K Jacobian, not its diagonal "
        "p_k(1 − p_k). Chained with ∂L/∂p_j = −y_j/p_j it sums to ∂L/∂Z2 = (P − Y)/n."), {"head": "elementwise"}
    yield "softmax slope on top of P − Y", (
        "P − Y is already ∂L/∂Z2 through the softmax (times 1/n): do not multiply by P(1 − P) again."), \
        {"head": "slope on top"}
    yield "summed over the batch", "The loss is the mean over the rows: ∂L/∂Z2 = (P − Y)/n.", {"reduce": "sum"}
    yield "divided by n twice", ("The 1/n of the mean is already in ∂L/∂Z2 = (P − Y)/n; the matrix products "
                                 "and the bias sums over the rows then add the rows up."), {"reduce": "twice"}
    yield "tanh' at Z", "tanh'(z) = 1 − tanh²(z) = 1 − H²: square the hidden output H, not Z1.", {"slope": "at z"}
    yield "tanh' left out", "Between ∂L/∂H and ∂L/∂Z1 comes tanh'(Z1) = 1 − H², elementwise.", {"slope": "none"}
    yield "tanh' without the square", "tanh'(z) = 1 − tanh²(z) = 1 − H², squared.", {"slope": "no square"}
    yield "sigmoid' for a tanh", "This hidden layer is tanh: its slope is 1 − H², not H(1 − H).", {"slope": "sigmoid"}


def train_mistakes():
    """(name, explanation, keyword arguments of `train`) for the loop's own mistakes."""
    yield "cross-entropy on the logits", ("The loss is the cross-entropy of the probabilities P = softmax(Z2), "
                                          "not of the logits Z2 (log of a negative logit is nan)."), {"on_logits": True}
    yield "loss measured after the update", "Record each epoch's loss from the forward pass before the update.", \
        {"loss_after": True}
    yield "parameters never kept", ("Keep the new parameters (params = ...) or every epoch starts again from the "
                                    "initial ones and the loss never moves."), {"keep": False}
    yield "output layer updated before the hidden gradients", (
        "Compute every gradient of the epoch from the same parameters, then update them all."), {"output_first": True}
