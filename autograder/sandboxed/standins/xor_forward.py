"""XOR's batched forward pass. Sent after the learner's forward is recorded."""

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def forward(X, params):
    """X (n, 2) → (Y_hat (n, 1), cache with X, Z1 (n, 2), H (n, 2), Z2 (n, 1))."""
    X = np.asarray(X, dtype=np.float64)
    Z1 = X @ np.asarray(params["W1"], dtype=np.float64) + np.asarray(params["b1"], dtype=np.float64)
    H = sigmoid(Z1)
    Z2 = H @ np.asarray(params["W2"], dtype=np.float64) + np.asarray(params["b2"], dtype=np.float64)
    return sigmoid(Z2), {"X": X.copy(), "Z1": Z1, "H": H, "Z2": Z2}
