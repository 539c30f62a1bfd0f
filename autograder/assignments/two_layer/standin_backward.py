"""The 2-2-1 networks' backward pass, update and training loop. Sent after the learner's backward
and update are recorded."""

import numpy as np

NEEDS = ("two_layer_forward",)
try:
    two_layer_forward  # noqa: B018  (provided by the sandbox runner)
except NameError:
    from autograder.assignments.two_layer import standin_forward as two_layer_forward

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def backward(network: str, y: float, cache, params):
    """Per-sample gradients, shaped like the parameters. Classification: σ + cross-entropy meet in
    ∂L/∂z2 = ŷ − y; regression: ∂L/∂z2 = −2(y − ŷ)."""
    x, h = np.asarray(cache["x"], dtype=np.float64), np.asarray(cache["h"], dtype=np.float64)
    y_hat = float(two_layer_forward.activate(network, cache["z2"]))
    dz2 = y_hat - y if network == "classification" else -2.0 * (y - y_hat)
    W2 = np.asarray(params["W2"], dtype=np.float64)
    slope = h * (1 - h) if two_layer_forward.ACTIVATION[network] == "sigmoid" else np.ones_like(h)
    dz1 = dz2 * W2 * slope
    return {"W1": np.outer(x, dz1), "b1": dz1, "W2": dz2 * h, "b2": np.float64(dz2)}


def update(params, grads, lr: float):
    """θ ← θ − lr·∂L/∂θ, new arrays."""
    return {k: np.asarray(params[k], dtype=np.float64) - lr * np.asarray(grads[k], dtype=np.float64)
            for k in PARAM_NAMES}


def learner_api(network: str) -> dict:
    """forward / backward / update with the notebook's signatures."""
    return {"forward": lambda x, params: two_layer_forward.forward(network, x, params),
            "backward": lambda y, y_hat, cache, params: backward(network, y, cache, params),
            "update": update}


def train(network: str, X, y, params, lr: float, epochs: int):
    """Per-sample SGD in row order: (epoch losses = mean of the pre-update losses, params)."""
    params = {k: np.array(params[k], dtype=np.float64) for k in PARAM_NAMES}
    losses = np.empty(epochs)
    with np.errstate(all="ignore"):
        for e in range(epochs):
            before = []
            for xi, yi in zip(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64), strict=True):
                y_hat, cache = two_layer_forward.forward(network, xi, params)
                before.append(two_layer_forward.loss(network, xi, float(yi), params))
                params = update(params, backward(network, float(yi), cache, params), lr)
            losses[e] = np.mean(before)
    return losses, params
