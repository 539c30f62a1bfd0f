"""The numpy stand-ins that replace a learner's building blocks while another exercise is graded
agree with the sympy oracle (they are written by hand, so this is what keeps them honest)."""

import numpy as np
import pytest

from autograder.assignments.common import numerics, oracle, points
from autograder.assignments.common.network import NETWORKS
from autograder.assignments.layers import definition as layers
from autograder.assignments.layers import standin_model as layers_model
from autograder.assignments.layers import standin_pieces as layers_pieces
from autograder.assignments.layers.recorder import random_network
from autograder.assignments.two_layer import standin_backward as two_layer_backward
from autograder.assignments.two_layer import standin_forward as two_layer_forward
from autograder.assignments.two_layer.reference import Reference
from autograder.assignments.warmup import definition as warmup
from autograder.assignments.warmup import standin as warmup_standin
from autograder.assignments.xor import definition as xor
from autograder.assignments.xor import standin_backward as xor_backward
from autograder.assignments.xor import standin_forward as xor_forward

RTOL = 1e-10


def close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=RTOL, atol=1e-13, strict=False)


@pytest.mark.parametrize("network", ["regression", "classification"])
def test_two_layer_forward_backward_and_training(network):
    net, rng = NETWORKS[network], points.rng_for("standins", network)
    for _ in range(20):
        x, y, p = points.inputs(rng, net, 1)[0], float(points.targets(rng, net, 1)[0]), points.params(rng, net)
        y_hat, cache = two_layer_forward.forward(network, x, p)
        want_y, want_cache = oracle.forward(net, x, p)
        close(y_hat, want_y)
        for k in ("x", "z1", "h", "z2"):
            close(cache[k], want_cache[k])
        grads, want = two_layer_backward.backward(network, y, cache, p), oracle.gradients(net, x, y, p)
        for k in ("W1", "b1", "W2", "b2"):
            assert np.shape(grads[k]) == np.shape(want[k])
            close(grads[k], want[k])
    X, Y, p = points.inputs(rng, net, 5), points.targets(rng, net, 5), points.params(rng, net, 0.3)
    losses, final = two_layer_backward.train(network, X, Y, p, 0.01, 4)
    want_losses, want_final = Reference(net).train(X, Y, p, 0.01, 4)
    close(losses, want_losses)
    for k in final:
        close(final[k], want_final[k])


def test_xor_batch_forward_and_backward():
    rng = points.rng_for("standins", "xor")
    for n in (3, 4, 7):
        X, Y = xor.random_batch(rng, n)
        p = xor.random_params(rng)
        Y_hat, cache = xor_forward.forward(X, p)
        want_Y_hat, want_cache = xor.forward(X, p)
        close(Y_hat, want_Y_hat)
        for k in ("Z1", "H", "Z2"):
            close(cache[k], want_cache[k])
        grads, want = xor_backward.backward(Y, Y_hat, cache, p), xor.gradients(X, Y, p)
        for k in xor.NAMES:
            assert grads[k].shape == want[k].shape
            close(grads[k], want[k])


@pytest.mark.parametrize("activation", ["linear", "sigmoid"])
def test_warmup_links(activation):
    rng = points.rng_for("standins", "warmup", activation)
    xs, ys, w, b = rng.uniform(-3, 3, 6), rng.uniform(-1, 2, 6), 0.7, -0.3
    links = warmup_standin.chain_factors(xs, ys, w, b, activation)
    for f in warmup.FACTORS:
        close(links[f], warmup.evaluate(activation, f, xs, ys, w, b))


@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid", "linear"])
def test_layer_pieces_and_whole_network_gradients(hidden):
    rng = points.rng_for("standins", "layers", hidden)
    for depth in (2, 3):
        net = random_network(rng, depth, hidden)
        want = layers.gradients(net["X"], net["Y"], net["params"], net["activations"], net["loss"])
        got = layers_model.gradients(net["X"], net["Y"], net["params"], net["activations"], net["loss"])
        for k in want:
            close(got[k], want[k])
        close(layers_model.full_loss(net["X"], net["Y"], net["params"], net["activations"], net["loss"]),
              layers.full_loss(net["X"], net["Y"], net["params"], net["activations"], net["loss"]))
    Z = rng.normal(0, 2, (4, 3))
    close(layers_pieces.activation_forward(Z, hidden)[0], layers.activation_forward(Z, hidden)[0])


def test_sigmoid_never_overflows():
    z = np.array([-1000.0, -800.0, -30.0, 0.0, 30.0, 800.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is the right answer
        s = numerics.sigmoid(z)
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
