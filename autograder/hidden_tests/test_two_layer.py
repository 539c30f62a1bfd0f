"""Hidden checks for the 2-2-1 assignments (regression and classification).

Each check judges a probe of recorded learner values against the sympy oracle. The
expected values are computed here, from the probe's inputs, every time; none is stored.
"""

import numpy as np
import pytest

from autograder import judge, oracle
from autograder.mistakes import for_network
from autograder.network import NETWORKS, PARAM_NAMES
from autograder.reference import LOOP_MISTAKES, Reference
from autograder.sandboxed.record_two_layer import GRADIENT_OF, array_params

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
    judge.check_values("ŷ", actual, expected, [where(c, k) for k, c in enumerate(cases)])


@pytest.mark.exercise("forward")
def test_forward_cache(probe):
    net, cases = net_of(probe), judge.cases(probe)
    for key, shape in (("x", (net.n_in,)), ("z1", (net.n_hidden,)), ("h", (net.n_hidden,))):
        actual, expected = [], []
        for case in cases:
            _, cache = judge.values(judge.returned(case, "forward"), "forward", "(y_hat, cache)")
            actual.append(judge.as_array(judge.field(cache, key, "The cache"), f"cache[{key!r}]", shape))
            expected.append(oracle.forward(net, case["x"], array_params(case["params"]))[1][key])
        judge.check_values(f"cache[{key!r}]", actual, expected, [where(c, k) for k, c in enumerate(cases)])


# --- the four groups of derivatives ---------------------------------------------------------


@pytest.mark.exercise(*GRADIENT_OF)
def test_gradient_values(probe):
    net, cases = net_of(probe), judge.cases(probe)
    name = GRADIENT_OF[probe["exercise"]]
    shape = oracle.shapes(net)[name]
    label = f"∂L/∂{name}"
    actual = [
        judge.as_array(judge.field(judge.returned(c, "backward"), name, "The dict backward returns"), label, shape)
        for c in cases
    ]

    def at(variant=oracle.CORRECT):
        lr = NOTEBOOK_LR[net.name]
        return [oracle.gradients(net, c["x"], c["y"], array_params(c["params"]), lr, variant)[name] for c in cases]

    variants = [(m.name, m.explanation, lambda m=m: at(m)) for m in for_network(net)]
    judge.check_values(label, actual, at(), [where(c, k) for k, c in enumerate(cases)], variants)
    for case in cases:
        if case.get("mutated"):
            raise AssertionError(
                f"backward() changed params[{case['mutated'][0]!r}] in place; a backward pass only reads the "
                "parameters (the update happens later, in update())."
            )


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
    for case in judge.cases(probe):
        judge.returned(case, "update")  # no credit for leaving inputs alone by not running
        if case.get("mutated"):
            raise AssertionError(
                f"update() changed its input {case['mutated'][0]} in place; return new arrays and leave the "
                "inputs as they were (the caller may still need the old values)."
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


def _reference_run(case, net, variant=oracle.CORRECT, epoch_loss="mean before"):
    return Reference(net, variant).train(case["X"], case["y"], array_params(case["params"]), case["lr"],
                                         case["epochs"], epoch_loss)


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
