"""grade() on the warm-up, XOR, general-backward and "why" notebooks: the solution gets full
marks, the untouched release 0, and each planted mistake costs its own exercise and is named."""

import pytest

from autograder.grading import grade
from autograder.instruments.samples import Sample, replace

POINTS = {
    "warmup": {"dL_dyhat": 1, "dyhat_dz": 1, "dz_dw": 1, "dz_db": 1, "product": 1, "step": 1, "by_hand": 2},
    "xor": {"forward": 1, "output_layer": 2, "hidden_layer": 2, "train": 2},
    "layers": {"dense": 2, "activations": 2, "losses": 1, "model": 2, "gradient_check": 2},
    "why": {"regime": 2, "stopping": 2, "gradient_norms": 2},
}


def scores(ns, assignment):
    return {ex: grade(assignment, ex, ns, pts) for ex, pts in POINTS[assignment].items()}


def planted(assignment, *edits):
    return Sample("test", "planted", edits={assignment: edits})


@pytest.mark.slow
@pytest.mark.parametrize("assignment", list(POINTS))
def test_solution_gets_full_marks(learner, assignment):
    assert scores(learner(assignment, "ada"), assignment) == {k: float(v) for k, v in POINTS[assignment].items()}


@pytest.mark.parametrize("assignment", list(POINTS))
def test_untouched_release_gets_zero(learner, assignment, capsys):
    assert set(scores(learner(assignment, "ben"), assignment).values()) == {0.0}
    out = capsys.readouterr().out
    assert "NotImplementedError" in out or "no variable dL_dw_by_hand" in out


MISTAKES = [
    # (assignment, edit, the exercises it costs, the name in the feedback)
    ("warmup", replace("chain_factors", "dL_dyhat = -2.0 * (y - y_hat)", "dL_dyhat = -(y - y_hat)"),
     {"dL_dyhat"}, "missing ×2"),
    ("warmup", replace("chain_factors", "dL_dyhat = -2.0 * (y - y_hat)", "dL_dyhat = 2.0 * (y - y_hat)"),
     {"dL_dyhat"}, "sign flip"),
    ("warmup", replace("chain_factors", "y_hat * (1.0 - y_hat)", "z * (1.0 - z)"), {"dyhat_dz"},
     "sigmoid derivative at z"),
    ("warmup", replace("chain_factors", "dz_dw = np.asarray(x, dtype=np.float64).copy()", "dz_dw = w * np.ones_like(x)"),
     {"dz_dw"}, "w instead of x"),
    ("warmup", replace("chain_product", '"b": dL_dz * factors["dz_db"]', '"b": dL_dz * factors["dz_dw"]'),
     {"product"}, "∂z/∂w used for the bias"),
    ("warmup", replace("step", "- lr * grads", "+ lr * grads"), {"step"}, "gradient ascent"),
    ("warmup", replace("by_hand", "-2 * (y - s) * s * (1 - s) * x", "-2 * (y - s) * x"), {"by_hand"},
     "sigmoid slope left out"),
    ("xor", replace("backward", "dY_hat = -2.0 * (Y - Y_hat) / n", "dY_hat = -2.0 * (Y - Y_hat)"),
     {"output_layer", "hidden_layer"}, "summed over the batch"),
    ("xor", replace("backward", "dY_hat = -2.0 * (Y - Y_hat) / n", "dY_hat = -(Y - Y_hat) / n"),
     {"output_layer", "hidden_layer"}, "missing factor 2"),
    ("xor", replace("backward", 'dH = dZ2 @ params["W2"].T', 'dH = dZ2 @ (params["W2"] - 0.1 * dW2).T'),
     {"hidden_layer"}, "stale W2"),
    ("xor", replace("backward", 'dZ2 = dY_hat * Y_hat * (1.0 - Y_hat)', 'dZ2 = dY_hat * cache["Z2"] * (1.0 - cache["Z2"])'),
     {"output_layer", "hidden_layer"}, "sigmoid derivative at z (output)"),
    ("xor", replace("train", "losses[epoch] = mse(Y, Y_hat)\n        grads = backward(Y, Y_hat, cache, params)\n"
                    "        params = {name: params[name] - lr * grads[name] for name in params}",
                    "grads = backward(Y, Y_hat, cache, params)\n"
                    "        params = {name: params[name] - lr * grads[name] for name in params}\n"
                    "        losses[epoch] = mse(Y, forward(X, params)[0])"),
     {"train"}, "loss measured after the update"),
    ("layers", replace("activations", '"sigmoid": lambda: A * (1.0 - A)', '"sigmoid": lambda: Z * (1.0 - Z)'),
     {"activations"}, "activation derivative at z"),
    ("layers", replace("losses", "-2.0 * (Y - Y_hat) / n", "-(Y - Y_hat) / n"), {"losses"}, "missing ×2"),
    ("layers", replace("losses", "(-Y / Y_hat + (1.0 - Y) / (1.0 - Y_hat)) / n", "(-Y / Y_hat + (1.0 - Y) / (1.0 - Y_hat))"),
     {"losses"}, "summed over the batch"),
    ("why", replace("layer_gradient_norms", "np.linalg.norm(grads[f\"W{l}\"])", "np.sum(grads[f\"W{l}\"] ** 2)"),
     {"gradient_norms"}, "squared norms"),
]


