"""Compare recorded learner values with the oracle, and explain what is wrong.

Every failure is an AssertionError whose message is the feedback a learner reads: which
value, at which input, expected vs got, and, where the value matches a known wrong
variant, the name of the mistake.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

RTOL, ATOL = 1e-7, 1e-10


class Wrong(AssertionError):
    """A failed check. The message is the feedback; `diagnosis` names what broke, when the judge
    can say it for certain (a known mistake, or a relation that holds at every point checked);
    `evidence` is for the instructors' report only, never shown to the learner (e.g. whose numbers
    a quiz answer belongs to)."""

    def __init__(self, message: str, diagnosis: str | None = None, evidence: str | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis
        self.evidence = evidence


def known_mistake(message: str, name: str, explanation: str) -> Wrong:
    return Wrong(f"{message}\nThis matches a known mistake: {name}. {explanation}", name)


def fmt(value) -> str:
    """A value on one line, 6 significant digits: [[1.5, -0.25], [3, 4]]."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    return "[" + ", ".join(fmt(v) for v in arr) + "]"


def cases(probe: dict) -> list[dict]:
    """The recorded calls of a probe, or an AssertionError saying what the notebook lacks."""
    if "missing" in probe:
        raise AssertionError(probe["missing"][0].upper() + probe["missing"][1:] + ".")
    return probe["cases"]


def returned(case: dict, function: str) -> dict:
    """The encoded return value of a call, or an AssertionError saying why there is none."""
    if "error" in case:
        raise AssertionError(f"Your {function}() {case['error']}.")
    return case["ok"]


def values(enc: dict, function: str, names: str, n: int = 2) -> list[dict]:
    """The items of a returned tuple of n values, such as (y_hat, cache), or a clear reason."""
    if enc["kind"] not in ("tuple", "list") or len(enc["items"]) != n:
        count = {2: "two", 3: "three"}.get(n, str(n))
        raise AssertionError(f"{function}() must return {count} values, {names}; got {describe(enc)}.")
    return enc["items"]


def losses(enc: dict, what: str, length: int) -> np.ndarray:
    """A float64 array of `length` losses; a plain list of floats is a fair way to collect them too."""
    if enc["kind"] in ("list", "tuple") and "length" in enc:
        raise AssertionError(f"{what}: a {enc['kind']} of {enc['length']} entries is more than the grader records; "
                             f"expected {length}.")
    if enc["kind"] == "list" and all(i["kind"] == "scalar" for i in enc["items"]):
        enc = {"kind": "ndarray", "dtype": "float64", "shape": [len(enc["items"])],
               "data": [i["value"] for i in enc["items"]]}
    return as_array(enc, what, (length,))


def field(enc: dict, key: str, what: str) -> dict:
    """One entry of a returned dict (gradients, parameters, cache)."""
    if enc["kind"] != "dict":
        raise AssertionError(f"{what} must be a dict, got {describe(enc)}.")
    if key not in enc["items"]:
        keys = ", ".join(sorted(enc["items"])) or "none"
        raise AssertionError(f"{what} has no entry {key!r} (it has: {keys}).")
    return enc["items"][key]


def as_array(enc: dict, what: str, shape: tuple[int, ...]) -> np.ndarray:
    """A float64 array of exactly `shape` (a real scalar when shape is ()), or a clear reason."""
    if shape == ():
        if enc["kind"] == "scalar":
            return np.float64(float(enc["value"]))
        if enc["kind"] == "ndarray" and enc["shape"] == [] and enc["dtype"] == "float64":
            return np.float64(float(enc["data"][0]))
        raise AssertionError(f"{what} must be a single number (a float), got {describe(enc)}.")
    if enc["kind"] in ("list", "tuple"):
        raise AssertionError(
            f"{what} is a Python {enc['kind']}; return a numpy array of shape {shape} (np.array(...))."
        )
    if enc["kind"] != "ndarray":
        raise AssertionError(f"{what} must be a numpy array of shape {shape}, got {describe(enc)}.")
    if tuple(enc["shape"]) != shape:
        message = f"{what} has shape {tuple(enc['shape'])}; it must have shape {shape}."
        if sorted(enc["shape"]) == sorted(shape) and len(shape) == 2:
            raise Wrong(message + " Its axes are swapped: a transposed product (Aᵀ·B where A·Bᵀ belongs), or "
                        "the factors of a matrix product in the wrong order.", "transposed")
        if int(np.prod(enc["shape"])) == int(np.prod(shape)):
            raise Wrong(message + " It has the right number of entries on an extra or a missing axis: a sum "
                        "without keepdims, a reshape, or a column where a row belongs.", "extra or missing axis")
        raise AssertionError(message)
    if enc["dtype"] != "float64":
        raise AssertionError(f"{what} has dtype {enc['dtype']}; the course works in float64 throughout.")
    return np.array([float(v) for v in enc["data"]], dtype=np.float64).reshape(shape)


