"""Hidden checks for the 2-2-1 assignments (regression and classification).

Each check judges a probe of recorded learner values against the sympy oracle. The
expected values are computed here, from the probe's inputs, in the grading session; none is stored.
"""

from collections import OrderedDict

import numpy as np
import pytest

from autograder.assignments.common import mutations, oracle
from autograder.assignments.common.activations import identity
from autograder.assignments.common.mistakes import for_network
from autograder.assignments.common.network import NETWORKS, PARAM_NAMES
from autograder.assignments.two_layer.recorder import GRADIENT_OF, array_params
from autograder.assignments.two_layer.reference import LOOP_MISTAKES, Reference
from autograder.engine import judge

pytestmark = pytest.mark.assignment("regression", "classification")


def net_of(probe):
    return NETWORKS[probe["network"]]


def where(case, index: int) -> str:
    name = "the seed example" if index == 0 else f"hidden point {index}"
    parts = [f"x = {judge.fmt(case['x'])}"]
    if "y" in case:
        parts.append(f"y = {case['y']:.6g}")
    parts += [f"{k} = {judge.fmt(case['params'][k])}" for k in PARAM_NAMES]
    return f"{name} ({', '.join(parts)})"


# --- forward -------------------------------------------------------------------------------


@pytest.mark.exercise("forward")
def test_forward_prediction(probe):
    net, cases = net_of(probe), judge.cases(probe)
    actual, expected = [], []
    for case in cases:
        y_hat, _ = judge.values(judge.returned(case, "forward"), "forward", "(y_hat, cache)")
        actual.append(judge.as_array(y_hat, "ŷ (the first value forward returns)", ()))
        expected.append(np.float64(oracle.forward(net, case["x"], array_params(case["params"]))[0]))
    judge.check_values("ŷ", actual, expected, [where(c, k) for k, c in enumerate(cases)],
                       _forward_variants(net, cases, lambda out: np.float64(out[0])),
                       search=lambda: mutations.search_forward(
                           "ŷ", [_mutation_case(net, {**c, "y": 0.0}) for c in cases], "y_hat", actual, expected))


def _forward_variants(net, cases, pick):
    def with_w1_transposed():
        return [pick(oracle.forward(net, c["x"], {**array_params(c["params"]), "W1": np.array(c["params"]["W1"]).T}))
                for c in cases]

    return [("W1 transposed in the forward pass", "z1[j] = Σ_i x[i]·W1[i, j] + b1[j], i.e. x @ W1 (row i of W1 "
             "belongs to input i); W1 @ x pairs them the other way round.", with_w1_transposed)]


@pytest.mark.exercise("forward")
def test_forward_cache(probe):
    net, cases = net_of(probe), judge.cases(probe)
    for key, shape in (("x", (net.n_in,)), ("z1", (net.n_hidden,)), ("h", (net.n_hidden,))):
        actual, expected = [], []
        for case in cases:
            _, cache = judge.values(judge.returned(case, "forward"), "forward", "(y_hat, cache)")
            actual.append(judge.as_array(judge.field(cache, key, "The cache"), f"cache[{key!r}]", shape))
            expected.append(oracle.forward(net, case["x"], array_params(case["params"]))[1][key])
        others = {f"cache[{other!r}]": [oracle.forward(net, c["x"], array_params(c["params"]))[1][other]
                                        for c in cases] for other in ("x", "z1", "h") if other != key}
        judge.check_values(f"cache[{key!r}]", actual, expected, [where(c, k) for k, c in enumerate(cases)],
                           _forward_variants(net, cases, lambda out, key=key: out[1][key]),
                           chain=judge.Chain(others=others),
                           search=None if key == "x" else lambda key=key, actual=actual, expected=expected:
                           mutations.search_forward(f"cache[{key!r}]", [_mutation_case(net, {**c, "y": 0.0})
                                                                         for c in cases], key, actual, expected))


# --- the four groups of derivatives ---------------------------------------------------------


@pytest.mark.exercise(*GRADIENT_OF)
def test_gradient_values(probe):
    net, cases = net_of(probe), judge.cases(probe)
    name = GRADIENT_OF[probe["exercise"]]
    shape = oracle.shapes(net)[name]
    label = f"∂L/∂{name}"
    encoded = [judge.field(judge.returned(c, "backward"), name, "The dict backward returns") for c in cases]
    if name == "W1":
        _elementwise_for_outer(net, cases, encoded)
    actual = [judge.as_array(enc, label, shape) for enc in encoded]

    def at(variant=oracle.CORRECT):
        lr = NOTEBOOK_LR[net.name]
        return [oracle.gradients(net, c["x"], c["y"], array_params(c["params"]), lr, variant)[name] for c in cases]

    variants = [(m.name, m.explanation, lambda m=m: at(m)) for m in for_network(net)]
    right = at()
    judge.check_values(label, actual, right, [where(c, k) for k, c in enumerate(cases)], variants,
                       chain=lambda: chain_of(name, net, cases, right),  # worked out only for a wrong value
                       search=lambda: mutations.explain(label, mutations.search(
                           [_mutation_case(net, c) for c in cases], name, actual, right))
                       or mutations.across_calls(label, actual, right))
    for case in cases:
        if case.get("mutated"):
            raise judge.Wrong(
                f"backward() changed params[{case['mutated'][0]!r}] in place; a backward pass only reads the "
                "parameters (the update happens later, in update()).", "parameters changed in place"
            )


