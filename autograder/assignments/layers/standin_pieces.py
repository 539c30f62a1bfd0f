"""The general backward pass's pieces: dense layer, activations, losses. Sent after the learner's
pieces are recorded."""

import numpy as np

NEEDS = ("numerics",)
try:
    numerics  # noqa: B018  (provided by the sandbox runner)
except NameError:
    from autograder.assignments.common import numerics


def dense_forward(A_prev, W, b):
    """A_prev (n, d_in), W (d_in, d_out), b (d_out,) → (Z (n, d_out), cache)."""
    return A_prev @ W + b, (A_prev, W, b)


def dense_backward(dZ, cache):
    """dZ (n, d_out) → (dA_prev (n, d_in), dW (d_in, d_out), db (d_out,))."""
    A_prev, W, _ = cache
    return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0)


def activation_forward(Z, kind):
    Z = np.asarray(Z, dtype=np.float64)
    A = {"linear": lambda: Z.copy(), "sigmoid": lambda: numerics.sigmoid(Z), "tanh": lambda: np.tanh(Z),
         "relu": lambda: np.where(Z > 0, Z, 0.0)}[kind]()
    return A, (Z, kind)


def activation_backward(dA, cache):
    """dA ⊙ act'(Z); ReLU'(0) = 0."""
    Z, kind = cache
    if kind == "sigmoid":
        s = numerics.sigmoid(Z)
        slope = s * (1 - s)
    elif kind == "tanh":
        slope = 1 - np.tanh(Z) ** 2
    elif kind == "relu":
        slope = (Z > 0).astype(np.float64)
    else:
        slope = np.ones_like(Z)
    return dA * slope


def loss_forward_backward(Y_hat, Y, kind):
    """(L, dY_hat): L is the mean over samples of the per-sample loss summed over outputs."""
    Y_hat, Y = np.asarray(Y_hat, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    n = Y.shape[0]
    with np.errstate(all="ignore"):
        if kind == "mse":
            L, d = (Y - Y_hat) ** 2, -2.0 * (Y - Y_hat)
        else:
            L = -Y * np.log(Y_hat) - (1 - Y) * np.log(1 - Y_hat)
            d = -Y / Y_hat + (1 - Y) / (1 - Y_hat)
    return float(np.sum(L) / n), d / n


LEARNER_API = ("dense_forward", "dense_backward", "activation_forward", "activation_backward", "loss_forward_backward")
