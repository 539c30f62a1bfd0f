"""Every activation and loss of the course, defined once, in sympy: the 2-2-1 networks, XOR, the
warm-up's neuron, the general layers and softmax all build their losses from these, and the oracle,
the mistakes and the stand-ins' checks derive from those losses.

Some are written in the form float64 keeps exact (σ(−z) for 1 − σ(z), softplus for cross-entropy
through σ, log-sum-exp for softmax); `instruments/ground_truth.py` proves they are the textbook
functions (`TEXTBOOK`, as the notebooks write them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp


class Sigmoid(sp.Function):
    """σ(z) = 1 / (1 + e^(−z)). Its local derivative is written out as σ(z)(1 − σ(z)):
    that factor is the link of the chain rule learners must get right, and subclasses
    replace it to derive the wrong variants (see `mistakes.py`).

    The oracle writes 1 − σ(z) as σ(−z), the same number: float64 keeps all its digits where
    the unit saturates (1 − σ(20) computed by subtraction keeps only 8 of them)."""

    @classmethod
    def local_derivative(cls, z: sp.Expr) -> sp.Expr:
        return cls(z) * cls(-z)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self.local_derivative(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))


class Softplus(sp.Function):
    """softplus(z) = log(1 + e^z) = −log σ(−z): how cross-entropy reads in the output's z.
    Its derivative is σ(z), so sympy's chain rule through it ends in σ(z) − y, with no 1 − ŷ
    to divide by."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return Sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs) -> sp.Expr:
        return sp.log(1 + sp.exp(z))


def identity(z: sp.Expr) -> sp.Expr:
    """Linear activation: a = z, local derivative 1."""
    return z


def residual(y: sp.Expr, y_hat: sp.Expr) -> sp.Expr:
    """y − ŷ. When ŷ = σ(z) it is written y·σ(−z) − (1 − y)·σ(z): the same number, which float64
    gets to the last digit for targets 0 and 1 however saturated the unit (1 − σ(30) by
    subtraction keeps 3 digits)."""
    if type(y_hat) is Sigmoid:
        z = y_hat.args[0]
        return y * Sigmoid(-z) - (1 - y) * Sigmoid(z)
    return y - y_hat


def at_prediction(expr: sp.Expr, y: sp.Expr, y_hat: sp.Symbol, prediction: sp.Expr) -> sp.Expr:
    """An expression of y − ŷ (such as ∂L/∂ŷ of the squared error) at ŷ = prediction, with
    y − ŷ written as `residual(y, prediction)`."""
    r = sp.Dummy("r")
    return expr.subs(y_hat, y - r).subs(r, residual(y, prediction))


def squared_error(y: sp.Expr, y_hat: sp.Expr) -> sp.Expr:
    """L = (y − ŷ)², the regression loss of the course (no ½ in front)."""
    return residual(y, y_hat) ** 2


def binary_cross_entropy(y: sp.Expr, y_hat: sp.Expr) -> sp.Expr:
    """L = −y·log ŷ − (1 − y)·log(1 − ŷ).

    When ŷ = σ(z) (the correct sigmoid, not a mistake's variant) the same loss is written in z,
    y·softplus(−z) + (1 − y)·softplus(z): its slope is then σ(z) − y computed without
    cancellation, as the chain rule simplifies it on paper, and no log of a rounded 0 appears."""
    if type(y_hat) is Sigmoid:
        z = y_hat.args[0]
        return y * Softplus(-z) + (1 - y) * Softplus(z)
    return -y * sp.log(y_hat) - (1 - y) * sp.log(1 - y_hat)


class LogSumExp(sp.Function):
    """LSE(z_1, …, z_K) = log Σ_k e^(z_k). Its partial derivatives are the softmax, exp(z_k − LSE):
    sympy's chain rule through it never writes an e^z that could overflow."""

    is_real = True

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.exp(self.args[argindex - 1] - self)

    def _eval_rewrite_as_exp(self, *z, **kwargs) -> sp.Expr:
        return sp.log(sum(sp.exp(v) for v in z))


def numeric_lse(*z):
    """LSE in float64, shifted by the largest argument (rows are broadcast over)."""
    stacked = np.stack(np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in z]))
    m = stacked.max(axis=0)
    return m + np.log(np.sum(np.exp(stacked - m), axis=0))


def softmax_exprs(z) -> list[sp.Expr]:
    """softmax(z)_k = e^(z_k) / Σ_j e^(z_j), written as exp(z_k − LSE(z))."""
    lse = LogSumExp(*z)
    return [sp.exp(v - lse) for v in z]


def cross_entropy(y, p) -> sp.Expr:
    """The per-sample loss −Σ_k y_k·log p_k (the batch loss is its mean over the rows)."""
    return -sum(yk * sp.log(pk) for yk, pk in zip(y, p, strict=True))


def relu(z: sp.Expr) -> sp.Expr:
    """ReLU(z) = max(0, z), with ReLU'(0) = 0 (the notebooks' convention)."""
    return sp.Piecewise((0, z <= 0), (z, True))


z = sp.Symbol("z", real=True)
# Each activation by the name the notebooks use, as a function of z.
ACTIVATIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {"linear": identity, "sigmoid": Sigmoid, "tanh": sp.tanh,
                                                        "relu": relu}
# The same activations as the notebooks write them (σ as 1 / (1 + e^(−z))): what sympy differentiates
# for the general layers, whose float64 forms are chosen separately (`layers.definition.STABLE`).
TEXTBOOK: dict[str, sp.Expr] = {"linear": z, "sigmoid": 1 / (1 + sp.exp(-z)), "tanh": sp.tanh(z), "relu": relu(z)}
