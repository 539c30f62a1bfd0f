"""Assignment 4, the general backward pass: any depth, any width, four activations, two losses.

The oracle is derived **per layer** (Goodfellow 6.5's computational graph): sympy differentiates
each activation and each loss once, and derives the dense layer's vector-Jacobian products by
matrix calculus on symbolic sizes (Z = A·W + 1·bᵀ ⇒ ∂/∂A, ∂/∂W, ∂/∂b of tr(Gᵀ Z)). A network of
any shape is then a composition of compiled pieces, so sympy's cost does not grow with depth or
width. `tests/assignments/test_oracle.py` checks the composition against sympy differentiating a whole small
network entry by entry.

Float64 evaluates each activation's slope in a form that keeps its digits where the unit
saturates (σ(z)·σ(−z), sech²z), and a sigmoid output with cross-entropy as the fused σ(z) − y;
`autograder/instruments/ground_truth.py` checks every form against the definitions at 50+ digits.

Conventions (the notebook's): X (n, d0); layer l has W{l} (d_{l-1}, d_l), b{l} (d_l,);
Y (n, d_L); the loss is the mean over the n samples of the per-sample loss summed over outputs.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from autograder.assignments.common.activations import TEXTBOOK, Sigmoid, binary_cross_entropy, squared_error
from autograder.assignments.common.oracle import numpy_modules
from autograder.assignments.layers.recorder import FUNCTIONS, KINDS, TITLES, arrays, plain, random_network  # noqa: F401

z, a, y, y_hat = sp.symbols("z a y y_hat", real=True)
ACTIVATIONS = dict(TEXTBOOK)  # in z, as the notebook writes them (common/activations.py)
LOSSES = {
    "mse": squared_error(y, y_hat),
    "bce": binary_cross_entropy(y, y_hat),
}
# How float64 evaluates (act, act'): the same functions as ACTIVATIONS and their sympy derivatives
# (`ground_truth.py` proves it), written so that no digit is lost where the unit saturates:
# 1 − σ(z) as σ(−z), 1 − tanh²z as sech²z. The others are evaluated as sympy derives them.
STABLE = {
    "sigmoid": (Sigmoid(z), Sigmoid(z) * Sigmoid(-z)),
    "tanh": (sp.tanh(z), sp.sech(z) ** 2),
}


def slope(kind: str) -> sp.Expr:
    """act'(z), as float64 evaluates it."""
    return STABLE[kind][1] if kind in STABLE else sp.diff(ACTIVATIONS[kind], z)


def fused_output() -> tuple[sp.Expr, sp.Expr]:
    """(L, ∂L/∂z) of a sigmoid output with cross-entropy, written in the output's z: sympy
    differentiates binary_cross_entropy(y, σ(z)) to σ(z) − y, free of 1 − ŷ."""
    L = binary_cross_entropy(y, Sigmoid(z))
    return L, sp.diff(L, z)


def output_form(kind: str) -> sp.Expr | None:
    """act'(z) written with the output a = act(z) (sigmoid: a(1 − a), tanh: 1 − a²), by sympy;
    None where the slope cannot be read off the output."""
    if kind not in ("sigmoid", "tanh"):
        return None
    derivative = sp.diff(ACTIVATIONS[kind], z)
    direct = derivative.subs(ACTIVATIONS[kind], a)  # tanh' = 1 − tanh² reads off at once
    if z not in direct.free_symbols:
        return direct
    z_of_a = sp.solve(sp.Eq(ACTIVATIONS[kind], a), z)[0]
    return sp.simplify(derivative.subs(z, z_of_a))


@cache
def _activation(kind: str):
    """(act, act', act' at the wrong place or None) as elementwise numpy functions."""
    f = sp.lambdify(z, STABLE[kind][0] if kind in STABLE else ACTIVATIONS[kind], numpy_modules())
    df = sp.lambdify(z, slope(kind), numpy_modules())
    wrong = output_form(kind)
    at_z = sp.lambdify(z, wrong.subs(a, z), "numpy") if wrong is not None else None
    return f, df, at_z


@cache
def _loss(kind: str):
    return sp.lambdify((y, y_hat), LOSSES[kind], "numpy"), sp.lambdify((y, y_hat), sp.diff(LOSSES[kind], y_hat), "numpy")


@cache
def _fused():
    L, dL_dz = fused_output()
    return sp.lambdify((y, z), L, numpy_modules()), sp.lambdify((y, z), dL_dz, numpy_modules())


def _fuses(activations, loss_kind: str) -> bool:
    return activations[-1] == "sigmoid" and loss_kind == "bce"


@cache
def _dense_vjp():
    """(A, W, b, G, n) ↦ (∂/∂A, ∂/∂W, ∂/∂b) of tr(Gᵀ Z), Z = A·W + 1·bᵀ: derived once, any sizes."""
    n, k, m = sp.symbols("n k m", integer=True, positive=True)
    A, W = sp.MatrixSymbol("A", n, k), sp.MatrixSymbol("W", k, m)
    b, G = sp.MatrixSymbol("b", m, 1), sp.MatrixSymbol("G", n, m)
    f = sp.Trace(G.T * (A * W + sp.OneMatrix(n, 1) * b.T))
    return sp.lambdify((A, W, b, G, n), [f.diff(A), f.diff(W), f.diff(b)], "numpy")


def _elementwise(fn, values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(fn(values), dtype=np.float64), values.shape).copy()


# --- the reference pieces, with the notebook's signatures ---------------------------------------


