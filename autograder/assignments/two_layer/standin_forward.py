"""The 2-2-1 networks' forward pass. Sent after the learner's forward is recorded."""

import numpy as np

NEEDS = ("numerics",)
try:
    numerics  # noqa: B018  (provided by the sandbox runner)
except NameError:
    from autograder.assignments.common import numerics

ACTIVATION = {"regression": "linear", "classification": "sigmoid", "xor": "sigmoid"}


def activate(network: str, z):
    return numerics.sigmoid(z) if ACTIVATION[network] == "sigmoid" else np.asarray(z, dtype=np.float64)


def forward(network: str, x, params):
    """x (2,) → (ŷ: float, cache with x (2,), z1 (2,), h (2,), z2 (float))."""
    x = np.asarray(x, dtype=np.float64)
    z1 = x @ np.asarray(params["W1"], dtype=np.float64) + np.asarray(params["b1"], dtype=np.float64)
    h = activate(network, z1)
    z2 = float(h @ np.asarray(params["W2"], dtype=np.float64) + np.float64(params["b2"]))
    return float(activate(network, z2)), {"x": x.copy(), "z1": z1, "h": h, "z2": z2}


def loss(network: str, x, y: float, params) -> float:
    y_hat, y = np.float64(forward(network, x, params)[0]), np.float64(y)  # numpy: overflow gives inf, not an error
    with np.errstate(all="ignore"):
        if network == "classification":
            return float(-y * np.log(y_hat) - (1 - y) * np.log(1 - y_hat))
        return float((y - y_hat) ** 2)
