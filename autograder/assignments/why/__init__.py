"""Assignment 5, "the why": learning-rate regimes, a stopping rule, vanishing gradients."""

from autograder.assignments.declaration import Assignment, exercises
from autograder.assignments.why.recorder import TITLES

WHY = Assignment(
    name="why", title="Why it works, and when it does not", folder="why",
    exercises=exercises(TITLES, {
        "regime": "in order: diverges (not finite, or last > first), oscillates (≥ 10% rises), slow "
                  "(L[max(1, T//10)] > L[0]/2), converges",
        "stopping": "stop after the first epoch e ≥ 2 with |L_e − L_(e−1)| < tol, or a non-finite loss, or max_epochs",
        "gradient_norms": "‖∂L/∂W_l‖ = √(Σ entries²), layer 1 (next to the input) first",
    }),
    plan=[(("why",), ("regime", "stopping", "gradient_norms"))],
    standins={"why": "standin"},
)
