"""Hidden checks for the general backward pass: each layer type, each loss, the composition,
and the learner's own gradient checker.

Expected values come from `autograder.assignments.layers.definition` (per-layer derivatives by sympy, composed) at
the probe's random non-square sizes and batches of 3 or more.
"""

import numpy as np
import pytest

from autograder.assignments.layers import definition as layers
from autograder.engine import judge

pytestmark = pytest.mark.assignment("layers")


def arr(v):
    return np.array(v, dtype=np.float64)


def backward_of(case, function: str) -> dict:
    if "backward" not in case:
        judge.returned(case["forward"], function.replace("backward", "forward"))  # its own error first
        raise AssertionError(f"{function.replace('backward', 'forward')}() must return (output, cache); "
                             f"{function}() is called with that cache.")
    return judge.returned(case["backward"], function)


# --- dense ---------------------------------------------------------------------------------


@pytest.mark.exercise("dense")
def test_dense_forward(probe):
    cases = judge.cases(probe)
    actual = [judge.as_array(judge.values(judge.returned(c["forward"], "dense_forward"), "dense_forward", "(Z, cache)")[0],
                             "Z", (len(c["A"]), len(c["b"]))) for c in cases]
    expected = [layers.dense_forward(arr(c["A"]), arr(c["W"]), arr(c["b"]))[0] for c in cases]
    judge.check_values("Z", actual, expected, [_dense_where(c) for c in cases], seed_first=False)


def _dense_where(c):
    return f"A {np.shape(c['A'])}, W {np.shape(c['W'])}"


@pytest.mark.exercise("dense")
@pytest.mark.parametrize("position,name", [(0, "dA_prev"), (1, "dW"), (2, "db")], ids=["dA_prev", "dW", "db"])
def test_dense_backward(probe, position, name):
    cases = judge.cases(probe)
    actual, expected = [], []
    for c in cases:
        out = judge.values(backward_of(c, "dense_backward"), "dense_backward", "(dA_prev, dW, db)", 3)
        want = layers.dense_backward(arr(c["dZ"]), (arr(c["A"]), arr(c["W"]), arr(c["b"])))[position]
        actual.append(judge.as_array(out[position], name, want.shape))
        expected.append(want)
    others = {}
    if name == "dA_prev":
        others["dZ·1ᵀ, the chain without W (∂Z/∂A_prev = Wᵀ: dA_prev = dZ·Wᵀ)"] = [
            arr(c["dZ"]) @ np.ones_like(arr(c["W"])).T for c in cases]
    judge.check_values(name, actual, expected, [_dense_where(c) for c in cases], seed_first=False,
                       chain=judge.Chain(others=others, batch=[len(c["A"]) for c in cases]))


# --- activations ---------------------------------------------------------------------------


@pytest.mark.exercise("activations")
@pytest.mark.parametrize("kind", layers.KINDS)
def test_activation(probe, kind):
    c = next(c for c in judge.cases(probe) if c["kind"] == kind)
    Z, dA = arr(c["Z"]), arr(c["dA"])
    out = judge.values(judge.returned(c["forward"], "activation_forward"), "activation_forward", "(A, cache)")
    A = judge.as_array(out[0], f"{kind}: A", Z.shape)
    judge.check_values(f"{kind}: A", [A], [layers.activation_forward(Z, kind)[0]], [f"Z of shape {Z.shape}"],
                       seed_first=False)
    dZ = judge.as_array(backward_of(c, "activation_backward"), f"{kind}: dZ", Z.shape)
    variants = []
    if layers.output_form(kind) is not None:
        variants.append(("activation derivative at z", layers.MISTAKES["activation derivative at z"],
                         lambda: [layers.activation_backward(dA, (Z, kind), at_z=True)]))
    variants.append(("activation instead of its derivative", "Multiply by the slope act'(Z), not by act(Z).",
                     lambda: [dA * layers.activation_forward(Z, kind)[0]]))
    if kind == "tanh":
        variants.append(("tanh' without the square", "tanh'(z) = 1 − tanh(z)² = 1 − A²: the square is missing.",
                         lambda: [dA * (1.0 - np.tanh(Z))]))
    if kind == "relu":
        variants.append(("ReLU'(0) taken as 1", "ReLU'(z) is 1 for z > 0 and 0 otherwise; at z = 0 this course "
                         "takes 0 (Z > 0, not Z >= 0).", lambda: [dA * (Z >= 0)]))
    judge.check_values(f"{kind}: dZ", [dZ], [layers.activation_backward(dA, (Z, kind))],
                       [f"Z of shape {Z.shape}" + (" (with Z[0, 0] = 0: ReLU'(0) is 0 here)" if kind == "relu" else "")],
                       variants, seed_first=False,
                       chain=judge.Chain(factors={"dA (the gradient arriving from the layer above)": [dA]}))


# --- losses ----------------------------------------------------------------------------------


EVERY_ENTRY = "divided by every entry, not by n"
EVERY_ENTRY_TEXT = ("The loss is the mean over the n samples of each sample's loss summed over its outputs: divide by "
                    "n = Y.shape[0], not by Y.size (np.mean over every entry); with k outputs that is k times too small.")


