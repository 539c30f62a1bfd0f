"""Wrong programs generated from the right one, to name mistakes nobody listed.

The backward pass of a two-layer network is a product of links (∂L/∂ŷ, ∂ŷ/∂z2, ∂z2/∂h, …), each
evaluated at a node of the forward pass. The mistakes learners make are, overwhelmingly, one link
changed: the function where its derivative belongs, a neighbouring node (z where a belongs, x
where h belongs), a link left out, a product in the wrong order, a 1/n missing or counted twice,
a sign. This module writes that product once, gives each link its plausible alternatives (each
with a sentence in the learner's terms), and searches every single change and every pair of
changes for the ones that reproduce the learner's values at *every* hidden point.

`search` returns the simplest consistent programs (single changes before pairs); `explain` turns
them into what is certain: one program → name it; several → what they share, or that the points
cannot tell them apart. The hand-written catalogue (`mistakes.py`) stays for what no change of one
or two links produces (a stale W2 that depends on the learning rate, for instance).

Layout: every case is evaluated in batch form, X (n, n_in), Y (n, 1), W1 (n_in, n_h), b1 (n_h,),
W2 (n_h, 1), b2 (1,); the 2-2-1 notebooks' per-sample values are a batch of one (`per_sample`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from autograder.engine import judge


@dataclass(frozen=True)
class Change:
    """One link of the chain computed otherwise. `name` is short (kept with the result, for reports);
    `sentence` completes "you …" in the learner's terms."""

    link: str
    name: str
    sentence: str


@dataclass(frozen=True)
class Case:
    """One hidden point of a two-layer network, in batch layout."""

    X: np.ndarray
    Y: np.ndarray
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    hidden: str  # "sigmoid" | "identity"
    output: str  # "sigmoid" | "identity"
    loss: str  # "squared error" | "cross-entropy"
    mean: bool  # the loss is the mean over the rows (1/n in ∂L/∂Ŷ)


def per_sample(x, y, params: dict, hidden: str, output: str, loss: str) -> Case:
    """A 2-2-1 notebook's sample (x (n_in,), y, W2 (n_h,), b2 scalar) as a batch of one."""
    W1 = np.asarray(params["W1"], dtype=np.float64)
    return Case(np.asarray(x, dtype=np.float64).reshape(1, -1), np.asarray(y, dtype=np.float64).reshape(1, 1), W1,
                np.asarray(params["b1"], dtype=np.float64).reshape(-1),
                np.asarray(params["W2"], dtype=np.float64).reshape(-1, 1),
                np.asarray(params["b2"], dtype=np.float64).reshape(1), hidden, output, loss, False)


def batch(X, Y, params: dict, hidden: str, output: str, loss: str) -> Case:
    """A batched notebook's case (XOR): the loss is the mean over the rows."""
    return Case(np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64).reshape(-1, 1),
                np.asarray(params["W1"], dtype=np.float64), np.asarray(params["b1"], dtype=np.float64).reshape(-1),
                np.asarray(params["W2"], dtype=np.float64).reshape(-1, 1),
                np.asarray(params["b2"], dtype=np.float64).reshape(1), hidden, output, loss, True)


def _sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# A link's alternatives: (Change, value(ctx)). The right value is the link's first entry, with no Change.
Alternative = tuple[Change | None, Callable[[dict], np.ndarray]]


