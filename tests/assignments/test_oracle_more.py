"""The new oracles against independent derivations, and the seed figures of REFERENCE.md."""

import numpy as np
import pytest
import sympy as sp

from autograder.assignments.layers import definition as layers
from autograder.assignments.warmup import definition as warmup
from autograder.assignments.why import definition as why
from autograder.assignments.why import draws as why_draws
from autograder.assignments.why import recorder as why_recorder
from autograder.assignments.xor import definition as xor


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["linear", "sigmoid"])
def test_warmup_links_multiply_to_the_derivative_of_the_loss(activation):
    f = warmup.factor_exprs(activation)
    L = warmup.neuron_loss(activation)
    assert sp.simplify(f["dL_dyhat"] * f["dyhat_dz"] * f["dz_dw"] - sp.diff(L, warmup.w)) == 0
    assert sp.simplify(f["dL_dyhat"] * f["dyhat_dz"] * f["dz_db"] - sp.diff(L, warmup.b)) == 0


@pytest.mark.slow
def test_warmup_mistakes_differ_from_the_right_links():
    for activation in ("linear", "sigmoid"):
        right = warmup.factor_exprs(activation)
        for factor, wrong in warmup.mistake_exprs(activation).items():
            for name, (_, expr) in wrong.items():
                assert sp.simplify(expr - right[factor]) != 0, (activation, factor, name)


def _full_sympy_gradients(X, Y, params, activations, loss_kind):
    """Differentiate the whole network's batch loss entry by entry: no layer-wise shortcut."""
    syms = {k: sp.Matrix(*v.shape if v.ndim == 2 else (1, v.shape[0]),
                         lambda i, j, k=k: sp.Symbol(f"{k}_{i}_{j}")) for k, v in params.items()}
    act = {"linear": lambda t: t, "sigmoid": lambda t: 1 / (1 + sp.exp(-t)), "tanh": sp.tanh,
           "relu": lambda t: sp.Piecewise((0, t <= 0), (t, True))}
    A = sp.Matrix(X)
    for layer, kind in enumerate(activations, start=1):
        Z = A * syms[f"W{layer}"] + sp.ones(A.shape[0], 1) * syms[f"b{layer}"]
        A = Z.applyfunc(act[kind])
    Ym = sp.Matrix(Y)
    per = {"mse": lambda y, p: (y - p) ** 2, "bce": lambda y, p: -y * sp.log(p) - (1 - y) * sp.log(1 - p)}[loss_kind]
    L = sum(per(Ym[i, j], A[i, j]) for i in range(A.shape[0]) for j in range(A.shape[1])) / A.shape[0]
    flat = [s for m in syms.values() for s in m]
    values = [float(v) for k in syms for v in np.ravel(params[k])]
    derivatives = sp.lambdify(flat, [sp.diff(L, s) for s in flat], "numpy", cse=True)(*values)
    out, start = {}, 0
    for k, v in params.items():
        out[k] = np.array(derivatives[start:start + v.size], dtype=np.float64).reshape(v.shape)
        start += v.size
    return out


@pytest.mark.parametrize("activations,loss_kind", [(["tanh", "sigmoid"], "bce"), (["relu", "linear"], "mse"),
                                                   (["sigmoid", "tanh", "linear"], "mse")])
@pytest.mark.slow
def test_layerwise_oracle_equals_sympy_on_the_whole_network(activations, loss_kind):
    rng = np.random.default_rng(11)
    sizes = [3, 2, 4, 2][: len(activations) + 1]
    params = {}
    for k in range(1, len(sizes)):
        params[f"W{k}"] = rng.normal(size=(sizes[k - 1], sizes[k]))
        params[f"b{k}"] = rng.normal(size=sizes[k])
    X = rng.normal(size=(3, sizes[0]))
    Y = (rng.random((3, sizes[-1])) < 0.5) * 1.0 if loss_kind == "bce" else rng.normal(size=(3, sizes[-1]))
    ours = layers.gradients(X, Y, params, activations, loss_kind)
    theirs = _full_sympy_gradients(X, Y, params, activations, loss_kind)
    for k in params:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-9, atol=1e-12, strict=True, err_msg=k)