@pytest.mark.exercise("losses")
@pytest.mark.parametrize("kind", ["mse", "bce"])
def test_loss(probe, kind):
    cases = [c for c in judge.cases(probe) if c["kind"] == kind]
    values, grads = [], []
    for c in cases:
        out = judge.values(judge.returned(c, "loss_forward_backward"), "loss_forward_backward", "(L, dY_hat)")
        values.append(judge.as_array(out[0], f"{kind}: L", ()))
        grads.append(judge.as_array(out[1], f"{kind}: dY_hat", np.shape(c["Y_hat"])))
    where = [f"{kind}, Y_hat of shape {np.shape(c['Y_hat'])}" for c in cases]
    judge.check_values(f"{kind}: L", values,
                       [np.float64(layers.loss_forward_backward(arr(c["Y_hat"]), arr(c["Y"]), kind)[0]) for c in cases],
                       where, [("summed over the batch", "L is the mean over the samples (divide by n).",
                                lambda: [np.float64(layers.loss_forward_backward(arr(c["Y_hat"]), arr(c["Y"]), kind)[0]
                                                    * len(c["Y"])) for c in cases]),
                               (EVERY_ENTRY, EVERY_ENTRY_TEXT, lambda: [
                                   np.float64(layers.loss_forward_backward(arr(c["Y_hat"]), arr(c["Y"]), kind)[0]
                                              / np.shape(c["Y"])[1]) for c in cases])], seed_first=False)

    def grad(scale=1.0, per_batch=True):
        return [layers.loss_forward_backward(arr(c["Y_hat"]), arr(c["Y"]), kind, scale, per_batch)[1] for c in cases]

    variants = [("summed over the batch", layers.MISTAKES["summed over the batch"], lambda: grad(per_batch=False)),
                ("sign flip", layers.MISTAKES["sign flip"], lambda: grad(-1.0)),
                (EVERY_ENTRY, EVERY_ENTRY_TEXT, lambda: [g / np.shape(c["Y"])[1] for g, c in zip(grad(), cases,
                                                                                               strict=True)])]
    if kind == "mse":
        variants.append(("missing ×2", layers.MISTAKES["missing ×2"], lambda: grad(0.5)))
    judge.check_values(f"{kind}: dY_hat", grads, grad(), where, variants, seed_first=False)


# --- the whole network -------------------------------------------------------------------------


def _net_where(c):
    sizes = [np.shape(c["X"])[1]] + [np.shape(c["params"][f"b{i}"])[0] for i in range(1, len(c["activations"]) + 1)]
    return f"a network of sizes {sizes}, activations {c['activations']}, batch of {len(c['X'])}"


@pytest.mark.exercise("model")
def test_model_forward(probe):
    cases = judge.cases(probe)
    actual = [judge.as_array(judge.values(judge.returned(c["forward"], "model_forward"), "model_forward",
                                          "(Y_hat, caches)")[0], "Y_hat", np.shape(c["Y"])) for c in cases]
    expected = [layers.model_forward(arr(c["X"]), layers.arrays(c["params"]), c["activations"])[0] for c in cases]
    judge.check_values("Y_hat", actual, expected, [_net_where(c) for c in cases], seed_first=False)


@pytest.mark.exercise("model")
@pytest.mark.parametrize("which", ["last layer", "earlier layers"])
def test_model_backward(probe, which):
    cases = judge.cases(probe)
    for c in cases:
        grads = backward_of(c, "model_backward")
        params = layers.arrays(c["params"])
        caches = layers.model_forward(arr(c["X"]), params, c["activations"])[1]
        want = layers.model_backward(arr(c["dY_hat"]), caches)
        depth = len(c["activations"])
        names = [f"W{depth}", f"b{depth}"] if which == "last layer" else [k for k in params if k[1:] != str(depth)]
        for name in names:
            enc = judge.field(grads, name, "The dict model_backward returns")
            mirror = f"{name[0]}{depth + 1 - int(name[1:])}"
            if (enc.get("kind") == "ndarray" and tuple(enc["shape"]) != want[name].shape
                    and tuple(enc["shape"]) == want[mirror].shape):
                raise judge.Wrong(f"∂L/∂{name} has the shape of ∂L/∂{mirror}, {want[mirror].shape}, on {_net_where(c)}: "
                                  "the layers are numbered from the output end. Layer 1 is next to the input; the "
                                  f"backward loop visits layer {depth} first and must store its gradients as "
                                  f"W{depth}, b{depth}.", "layers numbered from the output end")
            got = judge.as_array(enc, f"∂L/∂{name}", want[name].shape)
            no_slopes = layers.model_backward(arr(c["dY_hat"]), caches, slopes=False)[name]
            variants = [("activation backward skipped", "Each layer's ∂L/∂Z is ∂L/∂A times the activation's slope: "
                         "call activation_backward before dense_backward in every layer.", lambda v=no_slopes: [v])]
            if mirror != name and want[mirror].shape == want[name].shape:  # the shapes cannot tell: the values can
                variants.append(("layers numbered from the output end",
                                 f"∂L/∂{name} holds ∂L/∂{mirror}: the layers are numbered from the output end. Layer 1 "
                                 f"is next to the input; the backward loop visits layer {depth} first and must store its "
                                 f"gradients as W{depth}, b{depth}.", lambda v=want[mirror]: [v]))
            judge.check_values(f"∂L/∂{name}", [got], [want[name]], [_net_where(c)], variants, seed_first=False)