def _elementwise_for_outer(net, cases, encoded) -> None:
    """∂L/∂W1 returned as a vector whose entries are the right matrix's diagonal, x[i]·dz1[i], at every case:
    an elementwise product where the outer product belongs (shapes say only that the shape is wrong)."""
    if net.n_in != net.n_hidden or not all(e.get("kind") == "ndarray" and e.get("shape") == [net.n_in]
                                           and e.get("dtype") == "float64" for e in encoded):
        return
    got = [np.array(e["data"], dtype=np.float64) for e in encoded]
    right = [np.diag(oracle.gradients(net, c["x"], c["y"], array_params(c["params"]))["W1"]) for c in cases]
    if all(judge.close(g, r) for g, r in zip(got, right, strict=True)):
        raise judge.Wrong(f"∂L/∂W1 has shape ({net.n_in},); it must have shape {oracle.shapes(net)['W1']}. Its entries are "
                          "the diagonal of the right matrix, x[i]·dz1[i], at every point checked: an elementwise product "
                          "x * dz1 where the outer product np.outer(x, dz1), entry [i, j] = x[i]·dz1[j], belongs.",
                          "elementwise product where the outer product belongs")


def _mutation_case(net, case) -> mutations.Case:
    kind = {True: "identity", False: "sigmoid"}
    return mutations.per_sample(case["x"], case["y"], case["params"], kind[net.hidden_activation is identity],
                                kind[net.output_activation is identity],
                                "cross-entropy" if net.name == "classification" else "squared error")


def chain_of(name, net, cases, right) -> judge.Chain:
    """The links of ∂L/∂name at each case, and what else was at hand, in the notebook's words."""
    f = [oracle.forward(net, c["x"], array_params(c["params"]))[1] for c in cases]
    x = [np.asarray(c["x"], dtype=np.float64) for c in cases]
    h, z1 = [c["h"] for c in f], [c["z1"] for c in f]
    W2 = [np.asarray(c["params"]["W2"], dtype=np.float64) for c in cases]
    sigmoid_hidden = net.hidden_activation is not identity
    slope = {"σ'(z1[j]) = h[j](1 − h[j])": [v * (1 - v) for v in h]} if sigmoid_hidden else {}
    tanh = {"1 − h[j]² (the slope of tanh, not of σ)": [1 - v ** 2 for v in h]} if sigmoid_hidden else {}
    if name == "W1":
        return judge.Chain(
            factors={"x[i] (∂z1[j]/∂W1[i, j])": [v[:, None] for v in x], "W2[j] (∂z2/∂h[j])": [v[None, :] for v in W2],
                     **{k: [v[None, :] for v in vs] for k, vs in slope.items()}},
            reachable={"h[i]": [v[:, None] for v in h], "z1[i]": [v[:, None] for v in z1],
                       **{k: [v[None, :] for v in vs] for k, vs in tanh.items()}})
    if name == "b1":
        return judge.Chain(factors={"W2[j] (∂z2/∂h[j])": W2, **slope},
                           reachable={"x[j] (a bias's input is the constant 1, not x)": x, **tanh})
    if name == "W2":
        return judge.Chain(factors={"h[j] (∂z2/∂W2[j])": h},
                           reachable={"x[j]": x, "z1[j] (the pre-activation, where h = act(z1) belongs)": z1, "W2[j]": W2})
    return judge.Chain(others={"Σ_j ∂L/∂W2[j] (a bias has one input, the constant 1)": [
        np.float64(np.sum(oracle.gradients(net, c["x"], c["y"], array_params(c["params"]))["W2"])) for c in cases]})


# The stale-W2 mistake depends on the learning rate, which backward never sees: the
# notebooks' learning rate is the one a learner would have used.
NOTEBOOK_LR = {"regression": 0.001, "classification": 0.1}


# --- update rule -----------------------------------------------------------------------------


@pytest.mark.exercise("update")
def test_update_values(probe):
    net, cases = net_of(probe), judge.cases(probe)
    for name in PARAM_NAMES:
        shape = oracle.shapes(net)[name]
        actual = [
            judge.as_array(judge.field(judge.returned(c, "update"), name, "The dict update returns"), name, shape)
            for c in cases
        ]
        expected = [Reference.update(array_params(c["params"]), array_params(c["grads"]), c["lr"])[name] for c in cases]
        where_ = [f"update case {k + 1} (lr = {c['lr']:.4g})" for k, c in enumerate(cases)]
        variants = [
            ("gradient ascent", "The gradient must be subtracted: it points uphill, where the loss grows.",
             lambda name=name: [Reference.update(array_params(c["params"]), array_params(c["grads"]), -c["lr"])[name]
                      for c in cases]),
            ("learning rate missing", "Each step is the gradient scaled by the learning rate.",
             lambda name=name: [Reference.update(array_params(c["params"]), array_params(c["grads"]), 1.0)[name]
                      for c in cases]),
        ]
        judge.check_values(f"the new {name}", actual, expected, where_, variants, seed_first=False)


