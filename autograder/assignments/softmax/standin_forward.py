"""Softmax's forward pass (tanh hidden layer, softmax output). Sent after the learner's forward is recorded."""

import numpy as np

NEEDS = ("softmax_pieces",)
try:
    softmax_pieces  # noqa: B018  (provided by the sandbox runner)
except NameError:
    from autograder.assignments.softmax import standin_pieces as softmax_pieces


def forward(X, params):
    """X (n, d) → (P (n, K), cache with X, Z1 (n, h), H (n, h), Z2 (n, K))."""
    X = np.asarray(X, dtype=np.float64)
    Z1 = X @ np.asarray(params["W1"], dtype=np.float64) + np.asarray(params["b1"], dtype=np.float64)
    H = np.tanh(Z1)
    Z2 = H @ np.asarray(params["W2"], dtype=np.float64) + np.asarray(params["b2"], dtype=np.float64)
    return softmax_pieces.softmax(Z2), {"X": X.copy(), "Z1": Z1, "H": H, "Z2": Z2}