def describe(enc: dict) -> str:
    kind = enc["kind"]
    if kind == "none":
        return "None (did you forget a return statement?)"
    if kind == "ndarray":
        return f"a numpy array of shape {tuple(enc['shape'])} and dtype {enc['dtype']}"
    if kind == "scalar":
        return f"the number {enc['value']}"
    if kind == "str":
        return f"the string {enc['value']!r}"
    if kind in ("list", "tuple", "dict"):
        return f"a {kind}"
    return f"a value of type {enc['type']}"


def close(actual, desired) -> bool:
    """np.testing.assert_allclose(strict=True) agrees, and so does a plain-Python recount.

    The second opinion matters in the learner's process: a notebook that silenced
    numpy.testing (to quiet its own visible checks) must not silence the grader too."""
    try:
        np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=ATOL, strict=True)
    except AssertionError:
        return False
    return _plain_close(actual, desired)


def _plain_close(actual, desired) -> bool:
    a, d = np.asarray(actual, dtype=np.float64), np.asarray(desired, dtype=np.float64)
    if a.shape != d.shape:
        return False
    for x, y in zip(a.reshape(-1).tolist(), d.reshape(-1).tolist(), strict=False):
        if math.isnan(x) or math.isnan(y):
            if not (math.isnan(x) and math.isnan(y)):
                return False
        elif math.isinf(x) or math.isinf(y):
            if x != y:
                return False
        elif not abs(x - y) <= ATOL + RTOL * abs(y):
            return False
    return True


def _all_close(actual: Sequence, desired: Sequence) -> bool:
    return all(close(a, d) for a, d in zip(actual, desired, strict=True))


@dataclasses.dataclass
class Chain:
    """What a wrong value can be related to, per case (each array broadcastable to the value).

    factors: the links of the value's chain-rule product ("x[i] (∂z1[j]/∂W1[i, j])" → x[:, None]);
    reachable: quantities at hand that a learner may have multiplied in or used instead of a link
    (cache entries, parameters); others: values it may have been confused with whole (another
    parameter's gradient); batch: each case's batch size (a sum where the mean belongs)."""

    factors: dict[str, Sequence] = dataclasses.field(default_factory=dict)
    reachable: dict[str, Sequence] = dataclasses.field(default_factory=dict)
    others: dict[str, Sequence] = dataclasses.field(default_factory=dict)
    batch: Sequence[int] = ()


def check_values(
    label: str,
    actual: Sequence[np.ndarray],
    expected: Sequence[np.ndarray],
    where: Sequence[str],
    variants: Iterable[tuple[str, str, Callable[[], Sequence[np.ndarray]]]] = (),
    seed_first: bool = True,
    chain: Chain | Callable[[], Chain] | None = None,
    search: Callable[[], tuple[str, str] | None] | None = None,
) -> None:
    """Assert actual[k] ≈ expected[k] for every case k; otherwise raise `Wrong` with a diagnosis.

    First the known mistakes: `variants` yields (name, explanation, values_fn), and the first whose
    values match the learner's at every case is named. Then the structure (`relation`): a relation
    between the learner's values and the right ones that holds at every case. Nothing is said
    that does not hold at every point checked. `chain` may be a function giving it: it is then worked
    out only for a wrong value. `search` (worked out only for a wrong value, after the known mistakes)
    gives (diagnosis, sentence) when generated wrong programs reproduce the value (`mutations.py`)."""
    bad = [k for k, (a, e) in enumerate(zip(actual, expected, strict=True)) if not close(a, e)]
    if not bad:
        return
    k = bad[0]
    message = "\n".join([
        f"{label} is wrong at {where[k]}:",
        f"    expected {fmt(expected[k])}",
        f"    got      {fmt(actual[k])}",
    ])
    for name, explanation, values_fn in variants:
        try:
            with np.errstate(all="ignore"):  # a wrong variant may well diverge
                values = values_fn()
        except Exception:  # a variant that cannot be evaluated here is not a match
            continue
        if not _all_close(values, expected) and _all_close(actual, values):
            raise known_mistake(message, name, explanation)
    try:  # a search that cannot work on these values names nothing (never a grader failure for the learner)
        with np.errstate(all="ignore"):
            generated = search() if search is not None else None
    except Exception:
        generated = None
    if generated is not None:
        raise Wrong(f"{message}\n{generated[1]}", generated[0])
    found = relation(label, actual, expected, (chain() if callable(chain) else chain) or Chain())
    if found is not None:
        name, sentence = found
        raise Wrong(f"{message}\n{sentence}", name)
    if seed_first and len(bad) < len(actual) and 0 not in bad:
        raise Wrong(message + "\nYour values are right at the seed example (all weights 0.1, x1 = x2) but not at "
                    "other points, where the inputs differ from each other and the weights are uneven; no single "
                    "change of the chain explains them.", "right only at the seed example")
    if _ratio_per_case(actual, expected) is not None:
        message += (f"\n{your(label)} is the right value times a factor that changes from one point to the next "
                    "(not a constant); no change of one or two links of the chain reproduces it.")
    raise Wrong(message)


