"""The course's 2-2-1 networks, defined once, symbolically.

Everything the autograder expects (gradients, forward values, training runs, the wrong
variants behind each known mistake) is derived from `Network.loss_expr` by sympy. No number
or formula of an answer is written anywhere else.

Parameter layout (the same in the notebooks):
    W1 (n_in, n_hidden)  W1[i, j] is the weight from input i to hidden unit j
    b1 (n_hidden,)       W2 (n_hidden,)       b2 scalar
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

PARAM_NAMES = ("W1", "b1", "W2", "b2")


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


@dataclass(frozen=True)
class Symbols:
    """The sympy symbols of one network: inputs, target, learning rate and parameters."""

    x: tuple[sp.Symbol, ...]
    y: sp.Symbol
    lr: sp.Symbol
    W1: sp.Matrix
    b1: sp.Matrix
    W2: sp.Matrix
    b2: sp.Symbol

    def params(self) -> dict[str, sp.Matrix | sp.Symbol]:
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    def flat(self) -> list[sp.Symbol]:
        """Argument order of every lambdified function: x, y, lr, W1, b1, W2, b2."""
        out = [*self.x, self.y, self.lr]
        for value in self.params().values():
            out.extend(value if isinstance(value, sp.Matrix) else [value])
        return out


@dataclass(frozen=True)
class Network:
    """A two-layer network: which activation in each layer and which per-sample loss."""

    name: str
    hidden_activation: Callable[[sp.Expr], sp.Expr]
    output_activation: Callable[[sp.Expr], sp.Expr]
    loss: Callable[[sp.Expr, sp.Expr], sp.Expr]
    n_in: int = 2
    n_hidden: int = 2

    def symbols(self) -> Symbols:
        n_in, n_h = self.n_in, self.n_hidden
        return Symbols(
            x=sp.symbols(f"x0:{n_in}", real=True),
            y=sp.Symbol("y", real=True),
            lr=sp.Symbol("lr", positive=True),
            W1=sp.Matrix(n_in, n_h, lambda i, j: sp.Symbol(f"W1_{i}_{j}", real=True)),
            b1=sp.Matrix(n_h, 1, lambda j, _: sp.Symbol(f"b1_{j}", real=True)),
            W2=sp.Matrix(n_h, 1, lambda j, _: sp.Symbol(f"W2_{j}", real=True)),
            b2=sp.Symbol("b2", real=True),
        )

    def forward_exprs(self, s: Symbols, hidden=None, output=None) -> dict[str, sp.Expr]:
        """z1, h (hidden activations), z2 and ŷ as expressions of the symbols.

        `hidden` / `output` swap in another activation (a mistake variant) without
        touching the definition."""
        hidden = hidden or self.hidden_activation
        output = output or self.output_activation
        z1 = [sum(s.W1[i, j] * s.x[i] for i in range(self.n_in)) + s.b1[j] for j in range(self.n_hidden)]
        h = [hidden(z) for z in z1]
        z2 = sum(s.W2[j] * h[j] for j in range(self.n_hidden)) + s.b2
        return {"z1": z1, "h": h, "z2": z2, "y_hat": output(z2)}

    def loss_expr(self, s: Symbols, *, hidden=None, output=None, loss=None) -> sp.Expr:
        """The per-sample loss L(x, y; W1, b1, W2, b2): the single source of truth."""
        y_hat = self.forward_exprs(s, hidden, output)["y_hat"]
        return (loss or self.loss)(s.y, y_hat)


REGRESSION = Network("regression", identity, identity, squared_error)
CLASSIFICATION = Network("classification", Sigmoid, Sigmoid, binary_cross_entropy)
NETWORKS = {net.name: net for net in (REGRESSION, CLASSIFICATION)}
# Assignment 3 (XOR): the seed's sigmoid 2-2-1 network with the course's squared error, trained
# on whole batches (autograder/assignments/xor/definition.py averages its per-sample gradients).
XOR = Network("xor", Sigmoid, Sigmoid, squared_error)
