"""Softmax's pieces: one-hot targets, the stable softmax, the mean cross-entropy. Sent after the
learner's own are recorded, for the forward pass and the training loop to call."""

import numpy as np

ONE_HOT = "the targets must be one-hot, shape (n, K): convert the class indices with one_hot(labels, K)"


def targets(Y, P):
    """Y as float64, or a ValueError saying why it cannot be the one-hot targets of P."""
    Y, P = np.asarray(Y, dtype=np.float64), np.asarray(P, dtype=np.float64)
    if Y.ndim != 2 or Y.shape[1] == 1 or Y.shape[0] != P.shape[0]:
        raise ValueError(f"got Y of shape {Y.shape}; {ONE_HOT}")
    if Y.shape != P.shape:
        raise ValueError(f"got Y of shape {Y.shape} for probabilities of shape {P.shape}: K is the number of the "
                         "network's outputs (W2.shape[1]), not the largest label in the batch plus one")
    return Y


def one_hot(labels, K):
    """labels (n,) in 0..K−1 → (n, K) float64, row k the unit vector of class labels[k]."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    return np.eye(int(K), dtype=np.float64)[labels]


def softmax(Z):
    """Row-wise softmax, shifted by each row's maximum so exp never overflows."""
    Z = np.asarray(Z, dtype=np.float64)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def cross_entropy(Y, P):
    """Mean over the rows of −Σ_k Y[:, k]·log P[:, k]."""
    P = np.asarray(P, dtype=np.float64)
    Y = targets(Y, P)
    return float(-np.sum(Y * np.log(P)) / Y.shape[0])