@pytest.mark.slow
@pytest.mark.parametrize("assignment,edit,costs,name", MISTAKES, ids=[f"{m[0]}: {m[3]}" for m in MISTAKES])
def test_a_planted_mistake_costs_its_exercise_and_is_named(learner, capsys, assignment, edit, costs, name):
    got = scores(learner(assignment, planted(assignment, edit)), assignment)
    full = POINTS[assignment]
    assert {ex for ex, score in got.items() if score < full[ex]} == costs, got
    assert f"This matches a known mistake: {name}." in capsys.readouterr().out


def test_dense_layer_shape_mistakes_get_a_shape_reason(learner, capsys):
    ns = learner("layers", planted("layers", replace("dense", "dZ.sum(axis=0)", "dZ.sum(axis=0, keepdims=True)"),
                                   replace("dense", "A_prev.T @ dZ", "(dZ.T @ A_prev)")))
    assert grade("layers", "dense", ns, 2) == 1.0  # Z and dA_prev right; dW transposed, db with a stray axis
    out = capsys.readouterr().out
    assert "Its axes are swapped" in out and "on an extra or a missing axis" in out


def test_a_one_sided_difference_fails_the_gradient_checker(learner, capsys):
    one_sided = "value[idx] = old\n            minus = f(params)"
    ns = learner("layers", planted("layers", replace(
        "gradient_check", "value[idx] = old - h\n            minus = f(params)", one_sided),
        replace("gradient_check", "grad[idx] = (plus - minus) / (2 * h)", "grad[idx] = (plus - minus) / h")))
    assert grade("layers", "gradient_check", ns, 2) < 2
    assert "use centred differences" in capsys.readouterr().out


def test_a_composition_mistake_in_the_model_is_caught(learner, capsys):
    ns = learner("layers", planted("layers", replace("model", "dA, grads[f\"W{layer}\"], grads[f\"b{layer}\"] = "
                                                     "dense_backward(dZ, dense_cache)",
                                                     "_, grads[f\"W{layer}\"], grads[f\"b{layer}\"] = "
                                                     "dense_backward(dZ, dense_cache)")))
    assert grade("layers", "model", ns, 2) == round(2 / 3, 4)  # forward right; the backward pass raises
    assert "Your model_backward() raised ValueError: operands could not be broadcast" in capsys.readouterr().out


def test_the_why_boundaries_catch_a_near_miss_reading(learner, capsys):
    ns = learner("why", planted("why", replace("lr_regime", ">= 0.1 * (len(L) - 1)", "> 0.1 * (len(L) - 1)")))
    assert grade("why", "regime", ns, 2) == 1.0
    out = capsys.readouterr().out
    assert "'exactly 10% rises'" in out and "This matches a known mistake: more than 10% (not at least)." in out


def test_stopping_one_epoch_late_is_explained(learner, capsys):
    ns = learner("why", planted("why", replace("train_until", "if not np.isfinite(loss) or (epoch >= 2 and",
                                               "if not np.isfinite(loss) or (epoch >= 3 and len(losses) > 2 and "
                                               "abs(losses[-2] - losses[-3]) < tol and")))
    assert grade("why", "stopping", ns, 2) == 0.0
    assert "You ran one epoch more than the rule" in capsys.readouterr().out


@pytest.mark.parametrize("answer,reason", [
    ("__import__('os').mkdir('pwned')", "it uses '__import__'"),
    ("exp(-w*x - b)", "it uses 'exp'"),
    ("x" * 500, "too long"),
    ("s[0]", "it contains '['"),
])
def test_a_hostile_formula_is_refused_without_running(learner, capsys, monkeypatch, tmp_path, answer, reason):
    ns = learner("warmup", "ada")
    ns["dL_dw_by_hand"] = answer
    monkeypatch.chdir(tmp_path)
    assert grade("warmup", "by_hand", ns, 2) == 0.0
    assert reason in capsys.readouterr().out and not (tmp_path / "pwned").exists()


def test_a_formula_from_sympy_diff_is_refused(learner, capsys):
    """Letting sympy differentiate gives an answer in w, b and exp: the exercise asks for s, x, y."""
    ns = learner("warmup", "ada")
    import sympy as sp

    w, b, x, y = sp.symbols("w b x y")
    ns["dL_dw_by_hand"] = sp.diff((y - 1 / (1 + sp.exp(-(w * x + b)))) ** 2, w)
    assert grade("warmup", "by_hand", ns, 2) == 0.0
    assert "write it with s, x, y only" in capsys.readouterr().out


def test_an_equivalent_expanded_formula_gets_full_marks(learner):
    ns = learner("warmup", "ada")
    ns["dL_dw_by_hand"] = "-2*x*s*y + 2*x*s**2 + 2*x*s**2*y - 2*x*s**3"
    assert grade("warmup", "by_hand", ns, 2) == 2.0


@pytest.mark.slow
def test_xor_endless_loop_costs_only_that_exercise(learner, capsys):
    ns = learner("xor", planted("xor", replace("forward", "Z1 = X @", "while True:\n        pass\n    Z1 = X @")))
    got = scores(ns, "xor")
    assert got["forward"] == 0.0 and got["output_layer"] == 2.0 and got["train"] == 2.0
    assert "did not return within 5 s" in capsys.readouterr().out
