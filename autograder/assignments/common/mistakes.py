"""The catalogue of known mistakes, each derived by sympy from the same network definition.

A mistake is a recipe that changes one link of the chain rule (the loss, a local activation
derivative, which weights are propagated through, an index order) and lets sympy redo the
rest. When a learner's value matches a mistake's value at every hidden point, the feedback
names the mistake instead of just saying "wrong".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from autograder.assignments.common.activations import Sigmoid, binary_cross_entropy, squared_error
from autograder.assignments.common.network import Network, Symbols
from autograder.assignments.common.oracle import diff_params, gradient_exprs

Derivation = Callable[[Network, Symbols], "dict[str, sp.Matrix] | None"]


@dataclass(frozen=True)
class Mistake:
    """A named wrong variant of the gradients; `derive` returns None where it cannot occur."""

    name: str
    explanation: str
    recipe: Derivation

    def derive(self, net: Network, s: Symbols) -> dict[str, sp.Matrix]:
        grads = self.recipe(net, s)
        if grads is None:
            raise ValueError(f"mistake {self.name!r} does not apply to network {net.name!r}")
        return grads

    def applies_to(self, net: Network) -> bool:
        return self.recipe(net, net.symbols()) is not None

    def __hash__(self) -> int:  # recipes are plain functions: hash by name
        return hash(self.name)


# --- sigmoid whose local derivative is taken at the wrong place -------------------------


class SigmoidDerivAtZ(Sigmoid):
    """σ'(z) written as z(1 − z): the pre-activation used where the activation belongs."""

    @classmethod
    def local_derivative(cls, z):
        return z * (1 - z)


class SigmoidDerivTwice(Sigmoid):
    """σ'(z) written as σ(a)(1 − σ(a)) with a = σ(z): sigmoid applied twice."""

    @classmethod
    def local_derivative(cls, z):
        a = Sigmoid(z)
        return Sigmoid(a) * (1 - Sigmoid(a))


class SigmoidSlopeLeftOut(Sigmoid):
    """σ'(z) left out of the chain: the unit treated as if it were linear on the way back."""

    @classmethod
    def local_derivative(cls, z):
        return sp.Integer(1)


def _has_sigmoid(act) -> bool:
    return isinstance(act, type) and issubclass(act, Sigmoid)


# --- recipes -----------------------------------------------------------------------------


def _half(net: Network, s: Symbols):
    if net.loss is not squared_error:
        return None
    return diff_params(net.loss_expr(s) / 2, s)


def _sign_flip(net: Network, s: Symbols):
    return diff_params(-net.loss_expr(s), s)


def _deriv_at_z(which: str) -> Derivation:
    def recipe(net: Network, s: Symbols):
        hidden = SigmoidDerivAtZ if which in ("hidden", "both") else None
        output = SigmoidDerivAtZ if which in ("output", "both") else None
        if (hidden and not _has_sigmoid(net.hidden_activation)) or (
            output and not _has_sigmoid(net.output_activation)
        ):
            return None
        if output and net.loss is binary_cross_entropy:
            # With BCE the output link is usually written directly as (ŷ − y); the
            # wrong derivative then shows only in the hidden layer.
            return None
        return diff_params(net.loss_expr(s, hidden=hidden, output=output), s)

    return recipe


def _slope_left_out(which: str) -> Derivation:
    def recipe(net: Network, s: Symbols):
        act = net.hidden_activation if which == "hidden" else net.output_activation
        if not _has_sigmoid(act) or (which == "output" and net.loss is binary_cross_entropy):
            return None  # with cross-entropy the output link is written (ŷ − y), σ' already inside
        kwargs = {which: SigmoidSlopeLeftOut}
        return diff_params(net.loss_expr(s, **kwargs), s)

    return recipe


def _preactivation_for_h(net: Network, s: Symbols):
    """∂L/∂W2[j] with z1[j] where h[j] belongs (the cache's other entry)."""
    if not _has_sigmoid(net.hidden_activation):
        return None  # a linear hidden layer has h = z1: no mistake to see
    grads = gradient_exprs(net, s)
    z = sp.Symbol("z2_", real=True)
    f = net.forward_exprs(s)
    dl_dz2 = sp.diff(net.loss(s.y, net.output_activation(z)), z).subs(z, f["z2"])
    grads["W2"] = sp.Matrix([dl_dz2 * zj for zj in f["z1"]]).reshape(*grads["W2"].shape)
    return grads


def _sigmoid_twice(net: Network, s: Symbols):
    if not _has_sigmoid(net.hidden_activation):
        return None
    return diff_params(net.loss_expr(s, hidden=SigmoidDerivTwice), s)


def _hidden_grads_with(net: Network, s: Symbols, replacement) -> dict[str, sp.Matrix]:
    """Correct gradients, except that the hidden layer's link ∂z2/∂h_j uses `replacement[j]`
    in place of W2[j]. The error ∂L/∂z2 itself still comes from the forward pass."""
    grads = gradient_exprs(net, s)
    z = sp.Symbol("z2_", real=True)
    f = net.forward_exprs(s)
    dl_dz2 = sp.diff(net.loss(s.y, net.output_activation(z)), z).subs(z, f["z2"])
    subs = dict(zip(list(s.W2), list(replacement), strict=False))
    for name in ("W1", "b1"):
        dz2 = diff_params(f["z2"], s)[name]
        grads[name] = dz2.applyfunc(lambda e: dl_dz2 * e.xreplace(subs))
    return grads