def _loss_slope(case: Case) -> list[Alternative]:
    link = "∂L/∂ŷ"
    if case.loss == "squared error":
        return [(None, lambda c: 2.0 * (c["Yh"] - c["Y"])),
                (Change(link, "∂L/∂ŷ without the 2 of the square",
                        "left out the 2 that the square brings down: ∂L/∂ŷ of (y − ŷ)² is −2(y − ŷ)"),
                 lambda c: c["Yh"] - c["Y"]),
                (Change(link, "the loss in place of ∂L/∂ŷ",
                        "used the loss (y − ŷ)² itself where its derivative ∂L/∂ŷ = −2(y − ŷ) belongs"),
                 lambda c: (c["Y"] - c["Yh"]) ** 2),
                (Change(link, "ŷ alone in ∂L/∂ŷ", "left the target out of ∂L/∂ŷ: it is −2(y − ŷ), not a multiple of ŷ"),
                 lambda c: 2.0 * c["Yh"])]
    return [(None, lambda c: (c["Yh"] - c["Y"]) / (c["Yh"] * (1.0 - c["Yh"]))),
            (Change(link, "cross-entropy's (1 − y) term left out of ∂L/∂ŷ",
                    "kept only −y/ŷ in ∂L/∂ŷ: the derivative of −(1 − y)·log(1 − ŷ), (1 − y)/(1 − ŷ), is missing, so "
                    "the output error is ŷ − y only when y = 1"),
             lambda c: -c["Y"] / c["Yh"]),
            (Change(link, "squared error's ∂L/∂ŷ on a classifier",
                    "used the squared error's ∂L/∂ŷ = 2(ŷ − y); this network's loss is cross-entropy, whose "
                    "∂L/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)"),
             lambda c: 2.0 * (c["Yh"] - c["Y"])),
            (Change(link, "ŷ − y taken for ∂L/∂ŷ",
                    "used ŷ − y as ∂L/∂ŷ, then multiplied by σ'(z2); ŷ − y is already ∂L/∂z2 (σ'(z2) is inside it), "
                    "so σ'(z2) counts twice"),
             lambda c: c["Yh"] - c["Y"]),
            (Change(link, "the loss in place of ∂L/∂ŷ",
                    "used the loss −y·log ŷ − (1 − y)·log(1 − ŷ) itself where its derivative ∂L/∂ŷ belongs"),
             lambda c: -c["Y"] * np.log(c["Yh"]) - (1.0 - c["Y"]) * np.log(1.0 - c["Yh"])),
            (Change(link, "wrong sign on cross-entropy's (1 − y) term",
                    "wrote the (1 − y)/(1 − ŷ) term of ∂L/∂ŷ with the wrong sign: ∂L/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)"),
             lambda c: -c["Y"] / c["Yh"] - (1.0 - c["Y"]) / (1.0 - c["Yh"]))]


def _slope(layer: str, activation: str, a_key: str, z_key: str, a: str, z: str) -> list[Alternative]:
    """The local slope of a sigmoid unit: a(1 − a) with a its output; its neighbours. `a_key`, `z_key` are
    the forward pass's values, `a`, `z` their names in the learner's notebook."""
    link, at = f"∂{a}/∂{z}", f"σ'({z})"
    if activation != "sigmoid":
        return [(None, lambda c: np.ones_like(c[z_key]))]
    return [(None, lambda c: c[a_key] * (1.0 - c[a_key])),
            (Change(link, f"{at} taken at {z}",
                    f"computed {at} as {z}(1 − {z}), from the pre-activation {z}, where {a}(1 − {a}) belongs "
                    f"({a} = σ({z}), the {layer}'s output)"),
             lambda c: c[z_key] * (1.0 - c[z_key])),
            (Change(link, f"{at} left out", f"left out {at} = {a}(1 − {a}): the {layer} is a sigmoid, not linear"),
             lambda c: np.ones_like(c[z_key])),
            (Change(link, f"σ in place of {at}", f"used the sigmoid {a} = σ({z}) itself where its slope {a}(1 − {a}) "
                    "belongs"), lambda c: c[a_key]),
            (Change(link, f"tanh's slope in place of {at}",
                    f"used 1 − {a}², the slope of tanh, where the sigmoid's {a}(1 − {a}) belongs"),
             lambda c: 1.0 - c[a_key] ** 2),
            (Change(link, f"sigmoid applied twice in {at}",
                    f"computed {at} as σ({a})(1 − σ({a})): the sigmoid applied to its own output; it is {a}(1 − {a})"),
             lambda c: _sigmoid(c[a_key]) * (1.0 - _sigmoid(c[a_key])))]


