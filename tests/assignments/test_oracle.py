"""The sympy oracle against hand-derived formulas and the figures of REFERENCE.md §1."""

import numpy as np
import pytest

from autograder.assignments.common import oracle, points
from autograder.assignments.common.datasets import REGRESSION as DATA
from autograder.assignments.common.network import CLASSIFICATION, REGRESSION
from autograder.assignments.two_layer.reference import Reference, full_data_mse, init_params

RTOL = 1e-9


def closed_form(net, x, y, p):
    """The gradients as written by hand (REFERENCE.md §1, and the lecture's sigmoid/BCE form)."""
    x = np.asarray(x, dtype=float)
    z1 = x @ p["W1"] + p["b1"]
    if net is REGRESSION:
        h = z1
        y_hat = h @ p["W2"] + p["b2"]
        g = -2 * (y - y_hat)
        dz1 = g * p["W2"]
    else:
        h = 1 / (1 + np.exp(-z1))
        y_hat = 1 / (1 + np.exp(-(h @ p["W2"] + p["b2"])))
        g = y_hat - y
        dz1 = g * p["W2"] * h * (1 - h)
    return {"W1": np.outer(x, dz1), "b1": dz1, "W2": g * h, "b2": np.float64(g)}


@pytest.mark.parametrize("net", [REGRESSION, CLASSIFICATION], ids=lambda n: n.name)
def test_oracle_matches_closed_form_at_random_points(net):
    rng = points.rng_for("tests", net.name)
    for x, y in zip(points.inputs(rng, net, 6), points.targets(rng, net, 6), strict=True):
        p = points.params(rng, net)
        got = oracle.gradients(net, x, y, p)
        want = closed_form(net, x, y, p)
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-14, strict=True)


def test_first_step_of_the_lecture():
    y_hat, cache = oracle.forward(REGRESSION, DATA[0, :2], init_params())
    assert y_hat == pytest.approx(0.32, rel=1e-12)
    np.testing.assert_allclose(cache["h"], [1.6, 1.6], rtol=1e-12, strict=True)
    g = oracle.gradients(REGRESSION, DATA[0, :2], DATA[0, 2], init_params())
    np.testing.assert_allclose(g["W1"], np.full((2, 2), -5.888), rtol=1e-12, strict=True)
    np.testing.assert_allclose(g["b1"], np.full(2, -0.736), rtol=1e-12, strict=True)
    np.testing.assert_allclose(g["W2"], np.full(2, -11.776), rtol=1e-12, strict=True)
    np.testing.assert_allclose(g["b2"], np.float64(-7.36), rtol=1e-12, strict=True)


def test_reference_training_reproduces_the_seed_figures():
    ref = Reference(REGRESSION)
    losses, p = ref.train(DATA[:, :2], DATA[:, 2], init_params(), 0.001, 75)
    np.testing.assert_allclose(losses[[0, 1, 4, 74]], [25.986325294251, 18.687111933056, 0.659422715097, 0.351292658067],
                               rtol=RTOL, strict=True)
    np.testing.assert_allclose(p["W1"], [[0.166440018713] * 2, [0.445750882832] * 2], rtol=RTOL, strict=True)
    np.testing.assert_allclose(p["b1"], [0.026070184849] * 2, rtol=RTOL, strict=True)
    np.testing.assert_allclose(p["W2"], [0.466590597595] * 2, rtol=RTOL, strict=True)
    np.testing.assert_allclose(p["b2"], np.float64(0.116410599294), rtol=RTOL, strict=True)
    predictions = [oracle.forward(REGRESSION, x, p)[0] for x in DATA[:, :2]]
    np.testing.assert_allclose(predictions, [4.711019, 4.971667, 5.232314, 7.156827], rtol=1e-6, strict=True)
    assert full_data_mse(REGRESSION, DATA[:, :2], DATA[:, 2], p) == pytest.approx(0.280071740442, rel=RTOL)


def test_end_of_epoch_mse_column():
    losses, _ = Reference(REGRESSION).train(DATA[:, :2], DATA[:, 2], init_params(), 0.001, 5, "full data at end")
    np.testing.assert_allclose(losses[[0, 1, 4]], [21.889394562182, 12.394989832896, 0.417739152202], rtol=RTOL, strict=True)


def test_stale_w2_variant_reproduces_the_buggy_run():
    from autograder.assignments.common.mistakes import BY_NAME

    losses, _ = Reference(REGRESSION, BY_NAME["stale W2"]).train(DATA[:, :2], DATA[:, 2], init_params(), 0.001, 75)
    np.testing.assert_allclose(losses[[0, 1, 4, 74]], [25.879026057543, 17.892629873837, 0.568783829760, 0.356051258030],
                               rtol=RTOL, strict=True)


def test_equal_initial_weights_never_break_symmetry():
    _, p = Reference(REGRESSION).train(DATA[:, :2], DATA[:, 2], init_params(), 0.001, 75)
    assert p["W1"][:, 0].tolist() == p["W1"][:, 1].tolist()
    assert p["W2"][0] == p["W2"][1]