def _stale_w2(net: Network, s: Symbols):
    grads = gradient_exprs(net, s)
    updated = [w - s.lr * g for w, g in zip(s.W2, grads["W2"], strict=False)]
    return _hidden_grads_with(net, s, updated)


def _dw2_for_w2(net: Network, s: Symbols):
    return _hidden_grads_with(net, s, list(gradient_exprs(net, s)["W2"]))


def _no_w2(net: Network, s: Symbols):
    return _hidden_grads_with(net, s, [sp.Integer(1)] * net.n_hidden)


def _swapped_w1(net: Network, s: Symbols):
    if net.n_in != net.n_hidden:
        return None  # a transpose then has the wrong shape, caught by the shape check
    grads = gradient_exprs(net, s)
    grads["W1"] = grads["W1"].T
    return grads


def _mse_on_sigmoid(net: Network, s: Symbols):
    if net.loss is not binary_cross_entropy:
        return None
    return diff_params(net.loss_expr(s, loss=squared_error), s)


def _extra_output_sigmoid_deriv(net: Network, s: Symbols):
    if net.loss is not binary_cross_entropy or not _has_sigmoid(net.output_activation):
        return None
    # (ŷ − y)·ŷ(1 − ŷ): the simplification (ŷ − y) already contains σ'(z2); multiplying by it
    # again is exactly the gradient of ½(y − ŷ)².
    return diff_params(net.loss_expr(s, loss=squared_error) / 2, s)


CATALOGUE: tuple[Mistake, ...] = (
    Mistake(
        "missing factor 2",
        "∂L/∂ŷ of L = (y − ŷ)² is −2(y − ŷ); the 2 from the square is missing (the ½ in "
        "some textbooks' cost is not in ours).",
        _half,
    ),
    Mistake(
        "sign flip",
        "The gradient has the wrong sign: (y − ŷ) where (ŷ − y) belongs, or the reverse. "
        "Subtracting it would climb the loss instead of descending it.",
        _sign_flip,
    ),
    Mistake(
        "sigmoid derivative at z",
        "σ'(z) was computed as z(1 − z) from the pre-activation z; it is a(1 − a) with "
        "a = σ(z), the activation stored by the forward pass.",
        _deriv_at_z("hidden"),
    ),
    Mistake(
        "sigmoid derivative at z (output)",
        "σ'(z2) was computed as z2(1 − z2) from the output's pre-activation; it is ŷ(1 − ŷ) with ŷ = σ(z2).",
        _deriv_at_z("output"),
    ),
    Mistake(
        "sigmoid derivative at z (all layers)",
        "σ'(z) was computed as z(1 − z) in every layer; it is a(1 − a) with a = σ(z).",
        _deriv_at_z("both"),
    ),
    Mistake(
        "sigmoid applied twice",
        "σ' was computed as σ(a)(1 − σ(a)) from the activation a, i.e. sigmoid applied twice; "
        "it is a(1 − a).",
        _sigmoid_twice,
    ),
    Mistake(
        "σ' left out of the hidden layer",
        "The error reaching h[j] must still pass through the unit's own slope, σ'(z1[j]) = h[j](1 − h[j]), "
        "before it reaches W1 and b1.",
        _slope_left_out("hidden"),
    ),
    Mistake(
        "σ' left out at the output",
        "ŷ = σ(z2): the chain from ∂L/∂ŷ to ∂L/∂z2 passes through σ'(z2) = ŷ(1 − ŷ).",
        _slope_left_out("output"),
    ),
    Mistake(
        "z1 where h belongs",
        "∂z2/∂W2[j] is the hidden unit's output h[j] = σ(z1[j]), the value W2 multiplies in the forward pass, "
        "not its pre-activation z1[j].",
        _preactivation_for_h,
    ),
    Mistake(
        "stale W2",
        "The hidden-layer gradients used W2 after it had already been updated in this step; "
        "every gradient of a step must use the parameters from before the step.",
        _stale_w2,
    ),
    Mistake(
        "dW2 instead of W2",
        "The error was sent back to the hidden layer through ∂L/∂W2 instead of through the "
        "weights W2 themselves.",
        _dw2_for_w2,
    ),
    Mistake(
        "missing W2 link",
        "The hidden-layer gradients skip the link ∂ŷ/∂h_j = W2[j]: the error reaches hidden "
        "unit j only through the weight W2[j] that connects it to the output.",
        _no_w2,
    ),
    Mistake(
        "swapped W1 indices",
        "∂L/∂W1[i, j] must pair input x_i with hidden unit j; yours pairs x_j with unit i "
        "(a transposed matrix, invisible when x1 = x2 or the weights are all equal).",
        _swapped_w1,
    ),
    Mistake(
        "MSE derivative on a classifier",
        "The gradients are those of the squared error; this network's loss is binary "
        "cross-entropy, whose output link simplifies to (ŷ − y).",
        _mse_on_sigmoid,
    ),
    Mistake(
        "extra σ' at the output",
        "(ŷ − y) already includes ∂ŷ/∂z2 = ŷ(1 − ŷ); multiplying by it again counts that link twice.",
        _extra_output_sigmoid_deriv,
    ),
)

BY_NAME = {m.name: m for m in CATALOGUE}


def for_network(net: Network) -> list[Mistake]:
    """The mistakes that can occur in this network, in the order feedback prefers them."""
    return list(_applicable(net))


@cache
def _applicable(net: Network) -> tuple[Mistake, ...]:
    # Deciding applicability runs each recipe through sympy: once per network and process, not per check.
    return tuple(m for m in CATALOGUE if m.applies_to(net))
