"""Assignment 6, softmax: K-class classification with a 2-layer tanh network in matrix form."""

from autograder.assignments.declaration import Assignment, exercises
from autograder.assignments.softmax.recorder import TITLES

SOFTMAX = Assignment(
    name="softmax", title="Softmax: more than two classes", folder="softmax",
    exercises=exercises(TITLES, {
        "one_hot": "Y = zeros((n, K)); Y[arange(n), labels] = 1, with the K you are given",
        "softmax": "E = exp(Z − Z.max(axis=1, keepdims=True)); P = E / E.sum(axis=1, keepdims=True)",
        "cross_entropy": "L = −Σ(Y ⊙ log P) / n: summed over the classes, averaged over the rows",
        "forward": "Z1 = X @ W1 + b1, H = tanh(Z1), Z2 = H @ W2 + b2, P = softmax(Z2); the cache keeps X, Z1, H, Z2",
        "output_layer": "dZ2 = (P − Y)/n (the full softmax Jacobian); ∂L/∂W2 = Hᵀ·dZ2, ∂L/∂b2 = Σ_rows dZ2",
        "hidden_layer": "dZ1 = (dZ2·W2ᵀ) ⊙ (1 − H²); ∂L/∂W1 = Xᵀ·dZ1, ∂L/∂b1 = Σ_rows dZ1",
        "train": "Y = one_hot(labels, W2.shape[1]) once; per epoch: forward, loss of P before the update, backward, "
                 "every parameter updated from the same grads",
    }),
    plan=[((), ("one_hot", "softmax", "cross_entropy")), (("softmax_pieces",), ("forward",)),
          (("softmax_forward",), ("output_layer", "hidden_layer")), (("softmax_backward",), ("train",))],
    standins={"softmax_pieces": "standin_pieces", "softmax_forward": "standin_forward",
              "softmax_backward": "standin_backward"},
)