# --- the learner's gradient checker ----------------------------------------------------------------


@pytest.mark.exercise("gradient_check")
def test_numerical_gradient(probe):
    for c in judge.cases(probe):
        enc = judge.returned(c["numerical"], "numerical_gradient")
        for name, value in c["right"].items():
            want = arr(value)
            got = judge.as_array(judge.field(enc, name, "The dict numerical_gradient returns"), name, want.shape)
            err = np.max(np.abs(got - want) / np.maximum(np.abs(got) + np.abs(want), 1e-8))
            if not err < 1e-5:
                stuck = layers.numerical_gradient(_loss_of(c), c["params"], restore=False)[name]
                if np.max(np.abs(got - stuck) / np.maximum(np.abs(got) + np.abs(stuck), 1e-8)) < 1e-5:
                    raise judge.Wrong(f"numerical_gradient for {name} is off by a relative error of {err:.1e} on "
                                      f"{_net_where(c)}: each entry stays at θ − h after its estimate. Put it back "
                                      "(value[idx] = old) before moving to the next entry.", "entry not put back")
                double = 2.0 * want
                if np.max(np.abs(got - double) / np.maximum(np.abs(got) + np.abs(double), 1e-8)) < 1e-5:
                    raise judge.Wrong(f"numerical_gradient for {name} is twice the gradient at every entry on "
                                      f"{_net_where(c)}: θ + h and θ − h are 2h apart, so the centred difference is "
                                      "(f(θ + h) − f(θ − h)) / (2h); yours divides by h.", "centred difference over h")
                raise AssertionError(f"numerical_gradient for {name} is off by a relative error of {err:.1e} "
                                     f"on {_net_where(c)}: use centred differences (f(θ+h) − f(θ−h)) / 2h, h ≈ 1e-5, "
                                     "one entry at a time, and put each entry back.")


def _loss_of(c):
    X, Y = arr(c["X"]), arr(c["Y"])
    return lambda p: layers.full_loss(X, Y, {k: arr(v) for k, v in p.items()}, c["activations"], c["loss"])


def _errors(enc, function, names):
    enc = judge.returned(enc, function)
    return {name: float(judge.as_array(judge.field(enc, name, f"The dict {function} returns"), name, ())) for name in names}


@pytest.mark.exercise("gradient_check")
def test_checker_passes_right_gradients(probe):
    for c in judge.cases(probe):
        errors = _errors(c["check_right"], "gradient_check", c["right"])
        loud = {k: v for k, v in errors.items() if not v < 1e-5}
        if loud:
            raise AssertionError(f"gradient_check reports relative errors {loud} for gradients that are right "
                                 f"({_net_where(c)}): they should all be below 1e-5.")


@pytest.mark.exercise("gradient_check")
def test_checker_flags_wrong_gradients(probe):
    for c in judge.cases(probe):
        if "check_wrong_b" in c:  # a second wrong set, checked in another order (a checker must compute, not remember)
            errors = _errors(c["check_wrong_b"], "gradient_check", c["right"])
            missed = [k for k in c["bad_b"] if not errors[k] > 1e-2]
            false = [k for k in c["right"] if k not in c["bad_b"] and not errors[k] < 1e-5]
            if missed or false:
                raise AssertionError(f"gradient_check was given wrong gradients for {c['bad_b']} (W2 with its sign "
                                     f"flipped, one entry of b1 off): it reported {errors}. Wrong ones need errors above "
                                     "1e-2, right ones below 1e-5.")
        errors = _errors(c["check_wrong"], "gradient_check", c["right"])
        missed = [k for k in c["bad"] if not errors[k] > 1e-2]
        false = [k for k in c["right"] if k not in c["bad"] and not errors[k] < 1e-5]
        if missed or false:
            raise AssertionError(f"gradient_check was given wrong gradients for {c['bad']} (doubled W1, one entry of "
                                 f"b2 off): it reported {errors}. Wrong ones need errors above 1e-2, right ones below 1e-5.")
        # A doubled gradient is off by |2g − g| / (|2g| + |g|) = 1/3 in every entry: the notebook's measure.
        if not abs(errors["W1"] - 1 / 3) < 1e-3:
            message = (f"gradient_check reports {errors['W1']:.4g} for a doubled ∂L/∂W1 on {_net_where(c)}; the relative "
                       "error |a − n| / max(|a| + |n|, 1e-8) of a doubled gradient is 1/3 in every entry.")
            largest = float(np.max(np.abs(arr(c["right"]["W1"]))))
            if abs(errors["W1"] - largest) <= 1e-3 * largest:
                raise judge.Wrong(message + " Yours is the absolute error |a − n|: divide by max(|a| + |n|, 1e-8).",
                                  "absolute error, not relative")
            raise judge.Wrong(message)
