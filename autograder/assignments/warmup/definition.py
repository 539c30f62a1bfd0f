"""Assignment 0, the chain-rule warm-up: one neuron, defined once in sympy.

    z = w·x + b      ŷ = act(z)      L = (y − ŷ)²        act ∈ {linear, sigmoid}

∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w is graded factor by factor, so feedback can say which link of
the chain is wrong. Every expected value, and every wrong variant a mistake produces, is
derived here by sympy from `neuron_loss`; none is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp

from autograder.assignments.common import activations, safe_formula
from autograder.assignments.common.activations import at_prediction, squared_error
from autograder.assignments.common.oracle import numpy_modules
from autograder.assignments.layers import definition as layers
from autograder.assignments.warmup.recorder import FACTOR_TEXT, FACTORS, SEED_CASE, TITLES, factor_cases  # noqa: F401
from autograder.engine import judge

w, b, x, y, z, y_hat, s, lr = sp.symbols("w b x y z y_hat s lr", real=True)
ACTIVATIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {k: activations.ACTIVATIONS[k] for k in ("linear", "sigmoid")}


def pre_activation() -> sp.Expr:
    return w * x + b


def neuron_loss(activation: str) -> sp.Expr:
    """L(w, b; x, y): the single definition the whole assignment derives from."""
    return squared_error(y, ACTIVATIONS[activation](pre_activation()))


def factor_exprs(activation: str) -> dict[str, sp.Expr]:
    """Each local derivative of the chain, as a function of x, y, w, b."""
    act, zx = ACTIVATIONS[activation], pre_activation()
    return {
        "dL_dyhat": at_prediction(sp.diff(squared_error(y, y_hat), y_hat), y, y_hat, act(zx)),
        "dyhat_dz": sp.diff(act(z), z).subs(z, zx),
        "dz_dw": sp.diff(zx, w),
        "dz_db": sp.diff(zx, b),
    }


def mistake_exprs(activation: str) -> dict[str, dict[str, tuple[str, sp.Expr]]]:
    """Per factor: mistake name -> (explanation, wrong expression), each derived from the definition."""
    act, zx = ACTIVATIONS[activation], pre_activation()
    right = factor_exprs(activation)
    half = at_prediction(sp.diff(squared_error(y, y_hat) / 2, y_hat), y, y_hat, act(zx))
    out: dict[str, dict[str, tuple[str, sp.Expr]]] = {
        "dL_dyhat": {
            "missing ×2": ("The square brings down a factor 2: d/dŷ (y − ŷ)² = −2(y − ŷ).", half),
            "sign flip": ("The inner −ŷ gives a minus sign: d/dŷ (y − ŷ)² = −2(y − ŷ), not 2(y − ŷ).",
                          -right["dL_dyhat"]),
            "missing ×2 and sign flip": ("d/dŷ (y − ŷ)² = −2(y − ŷ): both the 2 and the sign are missing.", -half),
            "the loss instead of its derivative": (
                "This is the loss (y − ŷ)² itself; ∂L/∂ŷ is its derivative, −2(y − ŷ).", neuron_loss(activation)),
        },
        "dyhat_dz": {},
        "dz_dw": {
            "w instead of x": ("z = w·x + b changes by x for each unit of w: ∂z/∂w = x.", w + 0 * x),
            "1 instead of x": ("∂z/∂w = 1 is the bias's link; z = w·x + b changes by x for each unit of w: ∂z/∂w = x.",
                               sp.Integer(1) + 0 * x),
        },
        "dz_db": {
            "bias slope zero": ("z = w·x + b changes by 1 for each unit of b: ∂z/∂b = 1.", sp.Integer(0) * x),
            "x instead of 1": ("The bias is not multiplied by x: ∂z/∂b = 1.", x),
        },
    }
    if activation == "sigmoid":  # the linear neuron's slope is a constant 1: these show in the sigmoid branch
        out["dyhat_dz"]["activation instead of its derivative"] = (
            "∂ŷ/∂z is the slope of the activation, σ(z)(1 − σ(z)), not its value σ(z).", act(zx))
        out["dyhat_dz"]["tanh's slope for a sigmoid"] = (
            "1 − a² is the slope of tanh; the sigmoid's is a(1 − a).", 1 - act(zx) ** 2)
        out["dyhat_dz"]["sigmoid slope left out"] = ("ŷ = σ(z) is not linear: ∂ŷ/∂z = σ(z)(1 − σ(z)), not 1.",
                                                     sp.Integer(1) + 0 * x)
        out["dyhat_dz"]["sigmoid derivative at z"] = (
            "σ'(z) = σ(z)(1 − σ(z)) uses the output a = σ(z); z(1 − z) plugs in the input instead.",
            layers.output_form("sigmoid").subs(layers.a, zx),  # σ' as a(1 − a), with z put in for a
        )
    return out


@cache
def _compiled(activation: str) -> dict[str, Callable]:
    args = (x, y, w, b)
    exprs = dict(factor_exprs(activation))
    exprs["loss"] = neuron_loss(activation)
    exprs["dL_dw"] = sp.diff(neuron_loss(activation), w)
    exprs["dL_db"] = sp.diff(neuron_loss(activation), b)
    for factor, wrong in mistake_exprs(activation).items():
        for name, (_, expr) in wrong.items():
            exprs[f"{factor}:{name}"] = expr
    return {k: sp.lambdify(args, e, modules=numpy_modules()) for k, e in exprs.items()}


def evaluate(activation: str, what: str, xs, ys, w_value: float, b_value: float) -> np.ndarray:
    """A compiled expression (a factor, "loss", "dL_dw", "dL_db", or "factor:mistake") at
    float64 samples xs, ys (same shape); returns an array of that shape."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    value = _compiled(activation)[what](xs, ys, np.float64(w_value), np.float64(b_value))
    return np.broadcast_to(np.asarray(value, dtype=np.float64), xs.shape).copy()