def your(label: str) -> str:
    """'Your ∂L/∂W1', 'Your final b2': a label that starts with an article loses it (never 'Your the …')."""
    for article in ("the ", "The "):
        if label.startswith(article):
            return "Your " + label[len(article):]
    return "Your " + label


def relation(label: str, actual: Sequence, expected: Sequence, chain: Chain) -> tuple[str, str] | None:
    """(name, sentence) of the first relation that holds between the learner's values and the
    right ones at every case, or None. Relations that the right values satisfy too are skipped."""

    def holds(predicted) -> bool:
        try:
            with np.errstate(all="ignore"):
                values = [np.asarray(p, dtype=np.float64) for p in predicted]
        except (TypeError, ValueError):
            return False
        return (all(v.shape == np.shape(e) for v, e in zip(values, expected, strict=True))
                and not _all_close(values, expected) and _all_close(actual, values))

    def scaled(g, inverse=False):
        return [np.asarray(e) / np.asarray(f) if inverse else np.asarray(e) * np.asarray(f)
                for e, f in zip(expected, g, strict=True)]

    def nonzero(g) -> bool:
        return all(np.all(np.abs(np.asarray(f, dtype=np.float64)) > 1e-9) for f in g)

    if holds([-np.asarray(e) for e in expected]):
        return "sign flip", (f"{your(label)} is the right value with the opposite sign at every point: a (y − ŷ) "
                             "where (ŷ − y) belongs, or a + where the step needs a −.")
    ratio = _constant_ratio(actual, expected)
    if ratio is not None:
        hint = {2.0: " (a factor 2 counted twice)", 0.5: " (the 2 that the square brings down is missing)",
                -2.0: " (the sign, and a factor 2)", -0.5: " (the sign, and the 2 of the square)"}.get(
            round(ratio, 9), "")
        return f"off by a factor {ratio:.4g}", (f"{your(label)} is the right value times {ratio:.6g} at every point "
                                                f"checked{hint}: a constant is off somewhere in the chain.")
    if chain.batch:
        n = [float(b) for b in chain.batch]
        if holds([np.asarray(e) * b for e, b in zip(expected, n, strict=True)]):
            return "summed over the batch", (f"{your(label)} is the right value times the batch size n at every "
                                             "point: it sums over the samples where the loss takes their mean (1/n).")
        if holds([np.asarray(e) / b for e, b in zip(expected, n, strict=True)]):
            return "divided by n twice", (f"{your(label)} is the right value divided by the batch size n: the 1/n "
                                          "of the mean is already in ∂L/∂Ŷ; dividing again (or a mean where "
                                          "the chain sums over the rows) counts it twice.")
    if all(np.ndim(e) == 2 and np.shape(e)[0] == np.shape(e)[1] for e in expected) and holds(
            [np.asarray(e).T for e in expected]):
        return "transposed", (f"{your(label)} is the right matrix transposed: entry [i, j] must pair input i "
                              "with unit j (a swapped index, or an outer product in the wrong order).")
    for name, values in chain.others.items():
        if holds(values):
            return f"equals {name}", f"{your(label)} equals {name} at every point checked."
    for name, f in chain.factors.items():
        if nonzero(f) and holds(scaled(f, inverse=True)):
            return f"missing link {name}", (f"{your(label)} lacks the link {name}: the chain rule multiplies every "
                                            "link on the path from the loss to this parameter.")
    for name, f in chain.factors.items():
        if not nonzero(f):
            continue
        for other, g in chain.reachable.items():
            if holds(scaled([np.asarray(gk) / np.asarray(fk) for fk, gk in zip(f, g, strict=True)])):
                return f"{other} in place of {name}", (f"{your(label)} uses {other} where the chain has {name}; "
                                                       "everything else in it is right.")
    for name, g in {**chain.reachable, **chain.factors}.items():
        if holds(scaled(g)):
            return f"extra factor {name}", (f"{your(label)} is the right value multiplied by {name}: a factor "
                                            "that is not a link of this parameter's path.")
    return None


