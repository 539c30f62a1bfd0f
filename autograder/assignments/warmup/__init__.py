"""Assignment 0, the chain-rule warm-up: one neuron, each link of the chain its own exercise."""

from autograder.assignments.declaration import Assignment, exercises
from autograder.assignments.warmup.recorder import TITLES

WARMUP = Assignment(
    name="warmup", title="The chain rule, one link at a time", folder="warmup",
    exercises=exercises(TITLES, {
        "dL_dyhat": "L = (y − ŷ)², so ∂L/∂ŷ = −2(y − ŷ)",
        "dyhat_dz": "∂ŷ/∂z = 1 (linear), σ(z)(1 − σ(z)) = ŷ(1 − ŷ) (sigmoid)",
        "dz_dw": "z = w·x + b, so ∂z/∂w = x",
        "dz_db": "z = w·x + b, so ∂z/∂b = 1",
        "product": "∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w (and ∂z/∂b for b)",
        "step": "w ← w − lr·∂L/∂w and b ← b − lr·∂L/∂b",
        "by_hand": "∂L/∂w = −2(y − s) · s(1 − s) · x",
    }),
    plan=[((), ("dL_dyhat", "dyhat_dz", "dz_dw", "dz_db", "product", "by_hand")), (("warmup",), ("step",))],
    standins={"warmup": "standin"},
)
