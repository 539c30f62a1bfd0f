"""Where to look when an exercise lost points: the formula the notebook teaches for it, in one line.
The feedback ends with it, after the failed check and its diagnosis."""

from __future__ import annotations

_TWO_LAYER = {
    "forward": "z1 = x @ W1 + b1, h = act(z1), z2 = h @ W2 + b2, ŷ = act(z2); the cache keeps x, z1, h, z2",
    "output_weights": "∂L/∂W2[j] = ∂L/∂z2 · h[j]",
    "output_bias": "∂L/∂b2 = ∂L/∂z2 · 1",
    "hidden_weights": "∂L/∂W1[i, j] = x[i] · ∂L/∂z1[j], with ∂L/∂z1[j] = ∂L/∂z2 · W2[j] · act'(z1[j])",
    "hidden_biases": "∂L/∂b1[j] = ∂L/∂z1[j] · 1 = ∂L/∂z2 · W2[j] · act'(z1[j])",
    "update": "θ ← θ − lr · ∂L/∂θ for every parameter, into new arrays",
    "train": "per epoch, per row in order: forward, loss before the update, backward, params = update(...); "
             "the epoch loss is the mean of those losses",
}

FORMULAS: dict[str, dict[str, str]] = {
    "warmup": {
        "dL_dyhat": "L = (y − ŷ)², so ∂L/∂ŷ = −2(y − ŷ)",
        "dyhat_dz": "∂ŷ/∂z = 1 (linear), σ(z)(1 − σ(z)) = ŷ(1 − ŷ) (sigmoid)",
        "dz_dw": "z = w·x + b, so ∂z/∂w = x",
        "dz_db": "z = w·x + b, so ∂z/∂b = 1",
        "product": "∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w (and ∂z/∂b for b)",
        "step": "w ← w − lr·∂L/∂w and b ← b − lr·∂L/∂b",
        "by_hand": "∂L/∂w = −2(y − s) · s(1 − s) · x",
    },
    "regression": {**_TWO_LAYER, "output_weights": "∂L/∂W2[j] = −2(y − ŷ) · h[j] (a linear output: ∂ŷ/∂z2 = 1)"},
    "classification": {**_TWO_LAYER, "output_weights": "∂L/∂W2[j] = (ŷ − y) · h[j] (cross-entropy through σ)"},
    "xor": {
        "forward": "Z1 = X @ W1 + b1, H = σ(Z1), Z2 = H @ W2 + b2, Ŷ = σ(Z2), over all rows at once",
        "output_layer": "dZ2 = −2(Y − Ŷ)/n ⊙ Ŷ(1 − Ŷ); ∂L/∂W2 = Hᵀ·dZ2, ∂L/∂b2 = Σ_rows dZ2",
        "hidden_layer": "dZ1 = (dZ2·W2ᵀ) ⊙ H(1 − H); ∂L/∂W1 = Xᵀ·dZ1, ∂L/∂b1 = Σ_rows dZ1",
        "train": "per epoch: forward, loss before the update, backward, every parameter updated from the same grads",
    },
    "layers": {
        "dense": "Z = A_prev·W + b; dA_prev = dZ·Wᵀ, dW = A_prevᵀ·dZ, db = Σ_rows dZ",
        "activations": "dZ = dA ⊙ act'(Z): σ' = A(1 − A), tanh' = 1 − A², ReLU' = [Z > 0]",
        "losses": "MSE: L = Σ(Y − Ŷ)²/n, dŶ = −2(Y − Ŷ)/n; BCE: dŶ = (−Y/Ŷ + (1 − Y)/(1 − Ŷ))/n",
        "model": "backward from layer L down to 1: activation_backward, then dense_backward, grads W_l, b_l",
        "gradient_check": "(f(θ + h) − f(θ − h))/2h per entry, put back; error |a − n| / max(|a| + |n|, 1e-8)",
    },
    "why": {
        "regime": "in order: diverges (not finite, or last > first), oscillates (≥ 10% rises), slow "
                  "(L[max(1, T//10)] > L[0]/2), converges",
        "stopping": "stop after the first epoch e ≥ 2 with |L_e − L_(e−1)| < tol, or a non-finite loss, or max_epochs",
        "gradient_norms": "‖∂L/∂W_l‖ = √(Σ entries²), layer 1 (next to the input) first",
    },
}


def where_to_look(assignment: str, exercise: str) -> str | None:
    return FORMULAS.get(assignment, {}).get(exercise)