def _links(case: Case) -> dict[str, list[Alternative]]:
    n_in, n_h = case.W1.shape
    square = n_in == n_h
    links: dict[str, list[Alternative]] = {
        "sign": [(None, lambda c: 1.0),
                 (Change("sign", "sign flip", "flipped the sign: (y − ŷ) where (ŷ − y) belongs, or the reverse"),
                  lambda c: -1.0)],
        "∂L/∂ŷ": _loss_slope(case),
        "∂ŷ/∂z2": _slope("output unit", case.output, "Yh", "Z2", "ŷ", "z2"),
        "∂z2/∂W2": [(None, lambda c: c["H"]),
                    (Change("∂z2/∂W2", "z1 where h belongs in ∂L/∂W2",
                            "used z1 where h belongs in ∂L/∂W2: W2 multiplies the hidden units' outputs h = act(z1)"),
                     lambda c: c["Z1"]),
                    (Change("∂z2/∂W2", "W2 where h belongs in ∂L/∂W2",
                            "used the weights W2 where the hidden outputs h belong in ∂L/∂W2"),
                     lambda c: np.broadcast_to(c["W2"].T, c["H"].shape))]
        + ([(Change("∂z2/∂W2", "x where h belongs in ∂L/∂W2",
                    "used the inputs x where the hidden outputs h belong in ∂L/∂W2 (the input of this layer is h)"),
             lambda c: c["X"])] if square else []),
        "∂z2/∂h": [(None, lambda c: c["W2"]),
                   (Change("∂z2/∂h", "W2 left out of the hidden error",
                           "left W2 out of the hidden layer's error: it reaches hidden unit j through W2[j]"),
                    lambda c: np.ones_like(c["W2"])),
                   (Change("∂z2/∂h", "∂L/∂W2 where W2 belongs in the hidden error",
                           "sent the error back through ∂L/∂W2 where the weights W2 themselves belong"),
                    lambda c: c["dW2"])],
        "∂h/∂z1": _slope("hidden layer", case.hidden, "H", "Z1", "h", "z1"),
        "∂z1/∂W1": [(None, lambda c: c["X"]),
                    (Change("∂z1/∂W1", "z1 where x belongs in ∂L/∂W1",
                            "used z1 where the inputs x belong in ∂L/∂W1"), lambda c: c["Z1"])]
        + ([(Change("∂z1/∂W1", "h where x belongs in ∂L/∂W1",
                    "used the hidden outputs h where the inputs x belong in ∂L/∂W1 (W1 multiplies x)"),
             lambda c: c["H"])] if square else []),
        "∂z1/∂b1": [(None, lambda c: np.ones_like(c["Z1"]))]
        + ([(Change("∂z1/∂b1", "x multiplied into ∂L/∂b1",
                    "multiplied ∂L/∂b1 by x: a bias's input is the constant 1"), lambda c: c["X"])] if square else []),
        "order of ∂L/∂W1": [(None, lambda c: False)]
        + ([(Change("order of ∂L/∂W1", "∂L/∂W1 transposed",
                    "paired input j with hidden unit i in ∂L/∂W1[i, j]: a product in the wrong order "
                    + ("(dZ1ᵀ·X where Xᵀ·dZ1 belongs)" if case.mean else "(np.outer(dz1, x) where np.outer(x, dz1) "
                                                                        "belongs)")), lambda c: True)] if square else []),
    }
    if case.mean and len(case.X) > 1:
        for p in ("W1", "b1", "W2", "b2"):
            links[f"1/n of {p}"] = [
                (None, lambda c: 1.0),
                (Change(f"1/n of {p}", f"∂L/∂{p} summed over the rows (1/n missing)",
                        f"summed ∂L/∂{p} over the rows where the loss takes their mean: the 1/n is missing"),
                 lambda c: float(c["n"])),
                (Change(f"1/n of {p}", f"∂L/∂{p} divided by n twice",
                        f"divided ∂L/∂{p} by n a second time: the 1/n of the mean is already in ∂L/∂Ŷ, and the rows' "
                        "contributions are summed"),
                 lambda c: 1.0 / c["n"])]
    return _in_batch_terms(links) if case.mean else links


_BATCH_NAMES = {"x": "X", "y": "Y", "z1": "Z1", "h": "H", "z2": "Z2", "ŷ": "Ŷ"}
_TOKEN = re.compile(r"(?<!\w)(" + "|".join(_BATCH_NAMES) + r")(?![A-Za-z0-9_])")  # h² is h, squared


def _in_batch_terms(links: dict[str, list[Alternative]]) -> dict[str, list[Alternative]]:
    """The same links, their words in a batched notebook's names (X, Z1, H, Ŷ for x, z1, h, ŷ)."""
    def words(text: str) -> str:
        return _TOKEN.sub(lambda m: _BATCH_NAMES[m.group(1)], text)

    return {name: [(None if ch is None else Change(words(ch.link), words(ch.name), words(ch.sentence)), fn)
                          for ch, fn in alts] for name, alts in links.items()}


