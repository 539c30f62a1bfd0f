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

from autograder.assignments.common.activations import Sigmoid, binary_cross_entropy, identity, squared_error

PARAM_NAMES = ("W1", "b1", "W2", "b2")


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
