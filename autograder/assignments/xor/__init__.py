"""Assignment 3, XOR: the sigmoid 2-2-1 network in matrix form over the whole batch."""

from autograder.assignments.declaration import Assignment, exercises
from autograder.assignments.xor.recorder import TITLES

XOR = Assignment(
    name="xor", title="XOR, the whole batch at once", folder="xor",
    exercises=exercises(TITLES, {
        "forward": "Z1 = X @ W1 + b1, H = σ(Z1), Z2 = H @ W2 + b2, Ŷ = σ(Z2), over all rows at once",
        "output_layer": "dZ2 = −2(Y − Ŷ)/n ⊙ Ŷ(1 − Ŷ); ∂L/∂W2 = Hᵀ·dZ2, ∂L/∂b2 = Σ_rows dZ2",
        "hidden_layer": "dZ1 = (dZ2·W2ᵀ) ⊙ H(1 − H); ∂L/∂W1 = Xᵀ·dZ1, ∂L/∂b1 = Σ_rows dZ1",
        "train": "per epoch: forward, loss before the update, backward, every parameter updated from the same grads",
    }),
    plan=[((), ("forward",)), (("xor_forward",), ("output_layer", "hidden_layer")), (("xor_backward",), ("train",))],
    standins={"xor_forward": "standin_forward", "xor_backward": "standin_backward"},
)