def _forward(case: Case) -> dict:
    Z1 = case.X @ case.W1 + case.b1
    H = _sigmoid(Z1) if case.hidden == "sigmoid" else Z1
    Z2 = H @ case.W2 + case.b2
    Yh = _sigmoid(Z2) if case.output == "sigmoid" else Z2
    return {"X": case.X, "Y": case.Y, "Z1": Z1, "H": H, "Z2": Z2, "Yh": Yh, "W2": case.W2, "n": len(case.X)}


def gradients(case: Case, changes: dict[str, Callable[[dict], np.ndarray]] | None = None) -> dict[str, np.ndarray]:
    """The four gradients in batch layout, with the given links replaced (link → value function)."""
    return _gradients(case, _forward(case), {name: alts[0][1] for name, alts in _links(case).items()}, changes or {})


def _gradients(case: Case, forward: dict, right: dict, changes: dict) -> dict[str, np.ndarray]:
    links = {**right, **changes}
    c = dict(forward)
    scale = 1.0 / c["n"] if case.mean else 1.0
    dZ2 = links["sign"](c) * scale * links["∂L/∂ŷ"](c) * links["∂ŷ/∂z2"](c)  # (n, 1)
    dW2 = links["∂z2/∂W2"](c).T @ dZ2
    c["dW2"] = dW2
    dZ1 = (dZ2 @ links["∂z2/∂h"](c).T) * links["∂h/∂z1"](c)  # (n, n_h)
    dW1 = links["∂z1/∂W1"](c).T @ dZ1
    if links["order of ∂L/∂W1"](c):
        dW1 = dW1.T
    out = {"W1": dW1, "b1": (dZ1 * links["∂z1/∂b1"](c)).sum(axis=0), "W2": dW2, "b2": dZ2.sum(axis=0),
           "dZ1": dZ1, "dZ2": dZ2}
    for p in ("W1", "b1", "W2", "b2"):
        if f"1/n of {p}" in links:
            out[p] = out[p] * links[f"1/n of {p}"](c)
    return out


@dataclass(frozen=True)
class Found:
    """Programs (each a tuple of changes) that reproduce the learner's values at every case."""

    programs: tuple[tuple[Change, ...], ...]


def search(cases: Sequence[Case], param: str, actual: Sequence[np.ndarray], expected: Sequence[np.ndarray],
           pairs: bool = True) -> Found:
    """Every single change, then (if none fits) every pair of changes on distinct links, whose ∂L/∂param
    matches the learner's at every case and differs from the right values. Changes that do not move
    ∂L/∂param at all are left out of the pairs."""
    shapes = [np.shape(e) for e in expected]
    table = _links(cases[0])
    right = {name: alts[0][1] for name, alts in table.items()}
    forwards = [_forward(case) for case in cases]
    singles = [(name, alt) for name, alts in table.items() for alt in alts[1:]]

    def value(k: int, chosen) -> np.ndarray | None:
        try:
            with np.errstate(all="ignore"):
                v = _gradients(cases[k], forwards[k], right, {name: fn for name, (_, fn) in chosen})[param]
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return None
        return v.reshape(shapes[k]) if v.size == int(np.prod(shapes[k], dtype=int)) else None

    def matches(chosen) -> bool:  # case by case: most programs fail at the first
        for k in range(len(cases)):
            v = value(k, chosen)
            if v is None or not _near(actual[k], v):
                return False
        return True

    moving, found = [], []
    for name, alt in singles:
        vs = [value(k, [(name, alt)]) for k in range(len(cases))]
        if any(v is None for v in vs) or _all_close(vs, expected):
            continue  # this change cannot occur here, or does not move ∂L/∂param
        moving.append((name, alt))
        if _all_close(actual, vs):
            found.append((alt[0],))
    if not found and pairs:
        for (n1, a1), (n2, a2) in itertools.combinations(moving, 2):
            if n1 != n2 and matches([(n1, a1), (n2, a2)]):
                vs = [value(k, [(n1, a1), (n2, a2)]) for k in range(len(cases))]
                if not _all_close(vs, expected):
                    found.append((a1[0], a2[0]))
    return Found(tuple(found))