@pytest.mark.exercise("update")
def test_update_returns_new_arrays(probe):
    net = net_of(probe)
    for case in judge.cases(probe):
        returned = judge.returned(case, "update")  # no credit for leaving inputs alone by not running
        for name in PARAM_NAMES:  # nor by returning something that is not the new parameters (zeros, say)
            got = judge.as_array(judge.field(returned, name, "The dict update returns"), name, oracle.shapes(net)[name])
            attempts = [Reference.update(array_params(case["params"]), array_params(case["grads"]), lr)[name]
                        for lr in (case["lr"], -case["lr"], 1.0)]  # right, or a named slip (ascent, lr missing)
            if not any(np.allclose(got, want, rtol=1e-7, atol=1e-12) for want in attempts):  # shapes: as_array
                raise AssertionError("update() must first return new values computed from params, grads and lr "
                                     "(see the check above); leaving its inputs alone counts once it does.")
        if case.get("mutated"):
            raise judge.Wrong(
                f"update() changed its input {case['mutated'][0]} in place: after the call, the caller's "
                "dict holds other values than before it. Look for `new = params` (the same dict) or params.copy() "
                "(a new dict sharing the same arrays) followed by `new[k] = …` or `new[k] -= …`; return a new dict "
                "of new arrays, {k: params[k] - lr * grads[k] for k in params}, and leave the inputs as they were.",
                "inputs changed in place (aliasing)"
            )


# --- training loop ---------------------------------------------------------------------------


def _train_outputs(case, net):
    losses_enc, params_enc = judge.values(judge.returned(case, "train"), "train", "(epoch_losses, params)")
    losses = judge.losses(losses_enc, "epoch_losses", case["epochs"])
    params = {
        k: judge.as_array(judge.field(params_enc, k, "The parameters train returns"), k, oracle.shapes(net)[k])
        for k in PARAM_NAMES
    }
    return losses, params


_RUNS: OrderedDict = OrderedDict()  # (ids of case, net, variant; epoch loss) → (case, net, variant, run)


def _reference_run(case, net, variant=oracle.CORRECT, epoch_loss="mean before"):
    """The reference training run on a case, computed once per case, network, variant and loss rule:
    the epoch losses and each final parameter are checked against the same run (its arrays read-only)."""
    key = (id(case), id(net), id(variant), epoch_loss)
    kept = _RUNS.get(key)
    if kept is not None and kept[0] is case and kept[1] is net and kept[2] is variant:
        _RUNS.move_to_end(key)
        return kept[3]
    losses, params = Reference(net, variant).train(case["X"], case["y"], array_params(case["params"]), case["lr"],
                                                   case["epochs"], epoch_loss)
    for array in (losses, *params.values()):
        array.setflags(write=False)
    _RUNS[key] = (case, net, variant, (losses, params))
    while len(_RUNS) > 256:
        _RUNS.popitem(last=False)
    return losses, params


def _where_train(case, k):
    return f"training run {k + 1} ({len(case['y'])} rows, {case['epochs']} epochs, lr = {case['lr']:g})"


def _train_variants(cases, net, pick):
    for key, (name, explanation) in LOOP_MISTAKES.items():
        yield name, explanation, lambda key=key: [pick(_reference_run(c, net, epoch_loss=key)) for c in cases]
    for m in for_network(net):
        yield m.name, m.explanation, lambda m=m: [pick(_reference_run(c, net, m)) for c in cases]


@pytest.mark.exercise("train")
def test_train_epoch_losses(probe):
    net, cases = net_of(probe), judge.cases(probe)
    actual = [_train_outputs(c, net)[0] for c in cases]
    expected = [_reference_run(c, net)[0] for c in cases]
    judge.check_values("epoch_losses", actual, expected, [_where_train(c, k) for k, c in enumerate(cases)],
                       _train_variants(cases, net, lambda run: run[0]), seed_first=False)


@pytest.mark.exercise("train")
def test_train_final_parameters(probe):
    net, cases = net_of(probe), judge.cases(probe)
    for name in PARAM_NAMES:
        actual = [_train_outputs(c, net)[1][name] for c in cases]
        expected = [_reference_run(c, net)[1][name] for c in cases]
        judge.check_values(f"the final {name}", actual, expected, [_where_train(c, k) for k, c in enumerate(cases)],
                           _train_variants(cases, net, lambda run, name=name: run[1][name]), seed_first=False)
    for case in cases:  # right values, written into the caller's own arrays: the same check fails
        if case.get("mutated"):
            raise judge.Wrong(mutations.TRAIN_ALIASING.format(case["mutated"][0]), "caller's parameters changed in place")

