"""The warm-up neuron's chain links and their product. Sent after the learner's links are recorded."""

import numpy as np

NEEDS = ("numerics",)
try:
    numerics  # noqa: B018  (provided by the sandbox runner)
except NameError:
    from autograder.assignments.common import numerics


def chain_factors(x, y, w, b, activation):
    """∂L/∂ŷ, ∂ŷ/∂z, ∂z/∂w, ∂z/∂b of L = (y − act(w·x + b))², elementwise over the samples."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    z = w * x + b
    if activation == "sigmoid":
        y_hat = numerics.sigmoid(z)
        slope = y_hat * (1 - y_hat)
    else:
        y_hat, slope = z, np.ones_like(z)
    return {"dL_dyhat": -2.0 * (y - y_hat), "dyhat_dz": slope, "dz_dw": x.copy(), "dz_db": np.ones_like(x)}


def chain_product(factors):
    return {"w": factors["dL_dyhat"] * factors["dyhat_dz"] * factors["dz_dw"],
            "b": factors["dL_dyhat"] * factors["dyhat_dz"] * factors["dz_db"]}
