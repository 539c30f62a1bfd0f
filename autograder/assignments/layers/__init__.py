"""Assignment 4, the general backward pass: layers, losses, an L-layer network, a gradient checker."""

from autograder.assignments.declaration import Assignment, exercises
from autograder.assignments.layers.recorder import TITLES

LAYERS = Assignment(
    name="layers", title="The general backward pass", folder="layers",
    exercises=exercises(TITLES, {
        "dense": "Z = A_prev·W + b; dA_prev = dZ·Wᵀ, dW = A_prevᵀ·dZ, db = Σ_rows dZ",
        "activations": "dZ = dA ⊙ act'(Z): σ' = A(1 − A), tanh' = 1 − A², ReLU' = [Z > 0]",
        "losses": "MSE: L = Σ(Y − Ŷ)²/n, dŶ = −2(Y − Ŷ)/n; BCE: dŶ = (−Y/Ŷ + (1 − Y)/(1 − Ŷ))/n",
        "model": "backward from layer L down to 1: activation_backward, then dense_backward, grads W_l, b_l",
        "gradient_check": "(f(θ + h) − f(θ − h))/2h per entry, put back; error |a − n| / max(|a| + |n|, 1e-8)",
    }),
    plan=[((), ("dense", "activations", "losses")), (("layers_pieces",), ("model",)),
          (("layers_model",), ("gradient_check",))],
    standins={"layers_pieces": "standin_pieces", "layers_model": "standin_model"},
)
