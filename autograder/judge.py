"""Compare recorded learner values with the oracle, and explain what is wrong.

Every failure is an AssertionError whose message is the feedback a learner reads: which
value, at which input, expected vs got, and, where the value matches a known wrong
variant, the name of the mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

RTOL, ATOL = 1e-7, 1e-10


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
        hint = ""
        if sorted(enc["shape"]) == sorted(shape):
            hint = " (transposed?)"
        elif int(np.prod(enc["shape"])) == int(np.prod(shape)):
            hint = " (an extra or a missing axis: keepdims, or a reshape?)"
        raise AssertionError(f"{what} has shape {tuple(enc['shape'])}{hint}; it must have shape {shape}.")
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


def check_values(
    label: str,
    actual: Sequence[np.ndarray],
    expected: Sequence[np.ndarray],
    where: Sequence[str],
    variants: Iterable[tuple[str, str, Callable[[], Sequence[np.ndarray]]]] = (),
    seed_first: bool = True,
) -> None:
    """Assert actual[k] ≈ expected[k] for every case k; otherwise raise with a diagnosis.

    `variants` yields (name, explanation, values_fn) for the known mistakes; the first whose
    values match the learner's at every case is named in the message."""
    bad = [k for k, (a, e) in enumerate(zip(actual, expected, strict=True)) if not close(a, e)]
    if not bad:
        return
    k = bad[0]
    lines = [
        f"{label} is wrong at {where[k]}:",
        f"    expected {fmt(expected[k])}",
        f"    got      {fmt(actual[k])}",
    ]
    diagnosis = _diagnose(actual, expected, variants, seed_first and len(bad) < len(actual) and 0 not in bad)
    lines.extend(diagnosis)
    raise AssertionError("\n".join(lines))


def _diagnose(actual, expected, variants, right_at_seed_only: bool) -> list[str]:
    for name, explanation, values_fn in variants:
        try:
            with np.errstate(all="ignore"):  # a wrong variant may well diverge
                values = values_fn()
        except Exception:  # a variant that cannot be evaluated here is not a match
            continue
        if not _all_close(values, expected) and _all_close(actual, values):
            return [f"This matches a known mistake: {name}. {explanation}"]
    out = []
    ratio = _constant_ratio(actual, expected)
    if ratio is not None:
        out.append(f"Your values are the right ones times {ratio:.6g} at every point: a constant factor "
                   "or sign is off somewhere in the chain.")
    if right_at_seed_only:
        out.append("Your values are right at the seed example (all weights 0.1, x1 = x2) but not at other "
                   "points: check your indices and that nothing is hard-coded to the example.")
    return out


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