def _ratio_per_case(actual, expected) -> list[float] | None:
    """A ratio constant within each case but differing between cases, or None."""
    ratios = []
    for a, e in zip(actual, expected, strict=True):
        r = _constant_ratio([a], [e])
        if r is None:
            return None
        ratios.append(r)
    return ratios if len(ratios) > 1 else None


def _constant_ratio(actual, expected) -> float | None:
    a = np.concatenate([np.ravel(v) for v in actual]).astype(np.float64)
    e = np.concatenate([np.ravel(v) for v in expected]).astype(np.float64)
    mask = np.abs(e) > 1e-9
    if not mask.any() or not np.all(np.isfinite(a)):
        return None
    r = a[mask] / e[mask]
    constant = np.max(np.abs(r - r[0])) <= 1e-6 * abs(r[0])
    if constant and close(a[~mask], e[~mask] * r[0]) and abs(r[0] - 1) > 1e-6:
        return float(r[0])
    return None


def number_relation(value: float, expected: float) -> tuple[str, str] | None:
    """A typed number's relation to the right one, when it is a sign, a factor 2, a power of ten or
    a reciprocal; None otherwise."""
    if expected == 0 or value == 0 or not math.isfinite(value):
        return None

    def near(a: float, b: float) -> bool:
        return abs(a - b) <= 5e-4 * abs(b)

    ratio = value / expected
    if near(ratio, -1):
        return "sign flip", "It is the right number with the opposite sign."
    for factor, text in ((2, "twice the right number: a factor 2 counted twice"),
                         (0.5, "half the right number: the 2 that a square brings down is missing"),
                         (-2, "the right number times −2: the sign, and a factor 2"),
                         (-0.5, "the right number times −½: the sign, and the 2 of a square")):
        if near(ratio, factor):
            return f"off by a factor {factor:g}", f"It is {text}."
    power = round(math.log10(abs(ratio)))
    if power != 0 and near(ratio, math.copysign(10.0 ** power, ratio)):
        return "decimal point shifted", f"It is the right number times 10^{power}: the decimal point slipped."
    if near(value * expected, 1):
        return "reciprocal", "It is the reciprocal of the right number: a ratio taken upside down."
    return None


def formula_relation(answer, truth, links: dict[str, object]) -> tuple[str, str] | None:
    """A formula's relation to the right one, decided by sympy: a sign, a constant factor, or one
    link of the chain missing or extra (`links`: name → sympy expression); None otherwise."""
    import sympy as sp  # only the formula checks need sympy

    ratio = sp.simplify(answer / truth)
    if ratio == -1:
        return "sign flip", "It is the right formula with the opposite sign: (ŷ − y) and (y − ŷ) swapped."
    if ratio.is_number:
        hint = {sp.Rational(1, 2): " (the 2 that the square brings down is missing)",
                sp.Integer(2): " (a factor 2 counted twice)"}.get(ratio, "")
        return f"off by a factor {ratio}", f"It is the right formula times {ratio}{hint}."
    for name, link in links.items():
        if sp.simplify(ratio * link - 1) == 0:
            return f"missing link {name}", f"It lacks the link {name}: the chain rule multiplies every link."
        if sp.simplify(ratio * link + 1) == 0:
            return f"missing link {name}", f"It lacks the link {name}, and its sign is off."
        if sp.simplify(ratio - link) == 0:
            return f"extra factor {name}", f"It has an extra factor {name}, which is not a link of this chain."
    return None
