"""Ground truth for the float64 oracle: the textbook definitions, evaluated by mpmath.

The oracle evaluates some formulas in forms that keep float64's digits (σ(−z) for 1 − σ(z),
softplus for cross-entropy, sech² for 1 − tanh²). Nothing here is rewritten that way: σ is
1 / (1 + e^(−z)), the losses are the course's, sympy differentiates them, and mpmath evaluates
the result with 50 significant digits plus as many as saturation cancels (1 − σ(800) ≈ 1e−348
needs 348 more). `error` says how far a float64 value is from that.

The same network and loss definitions are used as by the oracle, so this checks the numerics,
not the calculus; `tests/assignments/test_oracle_more.py` checks the per-layer composition against sympy
differentiating whole networks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from autograder.assignments.common.network import PARAM_NAMES, XOR, Network
from autograder.assignments.common.oracle import diff_params
from autograder.assignments.layers import definition as layers
from autograder.assignments.warmup import definition as warmup

DIGITS = 50
# The oracle's promise, per value: within REL of the truth, relative; a value that is a sum of
# terms cancelling each other (a batch mean, a matrix product) within SUM_REL of its terms' size,
# which is what float64 addition can give; and nothing asked below float64's normal range.
REL, SUM_REL, FLOOR = 1e-12, 1e-14, 1e-290


def digits_for(*preactivations) -> int:
    """50 digits, plus the ones that e^(−|z|) next to 1 needs for the largest |z| given."""
    biggest = max((float(np.max(np.abs(v))) for v in preactivations if np.size(v)), default=0.0)
    return DIGITS + 10 + math.ceil(biggest / math.log(10))


def _mp(values) -> np.ndarray:
    """float64 values as exact mpmath numbers in an object array."""
    arr = np.asarray(values, dtype=np.float64)
    return np.frompyfunc(lambda v: mpmath.mpf(float(v)), 1, 1)(arr).astype(object).reshape(arr.shape)


def _textbook(activation: Callable) -> Callable:
    """The activation written with exp only (σ(t) → 1 / (1 + e^(−t)))."""
    return lambda t: sp.sympify(activation(t)).rewrite(sp.exp)


# --- 2-2-1 networks (regression, classification, XOR's per-sample network) -------------------


@cache
def _two_layer(net: Network):
    s = net.symbols()
    f = net.forward_exprs(s, _textbook(net.hidden_activation), _textbook(net.output_activation))
    L = net.loss(s.y, f["y_hat"])
    grads = diff_params(L, s)
    exprs = [f["y_hat"], L, *[e for name in PARAM_NAMES for e in grads[name]]]
    return sp.lambdify(s.flat(), exprs, "mpmath")


def two_layer(net: Network, x, y: float, params: dict) -> dict[str, np.ndarray]:
    """{"y_hat", "loss", "W1", "b1", "W2", "b2"} at one sample, as mpmath numbers."""
    x = np.asarray(x, dtype=np.float64).reshape(net.n_in)
    p = {k: np.asarray(params[k], dtype=np.float64) for k in PARAM_NAMES}
    z1 = x @ p["W1"] + p["b1"]  # z1 and a bound on |z2|: their size sets the digits needed
    z2_bound = np.abs(p["W2"]).sum() * max(1.0, float(np.max(np.abs(z1)))) + abs(float(p["b2"]))
    flat = [*x, y, 0.0] + [v for k in PARAM_NAMES for v in np.ravel(p[k])]
    with mpmath.workdps(digits_for(z1, [z2_bound])):
        values = _two_layer(net)(*[mpmath.mpf(float(v)) for v in flat])
    out = {"y_hat": np.array(values[0], dtype=object), "loss": np.array(values[1], dtype=object)}
    start = 2
    shapes = {"W1": (net.n_in, net.n_hidden), "b1": (net.n_hidden,), "W2": (net.n_hidden,), "b2": ()}
    for name, shape in shapes.items():
        size = int(np.prod(shape, dtype=int))
        out[name] = np.array(values[start:start + size], dtype=object).reshape(shape)
        start += size
    return out


def xor_batch(X, Y, params: dict) -> dict[str, np.ndarray]:
    """XOR's batch gradients (mean over the rows), notebook layout: W2 (2, 1), b2 (1,), and under
    "|W1|" … the mean of the rows' absolute values: the size of the terms the mean adds up."""
    p = {"W1": params["W1"], "b1": params["b1"], "W2": np.ravel(params["W2"]), "b2": float(np.ravel(params["b2"])[0])}
    rows = [two_layer(XOR, x, float(y), p) for x, y in zip(np.asarray(X), np.ravel(Y), strict=True)]
    n = len(rows)
    out = {}
    for k in PARAM_NAMES:
        for key, part in ((k, lambda v: v), (f"|{k}|", np.abs)):
            mean = np.asarray(sum(part(r[k]) for r in rows) / n, dtype=object)
            out[key] = mean.reshape(2, 1) if k == "W2" else mean.reshape(1) if k == "b2" else mean
    return out


# --- the warm-up neuron ----------------------------------------------------------------------


