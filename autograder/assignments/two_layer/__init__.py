"""Assignments 1 and 2, regression and classification: the lecture's 2-2-1 network, per-sample SGD.
One recorder, one set of stand-ins and one module of hidden checks serve both networks."""

from autograder.assignments.declaration import Assignment, exercises
from autograder.assignments.two_layer.recorder import EXERCISES

_TITLES = {name: e.title for name, e in EXERCISES.items()}
_WHERE = {
    "forward": "z1 = x @ W1 + b1, h = act(z1), z2 = h @ W2 + b2, ŷ = act(z2); the cache keeps x, z1, h, z2",
    "output_weights": "∂L/∂W2[j] = ∂L/∂z2 · h[j]",
    "output_bias": "∂L/∂b2 = ∂L/∂z2 · 1",
    "hidden_weights": "∂L/∂W1[i, j] = x[i] · ∂L/∂z1[j], with ∂L/∂z1[j] = ∂L/∂z2 · W2[j] · act'(z1[j])",
    "hidden_biases": "∂L/∂b1[j] = ∂L/∂z1[j] · 1 = ∂L/∂z2 · W2[j] · act'(z1[j])",
    "update": "θ ← θ − lr · ∂L/∂θ for every parameter, into new arrays",
    "train": "per epoch, per row in order: forward, loss before the update, backward, params = update(...); "
             "the epoch loss is the mean of those losses",
}
_PLAN = [
    ((), ("forward", "update")),
    (("two_layer_forward",), ("output_weights", "output_bias", "hidden_weights", "hidden_biases")),
    (("two_layer_backward",), ("train",)),
]
_STANDINS = {"two_layer_forward": "standin_forward", "two_layer_backward": "standin_backward"}

REGRESSION = Assignment(
    name="regression", title="A 2-2-1 network for regression", folder="two_layer", network="regression",
    exercises=exercises(_TITLES, {**_WHERE, "output_weights": "∂L/∂W2[j] = −2(y − ŷ) · h[j] (a linear output: ∂ŷ/∂z2 = 1)"}),
    plan=_PLAN, standins=_STANDINS,
)
CLASSIFICATION = Assignment(
    name="classification", title="A 2-2-1 network for classification", folder="two_layer", network="classification",
    exercises=exercises(_TITLES, {**_WHERE, "output_weights": "∂L/∂W2[j] = (ŷ − y) · h[j] (cross-entropy through σ)"}),
    plan=_PLAN, standins=_STANDINS,
)