def _near(a, d) -> bool:
    """judge.close, with a cheap first look that rejects most wrong programs before the strict check."""
    a, d = np.asarray(a, dtype=np.float64), np.asarray(d, dtype=np.float64)
    if a.shape != d.shape:
        return False
    with np.errstate(all="ignore"):
        if not np.all((np.abs(a - d) <= judge.ATOL + judge.RTOL * np.abs(d)) | (np.isnan(a) & np.isnan(d))
                      | (a == d)):
            return False
    return judge.close(a, d)


def _all_close(actual, desired) -> bool:
    return len(actual) == len(desired) and all(_near(a, d) for a, d in zip(actual, desired, strict=True))


def explain(label: str, found: Found, source: str = "the chain rule") -> tuple[str, str] | None:
    """(diagnosis, sentence) saying only what every consistent program has in common; None if none fits."""
    programs = found.programs
    if not programs:
        return None
    your = judge.your(label)
    if len(programs) == 1:
        changes = programs[0]
        name = " + ".join(c.name for c in changes)
        what = "; and you ".join(c.sentence for c in changes)
        count = "one change" if len(changes) == 1 else "two changes"
        return name, (f"{your} is what {source} gives with {count}, at every point checked: you {what}.")
    shared = set(programs[0]).intersection(*programs[1:])
    if shared:
        ordered = [c for c in programs[0] if c in shared]
        return (" + ".join(c.name for c in ordered),
                f"{your} matches more than one changed version of {source} at every point checked; all of them "
                "share this: you "
                + "; and you ".join(c.sentence for c in ordered) + ".")
    shown = programs[:3]
    options = " — or — ".join("you " + "; and you ".join(c.sentence for c in p) for p in shown)
    more = f" (and {len(programs) - 3} more)" if len(programs) > 3 else ""
    return ("one of: " + " / ".join(" + ".join(c.name for c in p) for p in shown),
            f"{your} matches {len(programs)} changed versions of {source} at every point checked, which these "
            f"points cannot tell apart{more}: {options}.")


def wrong_axis(label: str, cases: Sequence[Case], param: str, encoded: Sequence[dict]) -> tuple[str, str] | None:
    """A bias gradient returned with one entry per row, equal at every case to its dZ summed (or averaged)
    over the units instead of over the rows: the reduction on the wrong axis. None otherwise."""
    delta = "dZ1" if param == "b1" else "dZ2"
    got, sums, means = [], [], []
    for case, enc in zip(cases, encoded, strict=True):
        n = len(case.X)
        if enc.get("kind") != "ndarray" or enc.get("dtype") != "float64" or enc.get("shape") not in ([n], [n, 1]):
            return None
        got.append(np.array(enc["data"], dtype=np.float64))
        dz = gradients(case)[delta]
        sums.append(dz.sum(axis=1))
        means.append(dz.mean(axis=1))
    for reduced, how in ((sums, "sum"), (means, "mean")):
        if _all_close(got, reduced):
            return (f"{label} reduced over the wrong axis",
                    f"{judge.your(label)} has one entry per row: it is {delta} {'summed' if how == 'sum' else 'averaged'} "
                    f"over the units (axis=1) at every point checked. A bias gradient sums {delta} over the rows: "
                    f"{delta}.sum(axis=0), one entry per unit.")
    return None


# --- state across calls ------------------------------------------------------------------------------
# The recorder calls a function at its hidden points one after the other, in one process: state kept
# between calls shows as a relation between call k's value and the right values of the calls before.