@pytest.mark.slow
def test_xor_batch_gradient_equals_sympy_on_the_batch_loss():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(3, 2)), np.array([[1.0], [0.0], [1.0]])
    params = xor.random_params(rng)
    ours = xor.gradients(X, Y, params)
    theirs = _full_sympy_gradients(X, Y, {k: v.reshape(-1) if k == "b2" else v for k, v in params.items()},
                                   ["sigmoid", "sigmoid"], "mse")
    for k in params:
        np.testing.assert_allclose(ours[k], theirs[k].reshape(ours[k].shape), rtol=1e-9, strict=True, err_msg=k)


def test_stopping_rule_reproduces_the_seed_epochs():
    X, y = why_recorder.seed_data()
    epoch, losses = why.train_until(X, y, why.init_params(), 1e-3, 1e-3, 1000)
    assert epoch == 55 and losses.shape == (55,)
    np.testing.assert_allclose(losses[-1], 0.365285, rtol=2e-6)
    epoch, losses = why.train_until(X, y, why.init_params(), 1e-3, 1e-4, 1000)
    assert epoch == 131
    np.testing.assert_allclose(losses[-1], 0.338369, rtol=2e-6)


def test_learning_rate_regimes_of_the_seed_data():
    X, y = why_recorder.seed_data()
    curves = {lr: why.curve(X, y, why.init_params(), lr, 75) for lr in (1e-4, 1e-3, 1e-2, 1.5e-2)}
    assert {lr: why.regime(c) for lr, c in curves.items()} == {
        1e-4: "slow", 1e-3: "converges", 1e-2: "oscillates", 1.5e-2: "diverges"}
    assert 25 < curves[1e-4][4] < 26 and 1e24 < curves[1.5e-2][1] < 3e24 and np.isnan(curves[1.5e-2][4])


def test_the_why_edge_curves_sit_on_each_boundary():
    got = {name: why.regime(c) for name, c in why_draws.edge_curves().items()}
    assert got == {"last equals first": "oscillates", "last just above first": "diverges",
                   "an infinite loss": "diverges", "exactly 10% rises": "oscillates",
                   "just under 10% rises": "converges", "half left after a tenth": "converges",
                   "just over half after a tenth": "slow", "flat": "slow", "a NaN loss": "diverges",
                   "slow start, 30 epochs": "converges", "a short run, 6 epochs": "converges"}
    # each new edge tells its misreading apart
    assert why.regime(why_draws.edge_curves()["slow start, 30 epochs"], "second loss read for the tenth") == "slow"
    assert why.regime(why_draws.edge_curves()["a NaN loss"], "non-finite losses not read as diverging") != "diverges"
    assert why.regime(why_draws.edge_curves()["a short run, 6 epochs"], "tenth without max(1, ·)") == "slow"


@pytest.mark.slow
def test_deep_sigmoid_gradients_vanish_and_relu_ones_do_not():
    norms = {}
    for hidden in ("sigmoid", "relu"):
        net = why_recorder.random_deep(np.random.default_rng(3), 8, hidden)
        norms[hidden] = why.reference_norms(net["X"], net["Y"], net["params"], net["activations"])
    assert norms["sigmoid"][0] / norms["sigmoid"][-1] < 1e-3 < norms["relu"][0] / norms["relu"][-1]


@pytest.mark.slow
def test_xor_known_good_start_solves_xor_and_equal_weights_stay_symmetric(learner):
    ns = learner("xor", "ada")
    _, trained = ns["train"](xor.DATA_X, xor.DATA_Y, xor.known_good(), xor.LR, xor.EPOCHS)
    assert np.array_equal(ns["forward"](xor.DATA_X, trained)[0].ravel() > 0.5, [False, True, True, False])
    _, flat = ns["train"](xor.DATA_X, xor.DATA_Y, ns["equal_params"](), xor.LR, xor.EPOCHS)
    assert np.array_equal(flat["W1"][:, 0], flat["W1"][:, 1]) and flat["b1"][0] == flat["b1"][1]
    assert np.all(np.abs(ns["forward"](xor.DATA_X, flat)[0] - 0.5) < 0.05)