def reference_step(xv: float, yv: float, wv: float, bv: float, lrv: float, activation: str) -> tuple[float, float]:
    """One gradient-descent step on one sample: (w − lr·∂L/∂w, b − lr·∂L/∂b)."""
    gw = float(evaluate(activation, "dL_dw", xv, yv, wv, bv))
    gb = float(evaluate(activation, "dL_db", xv, yv, wv, bv))
    return wv - lrv * gw, bv - lrv * gb


# --- the answer written as a sympy expression ------------------------------------------------


def by_hand_truth() -> sp.Expr:
    """∂L/∂w of the sigmoid neuron, by sympy, from the definition."""
    return sp.diff(neuron_loss("sigmoid"), w)


def by_hand_mistakes() -> dict[str, tuple[str, sp.Expr]]:
    """Wrong answers of the by-hand exercise: the chain with one link replaced by a known mistake."""
    right = factor_exprs("sigmoid")
    out = {}
    for factor, wrong in mistake_exprs("sigmoid").items():
        if factor == "dz_db":
            continue
        for name, (explanation, expr) in wrong.items():
            links = [expr if f == factor else right[f] for f in ("dL_dyhat", "dyhat_dz", "dz_dw")]
            out[name] = (explanation, sp.Mul(*links))
    return out


# Each link of ∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w, in s = σ(w·x + b), and what learners write in its place.
_BY_HAND_CHAIN = {"∂L/∂ŷ": -2 * (y - s), "∂ŷ/∂z": s * (1 - s), "∂z/∂w": x}
_BY_HAND_ALTERNATIVES = {
    "∂L/∂ŷ": (("∂L/∂ŷ without the 2", "left out the 2 that the square brings down: ∂L/∂ŷ = −2(y − s)", -(y - s)),
              ("∂L/∂ŷ sign", "wrote ∂L/∂ŷ with the wrong sign: it is −2(y − s)", 2 * (y - s)),
              ("the loss for ∂L/∂ŷ", "used the loss (y − s)² itself where its derivative −2(y − s) belongs",
               (y - s) ** 2)),
    "∂ŷ/∂z": (("σ' as (1 − s)", "wrote σ' as (1 − s): the factor s of s(1 − s) is missing", 1 - s),
              ("σ' as s", "wrote σ' as s, the sigmoid itself: the factor (1 − s) of s(1 − s) is missing", s),
              ("tanh's slope for σ'", "used 1 − s², the slope of tanh, where the sigmoid's s(1 − s) belongs", 1 - s ** 2),
              ("σ' as s(1 + s)", "wrote σ' as s(1 + s): it is s(1 − s)", s * (1 + s)),
              ("σ' left out", "left the link σ' = s(1 − s) out", sp.Integer(1))),
    "∂z/∂w": (("x left out", "left the link ∂z/∂w = x out (1 is the bias's link, not the weight's)", sp.Integer(1)),),
}