def dense_forward(A_prev, W, b):
    """A_prev (n, d_in), W (d_in, d_out), b (d_out,) → (Z (n, d_out), cache)."""
    return A_prev @ W + b, (A_prev, W, b)


def dense_backward(dZ, cache):
    """dZ (n, d_out) → (dA_prev (n, d_in), dW (d_in, d_out), db (d_out,))."""
    A_prev, W, b = cache
    dA, dW, db = _dense_vjp()(A_prev, W, b.reshape(-1, 1), dZ, dZ.shape[0])
    return np.asarray(dA, dtype=np.float64), np.asarray(dW, dtype=np.float64), np.asarray(db, dtype=np.float64).reshape(-1)


def activation_forward(Z, kind):
    return _elementwise(_activation(kind)[0], Z), (Z, kind)


def activation_backward(dA, cache, at_z: bool = False):
    """dA ⊙ act'(Z). `at_z` reproduces the mistake of using act'-in-terms-of-a at Z."""
    Z, kind = cache
    slope = _activation(kind)[2] if at_z and _activation(kind)[2] is not None else _activation(kind)[1]
    return dA * _elementwise(slope, Z)


def loss_forward_backward(Y_hat, Y, kind, scale: float = 1.0, per_batch: bool = True):
    """(L, dY_hat): L = mean over samples of the per-sample loss summed over outputs.
    `scale` / `per_batch=False` reproduce the missing ×2, sign-flip and summed-batch mistakes."""
    f, df = _loss(kind)
    n = Y.shape[0]
    with np.errstate(all="ignore"):
        L = float(np.sum(_elementwise(lambda t: f(Y, t), Y_hat)) / n)
        d = _elementwise(lambda t: df(Y, t), Y_hat) * scale
    return L, d / n if per_batch else d


def model_forward(X, params, activations):
    caches, A = [], X
    for layer, kind in enumerate(activations, start=1):
        Z, dense_cache = dense_forward(A, params[f"W{layer}"], params[f"b{layer}"])
        A, act_cache = activation_forward(Z, kind)
        caches.append((dense_cache, act_cache))
    return A, caches


def model_backward(dY_hat, caches, at_z: bool = False, dZ_out=None, slopes: bool = True):
    """Back through every layer from ∂L/∂Ŷ, or from ∂L/∂Z of the output layer when `dZ_out` is given.
    `slopes=False` reproduces the mistake of skipping every activation's backward step."""
    grads, dA = {}, dY_hat
    for layer in range(len(caches), 0, -1):
        dense_cache, act_cache = caches[layer - 1]
        if not slopes:
            dZ = dA
        elif layer == len(caches) and dZ_out is not None:
            dZ = dZ_out
        else:
            dZ = activation_backward(dA, act_cache, at_z)
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dZ, dense_cache)
    return grads


def numerical_gradient(f, params: dict, h: float = 1e-5, restore: bool = True) -> dict:
    """Centred differences, one entry at a time, as the notebook asks; `restore=False` reproduces the
    mistake of not putting each entry back (every later estimate is taken at a shifted point)."""
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    out = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + h
            plus = f(params)
            value[idx] = old - h
            minus = f(params)
            if restore:
                value[idx] = old
            grad[idx] = (plus - minus) / (2 * h)
        out[name] = grad
    return out


def gradients(X, Y, params, activations, loss_kind, mistake: str | None = None):
    """∂L/∂θ of the whole network, composed from the per-layer derivatives, or one mistake's version.

    A sigmoid output with cross-entropy starts from the fused ∂L/∂Z = σ(Z) − Y (divided by n), except
    for the mistake that takes the output's slope at the wrong place, which only the two factors show."""
    Y_hat, caches = model_forward(X, params, activations)
    scale = {"missing ×2": 0.5, "sign flip": -1.0}.get(mistake, 1.0)
    per_batch = mistake != "summed over the batch"
    at_z = mistake == "activation derivative at z"
    if _fuses(activations, loss_kind) and not at_z:
        Z = caches[-1][1][0]
        dZ = _elementwise(lambda t: _fused()[1](np.asarray(Y, dtype=np.float64), t), Z) * scale
        return model_backward(None, caches, dZ_out=dZ / Y.shape[0] if per_batch else dZ)
    _, dY_hat = loss_forward_backward(Y_hat, Y, loss_kind, scale, per_batch=per_batch)
    return model_backward(dY_hat, caches, at_z=at_z)


MISTAKES = {
    "missing ×2": "d/dŷ (y − ŷ)² = −2(y − ŷ): the square brings down a 2.",
    "sign flip": "d/dŷ (y − ŷ)² = −2(y − ŷ) = 2(ŷ − y): the sign is off.",
    "summed over the batch": "The loss is the mean over the samples: the gradient carries a 1/n.",
    "activation derivative at z": "σ'(z) = a(1 − a) and tanh'(z) = 1 − a² use the layer's output a, not its input z.",
}


def full_loss(X, Y, params, activations, loss_kind) -> float:
    """The batch loss; with a sigmoid output and cross-entropy, computed from the output's Z."""
    Y_hat, caches = model_forward(X, params, activations)
    if _fuses(activations, loss_kind):
        Z = caches[-1][1][0]
        return float(np.sum(_elementwise(lambda t: _fused()[0](np.asarray(Y, dtype=np.float64), t), Z)) / Y.shape[0])
    return loss_forward_backward(Y_hat, Y, loss_kind)[0]


# --- hidden networks -------------------------------------------------------------------------
