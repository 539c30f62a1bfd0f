"""The sympy oracle: differentiate a network's loss, compile it once, evaluate anywhere.

`gradient_exprs` is the chain rule done by a computer algebra system instead of a person;
`gradients`, `forward` and `loss` evaluate the compiled expressions at plain numpy values.
Compiled functions are cached per (network, variant), so a grading run pays sympy's cost
once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol

import numpy as np
import sympy as sp

from autograder.assignments.common.activations import Sigmoid
from autograder.assignments.common.network import PARAM_NAMES, Network, Symbols

Params = dict[str, np.ndarray]


class Variant(Protocol):
    """Something that derives (possibly wrong) gradient expressions from a network."""

    def derive(self, net: Network, s: Symbols) -> dict[str, sp.Matrix]: ...


def diff_params(loss: sp.Expr, s: Symbols) -> dict[str, sp.Matrix]:
    """∂loss/∂θ for every parameter, each shaped like θ (b2 as a 1×1 matrix)."""
    out = {}
    for name, value in s.params().items():
        matrix = value if isinstance(value, sp.Matrix) else sp.Matrix([[value]])
        out[name] = matrix.applyfunc(lambda p: sp.diff(loss, p))
    return out


def gradient_exprs(net: Network, s: Symbols) -> dict[str, sp.Matrix]:
    """The correct gradients of the per-sample loss."""
    return diff_params(net.loss_expr(s), s)


class _Correct:
    name = "correct"

    def derive(self, net: Network, s: Symbols) -> dict[str, sp.Matrix]:
        return gradient_exprs(net, s)


CORRECT = _Correct()


def _numeric_sigmoid(z):
    # Two-sided form so neither branch overflows for large |z|.
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _numeric_softplus(z):
    return np.logaddexp(0.0, np.asarray(z, dtype=np.float64))


def numpy_modules() -> list:
    """What lambdify needs to turn the course's sympy functions into stable float64 numpy."""
    functions = {cls.__name__: _numeric_sigmoid for cls in _all_subclasses(Sigmoid)}
    functions["Sigmoid"] = _numeric_sigmoid
    functions["Softplus"] = _numeric_softplus
    return [functions, "numpy"]


def _all_subclasses(cls: type) -> list[type]:
    subs = cls.__subclasses__()
    return subs + [g for sub in subs for g in _all_subclasses(sub)]


def _lambdify(s: Symbols, exprs: list[sp.Expr]) -> Callable:
    return sp.lambdify(s.flat(), exprs, modules=numpy_modules(), cse=True)


@cache
def _compiled_gradients(net: Network, variant: Variant) -> Callable:
    s = net.symbols()
    grads = variant.derive(net, s)
    flat = [e for name in PARAM_NAMES for e in grads[name]]
    return _lambdify(s, flat)


@cache
def _compiled_forward(net: Network) -> Callable:
    s = net.symbols()
    f = net.forward_exprs(s)
    return _lambdify(s, [*f["z1"], *f["h"], f["z2"], f["y_hat"], net.loss_expr(s)])


def _args(net: Network, x, y, params: Params, lr: float) -> list[float]:
    x = np.asarray(x, dtype=np.float64).reshape(net.n_in)
    args = [*x, float(y), float(lr)]
    for name in PARAM_NAMES:
        args.extend(np.asarray(params[name], dtype=np.float64).reshape(-1))
    return args


def shapes(net: Network) -> dict[str, tuple[int, ...]]:
    """The shape of each parameter (and so of its gradient)."""
    return {"W1": (net.n_in, net.n_hidden), "b1": (net.n_hidden,), "W2": (net.n_hidden,), "b2": ()}


def gradients(net: Network, x, y, params: Params, lr: float = 0.0, variant: Variant = CORRECT) -> Params:
    """∂L/∂θ at one sample, as float64 arrays shaped like the parameters (b2: 0-d)."""
    flat = np.asarray(_compiled_gradients(net, variant)(*_args(net, x, y, params, lr)), dtype=np.float64)
    out, start = {}, 0
    for name, shape in shapes(net).items():
        size = int(np.prod(shape, dtype=int))
        out[name] = flat[start : start + size].reshape(shape)
        start += size
    return out


def forward(net: Network, x, params: Params) -> tuple[float, dict[str, np.ndarray]]:
    """ŷ and the cache the backward pass needs: x, z1, h, z2."""
    n = net.n_hidden
    values = np.asarray(_compiled_forward(net)(*_args(net, x, 0.0, params, 0.0)), dtype=np.float64)
    cache = {
        "x": np.asarray(x, dtype=np.float64).reshape(net.n_in).copy(),
        "z1": values[:n].copy(),
        "h": values[n : 2 * n].copy(),
        "z2": float(values[2 * n]),
    }
    return float(values[2 * n + 1]), cache


def loss(net: Network, x, y, params: Params) -> float:
    """The per-sample loss at (x, y)."""
    return float(_compiled_forward(net)(*_args(net, x, y, params, 0.0))[-1])