def by_hand_search(answer: sp.Expr) -> tuple[str, str] | None:
    """The chain with one link, or two, replaced by what learners write there (`_BY_HAND_ALTERNATIVES`), when
    exactly equal to the answer (sympy, in s, x, y): (diagnosis, sentence) saying only what every such chain
    shares. A quick numeric look at random points first, so sympy only confirms."""
    from autograder.assignments.common import mutations

    rng = np.random.default_rng(0)
    points = [(float(rng.uniform(0.05, 0.95)), float(rng.uniform(-3, 3)), float(rng.uniform(-1, 2))) for _ in range(4)]
    f = sp.lambdify((s, x, y), answer, modules="numpy")
    try:
        with np.errstate(all="ignore"):
            got = np.array([complex(f(*pt)) for pt in points])
    except Exception:  # an answer that cannot be evaluated matches nothing
        return None
    singles = [(link, alt) for link, alts in _BY_HAND_ALTERNATIVES.items() for alt in alts]
    candidates = [[single] for single in singles]
    candidates += [[a, b] for i, a in enumerate(singles) for b in singles[i + 1:] if a[0] != b[0]]
    found: list[tuple] = []
    for chosen in candidates:
        if found and len(chosen) > len(found[0]):
            break  # the simplest programs only
        links = dict(_BY_HAND_CHAIN)
        links.update({link: alt[2] for link, alt in chosen})
        expr = sp.Mul(*links.values())
        g = sp.lambdify((s, x, y), expr, modules="numpy")
        want = np.array([complex(g(*pt)) for pt in points])
        if np.allclose(got, want, rtol=1e-9, atol=1e-12) and sp.cancel(sp.together(answer - expr)) == 0:
            found.append(tuple(mutations.Change(link, alt[0], alt[1]) for link, alt in chosen))
    return mutations.explain("dL_dw_by_hand", mutations.Found(tuple(found)))


BY_HAND_LINKS = {"∂z/∂w = x": x, "∂ŷ/∂z = s(1 − s)": s * (1 - s), "∂L/∂ŷ = −2(y − s)": -2 * (y - s)}


def by_hand_relation(answer: sp.Expr) -> tuple[str, str] | None:
    """How a wrong formula relates to ∂L/∂w (a sign, a factor, a link of BY_HAND_LINKS missing or
    extra), decided by sympy with s written as σ(w·x + b)."""
    def plain(e):
        return substitute_sigma(sp.sympify(e)).rewrite(sp.exp)

    links = {name: plain(link) for name, link in BY_HAND_LINKS.items()}
    return judge.formula_relation(plain(answer), by_hand_truth().rewrite(sp.exp), links)


ALLOWED_NAMES = {"s", "x", "y"}  # w and b only through s: a derivative sympy did is in exp(−w·x − b)


def parse_answer(text: str) -> sp.Expr:
    """A learner's formula as sympy, without evaluating anything but arithmetic on known names.

    Raises ValueError with a reason for anything else (unknown names, attributes, calls)."""
    try:  # built from its syntax tree, never evaluated (`safe_formula.py`)
        return safe_formula.parse(text, {"s": s, "x": x, "y": y}, rational=True, functions={})
    except safe_formula.FormulaError as exc:
        if "uses" in str(exc):
            raise ValueError(f"{exc} (write it with s, x, y only: s = σ(w·x + b))") from None
        raise ValueError(str(exc)) from None


def substitute_sigma(expr: sp.Expr) -> sp.Expr:
    return expr.subs(s, ACTIVATIONS["sigmoid"](pre_activation()))


def equivalent(answer: sp.Expr, truth: sp.Expr) -> bool:
    """Symbolic equivalence, after writing s as σ(w·x + b)."""
    difference = (substitute_sigma(answer) - truth).rewrite(sp.exp)
    t = sp.Symbol("t", positive=True)  # e^(−z) as a symbol makes it a rational function, which cancel() decides
    rational = difference.subs(sp.exp(-pre_activation()), t)
    if not rational.has(sp.exp):
        return sp.cancel(sp.together(rational)) == 0
    return sp.simplify(difference) == 0


# --- what the notebook's graded cells call ---------------------------------------------------


def _reference_factors(x_in, y_in, w_in, b_in, activation):
    return {f: evaluate(activation, f, x_in, y_in, w_in, b_in) for f in FACTORS}


def _reference_product(factors):
    return {"w": factors["dL_dyhat"] * factors["dyhat_dz"] * factors["dz_dw"],
            "b": factors["dL_dyhat"] * factors["dyhat_dz"] * factors["dz_db"]}