@cache
def _neuron(activation: str):
    w, b, x, y, t, y_hat = warmup.w, warmup.b, warmup.x, warmup.y, warmup.z, warmup.y_hat
    act = _textbook(warmup.ACTIVATIONS[activation])
    zx = w * x + b
    L = warmup.squared_error(y, act(zx))
    exprs = {
        "dL_dyhat": sp.diff(warmup.squared_error(y, y_hat), y_hat).subs(y_hat, act(zx)),
        "dyhat_dz": sp.diff(act(t), t).subs(t, zx),
        "dz_dw": sp.diff(zx, w),
        "dz_db": sp.diff(zx, b),
        "loss": L,
        "dL_dw": sp.diff(L, w),
        "dL_db": sp.diff(L, b),
    }
    return {k: sp.lambdify((x, y, w, b), e, "mpmath") for k, e in exprs.items()}


def neuron(activation: str, xs, ys, w: float, b: float) -> dict[str, np.ndarray]:
    """The warm-up's links, loss and gradients at each sample, as mpmath numbers."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    with mpmath.workdps(digits_for(w * xs + b)):
        args = [(mpmath.mpf(float(xv)), mpmath.mpf(float(yv)), mpmath.mpf(w), mpmath.mpf(b))
                for xv, yv in zip(xs, ys, strict=True)]
        return {k: np.array([mpmath.mpf(f(*a)) for a in args], dtype=object) for k, f in _neuron(activation).items()}


# --- any depth (assignments 4 and 5) ---------------------------------------------------------


@cache
def _activation(kind: str):
    act = layers.ACTIVATIONS[kind]
    f = sp.lambdify(layers.z, act, "mpmath")
    df = sp.lambdify(layers.z, sp.diff(act, layers.z), "mpmath")
    return np.frompyfunc(f, 1, 1), np.frompyfunc(df, 1, 1)


@cache
def _loss(kind: str):
    loss, y, y_hat = layers.LOSSES[kind], layers.y, layers.y_hat
    return np.frompyfunc(sp.lambdify((y, y_hat), loss, "mpmath"), 2, 1), \
        np.frompyfunc(sp.lambdify((y, y_hat), sp.diff(loss, y_hat), "mpmath"), 2, 1)


def network(X, Y, params: dict, activations, loss_kind: str) -> dict[str, np.ndarray]:
    """∂L/∂θ of the batch loss (mean over rows, summed over outputs) and "loss", as mpmath numbers:
    every activation and loss slope as sympy derives it from the textbook definition. Under
    "|W1|" … the same backward pass on absolute values: the size of the terms each entry sums."""
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    _, caches = layers.model_forward(X, params, activations)  # float64, only to count the digits needed
    with mpmath.workdps(digits_for(*[c[1][0] for c in caches])):
        A, kept = _mp(X), []
        for layer, kind in enumerate(activations, start=1):
            W, b = _mp(params[f"W{layer}"]), _mp(params[f"b{layer}"])
            Z = A @ W + b
            kept.append((A, Z, W, kind))
            A = _activation(kind)[0](Z)
        n = X.shape[0]
        loss, dloss = _loss(loss_kind)
        out = {"loss": np.array(np.sum(loss(_mp(Y), A)) / n, dtype=object)}
        dA = dloss(_mp(Y), A) / n
        size = np.abs(dA)
        for layer in range(len(activations), 0, -1):
            A_prev, Z, W, kind = kept[layer - 1]
            slope = _activation(kind)[1](Z)
            dZ, size = dA * slope, size * np.abs(slope)
            out[f"W{layer}"], out[f"b{layer}"] = A_prev.T @ dZ, dZ.sum(axis=0)
            out[f"|W{layer}|"], out[f"|b{layer}|"] = np.abs(A_prev).T @ size, size.sum(axis=0)
            dA, size = dZ @ W.T, size @ np.abs(W).T
    return out


# --- comparing ---------------------------------------------------------------------------------


def error(value, truth, size=None) -> tuple[float, float]:
    """(share of the allowance used, relative error) of float64 `value` against `truth`.

    The allowance is REL·|truth| + SUM_REL·size + FLOOR, `size` being the size of the terms the
    value sums (the truth itself where it sums none), so a share ≤ 1 keeps the promise. The
    relative error counts only entries above the floor that are not a sum cancelling to under a
    hundredth of its terms (there float64 promises digits of the terms, not of the sum)."""
    value = np.asarray(value, dtype=np.float64)
    truth = np.asarray(truth, dtype=object)
    size = np.asarray(np.abs(truth) if size is None else size, dtype=object)
    if value.shape != truth.shape:
        raise ValueError(f"shape {value.shape} against the truth's {truth.shape}")
    share, rel = 0.0, 0.0
    with mpmath.workdps(40):
        for v, t, s in zip(value.reshape(-1), truth.reshape(-1), size.reshape(-1), strict=True):
            if not math.isfinite(float(v)):
                return math.inf, math.inf
            diff = abs(mpmath.mpf(float(v)) - t)
            share = max(share, float(diff / (REL * abs(t) + SUM_REL * s + FLOOR)))
            if abs(t) > FLOOR and abs(t) >= s / 100:
                rel = max(rel, float(diff / abs(t)))
    return share, rel
