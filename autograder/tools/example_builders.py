"""The builders of `example_mistakes`: per assignment, the probes of its visible checks at the notebook's
public example, each value computed by the assignment's own oracle (sympy) in the grader. See
`example_mistakes` for what the file holds and why it reveals nothing. Adding a builder here (one
function and one line in `BUILDERS`) is all a new assignment needs for its checks to name mistakes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _encode(value):
    """A public input as JSON: arrays and dicts tagged, so the learner's side rebuilds them exactly."""
    if isinstance(value, np.ndarray):
        return {"array": value.astype(np.float64).reshape(-1).tolist(), "shape": list(value.shape)}
    if _is_reference(value):  # the notebook's own variable, or the learner's own function at public inputs
        return {k: (_encode(v) if k == "args" else v) for k, v in value.items()}
    if isinstance(value, dict):
        return {"dict": {k: _encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value


def _plain(value) -> float | list:
    return np.asarray(value, dtype=np.float64).tolist()


def _differs(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape != b.shape or not np.all(np.abs(a - b) <= 1e-9 + 1e-6 * np.abs(b))


def probe(what: str, at: str, right, mistakes: list[tuple[str, str, object]], **how) -> dict:
    """One comparison: `how` is call/args/pick (a function of the notebook) or formula/symbols.
    Mistakes whose value is not finite, or equals the right value here, cannot be told apart here
    and are left out."""
    kept = [{"name": n, "explanation": e, "value": _plain(v)} for n, e, v in mistakes
            if np.all(np.isfinite(np.asarray(v, dtype=np.float64))) and _differs(v, right)]
    how = {k: (_encode(v) if k == "args" else v) for k, v in how.items()}  # symbols: plain lists of numbers
    return {"what": what, "at": at, **how, "right": _plain(right),
            "mistakes": kept}


def _same_as_shown(right, shown, what: str) -> None:
    """The right value written must be the one the notebook already shows (else it would reveal one)."""
    np.testing.assert_allclose(np.asarray(right, dtype=np.float64), np.asarray(shown, dtype=np.float64),
                               rtol=1e-6, atol=1e-9, strict=True, err_msg=f"{what}: the notebook shows another value")


def _warmup_numeric(ns: dict, factor: str, act: str) -> np.ndarray:
    """The finite difference the warm-up's visible check compares a link with (`check_link`)."""
    ex, slope, forward = ns["EX"], ns["slope"], ns["neuron_forward"]
    x, y, w, b = ex["x"], ex["y"], ex["w"], ex["b"]
    y_hat, z = forward(x, w, b, act)
    if factor == "dL_dyhat":
        return slope(lambda t: ns["loss"](y, t), y_hat)
    if factor == "dyhat_dz":
        return slope(lambda t: forward(t, 1.0, 0.0, act)[0], z)
    if factor == "dz_dw":
        return slope(lambda t: forward(x, t, b, "linear")[1], w)
    return slope(lambda t: forward(x, w, t, "linear")[1], b) * np.ones_like(x)


def _warmup(ns: dict) -> dict[str, list[dict]]:
    import sympy as sp

    from autograder.assignments.common.oracle import numpy_modules
    from autograder.assignments.warmup import definition as warmup

    ex = ns["EX"]
    x, y, w, b = (np.asarray(ex[k], dtype=np.float64) for k in ("x", "y", "w", "b"))
    checks: dict[str, list[dict]] = {}
    for factor in warmup.FACTORS:
        probes = []
        for act in ("linear", "sigmoid"):
            right = warmup.evaluate(act, factor, x, y, float(w), float(b))
            _same_as_shown(right, _warmup_numeric(ns, factor, act), f"{act}: {factor}")
            wrong = [(name, expl, warmup.evaluate(act, f"{factor}:{name}", x, y, float(w), float(b)))
                     for name, (expl, _) in warmup.mistake_exprs(act)[factor].items()]
            probes.append(probe(f"your chain_factors(EX['x'], EX['y'], EX['w'], EX['b'], {act!r})[{factor!r}]",
                                f"the example EX ({act} neuron)", right, wrong,
                                call="chain_factors", args=[x, y, float(w), float(b), act], pick=[factor]))
        checks[f"test_{factor}"] = probes
    s_values = 1.0 / (1.0 + np.exp(-(w * x + b)))
    args = (warmup.x, warmup.y, warmup.w, warmup.b)

    def at_example(expr) -> np.ndarray:
        f = sp.lambdify(args, expr, modules=numpy_modules())
        return np.broadcast_to(np.asarray(f(x, y, w, b), dtype=np.float64), x.shape).copy()

    right = at_example(warmup.by_hand_truth())
    _same_as_shown(right, ns["slope"](lambda t: ns["loss"](y, ns["sigmoid"](t * x + b)), w), "dL_dw_by_hand")
    wrong = [(name, expl, at_example(expr)) for name, (expl, expr) in warmup.by_hand_mistakes().items()]
    checks["test_by_hand"] = [probe("your dL_dw_by_hand", "the example EX (s = σ(w·x + b) per sample)", right,
                                    wrong, formula="dL_dw_by_hand",
                                    symbols={"s": s_values.tolist(), "x": x.tolist(), "y": y.tolist()})]
    return checks


def _two_layer(assignment: str) -> Callable[[dict], dict[str, list[dict]]]:
    def build(ns: dict) -> dict[str, list[dict]]:
        from autograder.assignments.common import oracle
        from autograder.assignments.common.mistakes import for_network
        from autograder.assignments.common.network import NETWORKS
        from autograder.assignments.two_layer.recorder import GRADIENT_OF

        net = NETWORKS[assignment]
        x, y, params, lr = ns["X"][0], float(ns["Y"][0]), ns["init_params"](), float(ns["LR"])
        call_args = [y, float(ns["SEED_Y_HAT"]), ns["SEED_CACHE"], params]
        checks = {}
        for exercise, name in GRADIENT_OF.items():
            right = oracle.gradients(net, x, y, params, lr)[name]
            _same_as_shown(right, ns["SEED_GRADS"][name], f"∂L/∂{name}")
            wrong = [(m.name, m.explanation, oracle.gradients(net, x, y, params, lr, m)[name])
                     for m in for_network(net)]
            checks[f"test_{exercise}"] = [probe(
                f"your backward(Y[0], SEED_Y_HAT, SEED_CACHE, init_params())[{name!r}] (∂L/∂{name})",
                "the lecture example (first row, initial weights)", right, wrong,
                call="backward", args=call_args, pick=[name])]
        return checks

    return build


def _xor(ns: dict) -> dict[str, list[dict]]:
    """The hidden and output layers' gradients at the notebook's uneven 5-row batch (CHECK_X, CHECK_Y,
    CHECK_P), with Y_hat and cache from the learner's own forward, as `check_layer` calls them. The right
    value is not printed by the check, but it is what the notebook's own `numerical_gradient` gives from
    a forward that passes `check_forward` (asserted here): one call away for any learner."""
    from autograder.assignments.xor import definition as xor

    X, Y, P = ns["CHECK_X"], ns["CHECK_Y"], ns["CHECK_P"]
    right = xor.gradients(X, Y, P)
    numeric = ns["numerical_gradient"](lambda p: ns["mse"](Y, xor.forward(X, p)[0]), P)
    args = [{"name": "CHECK_Y"}, {"call": "forward", "args": [{"name": "CHECK_X"}, {"name": "CHECK_P"}], "pick": [0]},
            {"call": "forward", "args": [{"name": "CHECK_X"}, {"name": "CHECK_P"}], "pick": [1]}, {"name": "CHECK_P"}]
    wrong = [(name, expl, xor.gradients(X, Y, P, **kw)) for name, expl, kw in xor.mistakes()]
    checks: dict[str, list[dict]] = {}
    for check, names in (("test_output_layer", ("W2", "b2")), ("test_hidden_layer", ("W1", "b1"))):
        checks[check] = []
        for name in names:
            _same_as_shown(right[name], numeric[name], f"∂L/∂{name}")
            checks[check].append(probe(
                f"your backward(CHECK_Y, *forward(CHECK_X, CHECK_P), CHECK_P)[{name!r}] (∂L/∂{name})",
                "the check's uneven 5-row batch (CHECK_X, CHECK_Y, CHECK_P)", right[name],
                [(n, e, g[name]) for n, e, g in wrong], call="backward", args=args, pick=[name]))
    return checks


def _is_reference(value) -> bool:
    return isinstance(value, dict) and ("name" in value or "call" in value)


BUILDERS: dict[str, Callable[[dict], dict[str, list[dict]]]] = {
    "warmup": _warmup,
    "regression": _two_layer("regression"),
    "classification": _two_layer("classification"),
    "xor": _xor,
}