def across_calls(label: str, actual: Sequence, expected: Sequence) -> tuple[str, str] | None:
    """(diagnosis, sentence) when the learner's values are the right ones accumulated over the calls,
    one call behind, or stuck at the first call's, at every call; None otherwise. Needs three calls."""
    if len(actual) < 3 or any(np.shape(a) != np.shape(e) for a, e in zip(actual, expected, strict=True)):
        return None
    if len({np.shape(e) for e in expected}) > 1:  # calls of other sizes: nothing can carry over from one to the next
        return None
    e = [np.asarray(v, dtype=np.float64) for v in expected]
    your = judge.your(label)
    if _all_close(actual, e):
        return None
    totals = list(itertools.accumulate(e))
    if _all_close(actual, totals):
        return "accumulated across calls", (
            f"{your} is, at each call, the sum of the right values of this call and of every call before it: "
            "something accumulates across calls and is never reset (a global or default-argument accumulator, "
            "+= into an array that outlives the call). Start from zeros inside the function, at every call.")
    if _all_close(actual[1:], e[:-1]) and _near(actual[0], e[0]):
        return "one call behind", (
            f"{your} is, at each call, the right value of the previous call: a value kept from the last call "
            "(a cache or global) is returned before it is renewed.")
    if _all_close(actual, [e[0]] * len(e)):
        return "stuck at the first call", (
            f"{your} is the same at every call: the right value of the first call (the notebook's example, where "
            "there is one), whatever the inputs. It does not follow them: a value hard-coded, or computed once "
            "and reused.")
    return None


# A training loop that writes into the caller's arrays (the recorder reads them back after the call).
TRAIN_ALIASING = ("train() changed the caller's params[{!r}] in place: after the call, the dict the caller passed holds "
                  "other values than before it. The loop must work on new arrays (params = update(params, …) "
                  "rebinds the name and leaves the caller's arrays alone); `params[k] -= …` writes the estimates "
                  "into the caller's arrays, so a second call would start from the trained parameters.")


# --- the forward pass ----------------------------------------------------------------------------------
# The same search on the forward pass of a two-layer network: an activation left out or applied twice,
# the pre-activation passed on where the activation belongs.

_FORWARD_ALTERNATIVES = {
    "hidden": (("hidden activation left out", "left the hidden activation out: h = act(z1), not z1",
                lambda z, act: z),
               ("hidden activation applied twice", "applied the hidden activation twice: h = act(z1), not act(act(z1))",
                lambda z, act: act(act(z)))),
    "output": (("output activation left out", "left the output activation out: ŷ = act(z2), not z2",
                lambda z, act: z),
               ("output activation applied twice", "applied the output activation twice: ŷ = act(z2), not act(act(z2))",
                lambda z, act: act(act(z)))),
    "into z2": (("z1 passed on where h belongs", "passed z1 on to the output layer where h = act(z1) belongs: "
                 "z2 = h·W2 + b2", None),),
}


def forward_values(case: Case, changes: dict[str, Callable | None] | None = None) -> dict[str, np.ndarray]:
    """z1, h, z2, ŷ in batch layout, with the given parts of the forward pass replaced."""
    changes = changes or {}

    def act(kind):
        return _sigmoid if kind == "sigmoid" else (lambda v: v)

    hidden, output = act(case.hidden), act(case.output)
    Z1 = case.X @ case.W1 + case.b1
    H = changes["hidden"](Z1, hidden) if "hidden" in changes else hidden(Z1)
    Z2 = (Z1 if "into z2" in changes else H) @ case.W2 + case.b2
    Yh = changes["output"](Z2, output) if "output" in changes else output(Z2)
    return {"z1": Z1, "h": H, "z2": Z2, "y_hat": Yh}


def search_forward(label: str, cases: Sequence[Case], key: str, actual: Sequence, expected: Sequence
                   ) -> tuple[str, str] | None:
    """(diagnosis, sentence) of the forward passes with one or two parts changed whose `key` value matches the
    learner's at every case and differs from the right one; None if none does."""
    shapes = [np.shape(e) for e in expected]
    singles = [(part, alt) for part, alts in _FORWARD_ALTERNATIVES.items() for alt in alts]
    candidates = [[one] for one in singles] + [[a, b] for i, a in enumerate(singles) for b in singles[i + 1:]
                                               if a[0] != b[0]]
    found: list[tuple[Change, ...]] = []
    for chosen in candidates:
        if found and len(chosen) > len(found[0]):
            break
        values = []
        with np.errstate(all="ignore"):
            for case, shape in zip(cases, shapes, strict=True):
                v = forward_values(case, {part: alt[2] for part, alt in chosen})[key]
                values.append(v.reshape(shape) if v.size == int(np.prod(shape, dtype=int)) else None)
        if any(v is None for v in values) or _all_close(values, expected) or not _all_close(actual, values):
            continue
        found.append(tuple(Change(part, alt[0], alt[1]) for part, alt in chosen))
    return explain(label, Found(tuple(found)), "the forward pass")
