"""Hidden runs of "the why" that separate every known mistake from the right answer at every draw.

A hidden run is drawn from the course secret; a mistake is caught only at a run where it answers
differently. With fixed learning rates and tolerances that depended on the data drawn: a stopping rule
one epoch late was right whenever no run stopped on the tolerance before max_epochs, a rule one epoch
early whenever no run reached max_epochs, and "L[1] for the tenth" was caught on the hidden runs at one
secret and not at another. So the runs are no longer fixed numbers: they are constructed from each
draw's own training curves so that

- every known misreading of the stopping rule (`why.STOP_MISREADINGS`, one epoch late, one epoch early,
  the count of epochs off by one) stops at another epoch than the rule in at least one run, and the
  rule's own stop is unambiguous: the tolerance sits between two consecutive changes |L_e − L_(e−1)|
  with a relative margin, so rounding cannot move it;
- every misreading of the regime rules (`why.MISREADINGS`) is either caught on the hidden runs at every
  draw (those a real curve can show) or at none (those that need an exact tie: last = first, exactly
  10 % rises, exactly half), so the points a mistake loses do not depend on the draw. The boundary
  curves (`edge_curves` below) catch the ties, identically at every draw.

If a draw offers no such run (never seen: the data are redrawn up to `ATTEMPTS` times) the recorder
raises, and the exercise is the grader's failure, not a learner's loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from autograder.assignments.common import points
from autograder.assignments.common.points import NETS, init_params

ATTEMPTS = 12
MARGIN = 1e-3  # relative: a change this close to the tolerance could round either way in another style

# --- stopping ---------------------------------------------------------------------------------------

STOP_LATE, STOP_EARLY, STOP_SHORT = "one epoch late", "one epoch early", "loop one short"


def _replay(losses: np.ndarray):
    """An `epoch` function for `why.train_until` that replays a recorded curve (params = the epoch index)."""
    def epoch(X, y, params, lr):
        k = int(params)
        return (float(losses[k]) if k < len(losses) else math.nan), k + 1
    return epoch


def stop_epochs(losses: np.ndarray, tol: float, max_epochs: int) -> dict[str | None, int]:
    """The epoch each reading of the rule stops at on this curve (None: the rule itself)."""
    from autograder.assignments.why import definition as why

    def run(misreading=None):
        return why.train_until(None, None, 0, 0.0, tol, max_epochs, epoch=_replay(losses), misreading=misreading)[0]

    right = run()
    out: dict[str | None, int] = {None: right, **{m: run(m) for m in why.STOP_MISREADINGS}}
    out[STOP_LATE] = right + 1 if right < max_epochs else right  # checks the rule one epoch after it holds
    out[STOP_EARLY] = right - 1  # stops before the epoch that meets it
    out[STOP_SHORT] = min(right, max_epochs - 1)  # range(1, max_epochs)
    return out


def trajectory(X, y, lr: float, epochs: int) -> np.ndarray:
    """The epoch losses of the course's regression run (per-sample SGD in row order from the course's
    initialisation; an epoch's loss is the mean of its pre-update losses), as `standins.why.sgd_epoch`
    computes them, in plain floats: ≈ 60× faster than the array code, and equal to it within rounding
    (tests/test_draws.py), far inside MARGIN. NaN after the first non-finite epoch."""
    (w11, w12), (w21, w22) = init_params()["W1"].tolist()
    b1, b2, v1, v2, c = 0.0, 0.0, 0.1, 0.1, 0.0  # b1 = (b1, b2) of the hidden layer; v = W2; c = b2
    rows = [(float(a), float(b), float(t)) for (a, b), t in zip(np.asarray(X, dtype=np.float64),
                                                                 np.asarray(y, dtype=np.float64), strict=True)]
    out = []
    for _ in range(epochs):
        total = 0.0
        for x1, x2, t in rows:
            h1, h2 = x1 * w11 + x2 * w21 + b1, x1 * w12 + x2 * w22 + b2
            e = t - (h1 * v1 + h2 * v2 + c)
            total += e * e
            g = -2.0 * e
            d1, d2 = g * v1, g * v2
            w11, w12, w21, w22 = w11 - lr * x1 * d1, w12 - lr * x1 * d2, w21 - lr * x2 * d1, w22 - lr * x2 * d2
            b1, b2, v1, v2, c = b1 - lr * d1, b2 - lr * d2, v1 - lr * g * h1, v2 - lr * g * h2, c - lr * g
        out.append(total / len(rows))
        if not math.isfinite(out[-1]):
            break
    return np.array(out + [math.nan] * (epochs - len(out)), dtype=np.float64)


def _tolerance_stop(rng, L: np.ndarray, low: int, high: int) -> tuple[float, int] | None:
    """A tolerance that stops the rule at an epoch e in [low, high] unambiguously: |L_e − L_(e−1)| is
    below it and every earlier change above it, each by the relative MARGIN at least."""
    d = np.abs(np.diff(L))  # d[k] = |L_(k+2) − L_(k+1)|: the change at epoch k + 2
    if not np.all(np.isfinite(d[: high])):
        return None
    before = np.minimum.accumulate(d)
    epochs = [e for e in range(max(low, 3), min(high, len(L)) + 1)
              if d[e - 2] < before[e - 3] * (1 - 4 * MARGIN) and d[e - 2] > 1e-9 * abs(L[e - 1])]
    if not epochs:
        return None
    e = int(rng.choice(epochs))
    return float(math.sqrt(d[e - 2] * before[e - 3])), e


def stop_runs() -> tuple[np.ndarray, np.ndarray, list[tuple[float, float, int]]]:
    """(X, y, [(lr, tol, max_epochs), …]): four runs on one hidden 5-row data set: stopped by the
    tolerance early and after more than 100 epochs, stopped by max_epochs, stopped by a loss that
    overflowed; each rule reading in `stop_epochs` stops elsewhere than the rule in one of them."""
    rng = points.rng_for("why", "stopping")
    for _ in range(ATTEMPTS):
        X, y = points.inputs(rng, NETS["regression"], 5), points.targets(rng, NETS["regression"], 5)
        runs = _stop_runs_for(rng, X, y)
        if runs is not None:
            return X, y, runs
    raise RuntimeError("no hidden data set separates every reading of the stopping rule")


def _stop_runs_for(rng, X, y) -> list[tuple[float, float, int]] | None:
    runs: list[tuple[float, float, int]] = []
    curves: list[np.ndarray] = []
    for lr in (1e-3, 2e-3, 5e-4):
        L = trajectory(X, y, lr, 260)
        short, long = _tolerance_stop(rng, L, 6, 40), _tolerance_stop(rng, L, 110, 230)
        if short is None or long is None or not np.all(np.isfinite(L)):
            continue
        for tol, e in (short, long):
            runs.append((lr, tol, e + int(rng.integers(8, 30))))
            curves.append(L)
        capped = int(rng.integers(15, 45))  # max_epochs reached: the smallest change is far above tol
        runs.append((lr, float(np.min(np.abs(np.diff(L[:capped])))) * 10.0 ** -rng.uniform(2, 4), capped))
        curves.append(L)
        break
    else:
        return None
    for lr in (2e-2, 1.6e-2, 2.5e-2, 3e-2, 1.4e-2, 4e-2, 5e-2, 8e-2):
        L = trajectory(X, y, lr, 40)
        bad = np.flatnonzero(~np.isfinite(L))
        # a clean blow-up: rising from epoch 2 until it overflows within a few epochs. A chaotic run that
        # wanders before it overflows amplifies rounding: the learner's run and the oracle's part ways.
        if len(bad) and 3 <= bad[0] + 1 <= 8 and np.all(np.diff(L[1: bad[0]]) > 0):
            first = int(bad[0]) + 1  # the epoch whose loss overflowed
            runs.append((lr, float(np.min(np.abs(np.diff(L[: first - 1])))) * 1e-3, first + int(rng.integers(5, 25))))
            curves.append(L)
            break
    else:
        return None
    stops = [stop_epochs(L[:m], tol, m) for L, (_, tol, m) in zip(curves, runs, strict=True)]
    readings = [tuple(s[k] for s in stops) for k in stops[0]]
    if len(set(readings)) == len(readings):  # each reading stops elsewhere than the rule and every other one
        return runs
    return None


# --- regimes ----------------------------------------------------------------------------------------

CAUGHT_ON_RUNS = ("second loss read for the tenth", "oscillation checked before divergence",
                  "non-finite losses not read as diverging", "tenth without max(1, ·)")
"""Misreadings every draw's hidden runs catch; every other one (an exact tie) none of them."""


def _tie_free(L: np.ndarray) -> bool:
    """No rule of the regime definition sits on its boundary, so no two right styles can disagree."""
    finite = np.all(np.isfinite(L))
    T = len(L)
    if finite and abs(L[-1] - L[0]) <= MARGIN * abs(L[0]):
        return False
    rises = int(np.sum(np.diff(L) > 0)) if finite else 0
    if finite and (10 * rises == T - 1 or T % 10 == 0):
        return False
    k = max(1, T // 10)
    return not (finite and abs(L[k] - 0.5 * L[0]) <= MARGIN * abs(L[0]))


def _verdicts(L: np.ndarray) -> dict[str | None, str]:
    from autograder.assignments.why import definition as why

    return {None: why.regime(L), **{m: why.regime(L, m) for m in why.MISREADINGS}}


def regime_runs() -> dict[str, list[float]]:
    """Hidden training curves (name → losses) of every regime, each free of ties, which together
    catch exactly the misreadings CAUGHT_ON_RUNS: a slow run, a run that converges although its second
    loss is above half the first, a run that oscillates, one that diverges while oscillating and
    finite, one that overflows to NaN, and a short run (fewer than 10 epochs) that converges."""
    from autograder.assignments.why import definition as why


    rng = points.rng_for("why", "regime")
    for _ in range(ATTEMPTS):
        X, y = points.inputs(rng, NETS["regression"], 5), points.targets(rng, NETS["regression"], 5)
        found = _regime_runs_for(rng, X, y)
        if found is None:
            continue
        hidden = [_verdicts(np.array(L)) for L in found.values()]
        caught = {m for m in why.MISREADINGS if any(v[m] != v[None] for v in hidden)}
        every = hidden + [_verdicts(np.array(L)) for L in edge_curves().values()]
        answers = [tuple(v[m] for v in every) for m in (None, *why.MISREADINGS)]
        if caught == set(CAUGHT_ON_RUNS) and len(set(answers)) == len(answers):  # each named as itself only
            return found
    raise RuntimeError("no hidden data set gives regime curves that catch the same misreadings at every draw")


def _regime_runs_for(rng, X, y) -> dict[str, list[float]] | None:
    from autograder.assignments.why import definition as why

    cache: dict[float, np.ndarray] = {}

    def losses(lr: float) -> np.ndarray:
        if lr not in cache:
            cache[lr] = trajectory(X, y, lr, 160)
        return cache[lr]

    def pick(want: Callable[[np.ndarray, int], bool], lrs, lengths) -> tuple[float, int] | None:
        for lr in lrs:
            L = losses(lr)
            for T in rng.permutation(np.array(lengths)):  # a random length among those that fit
                if T <= len(L) and _tie_free(L[:T]) and want(L[:T], int(T)):
                    return lr, int(T)
        return None

    def regime(L, m=None):
        return why.regime(L, m)

    wants = [
        (lambda L, T: regime(L) == "slow", (2e-4, 1e-4, 4e-4), range(21, 90)),
        (lambda L, T: T >= 20 and regime(L) == "converges"
         and regime(L, "second loss read for the tenth") == "slow", (4e-4, 7e-4, 1e-3, 1.5e-3, 2e-3), range(21, 160)),
        (lambda L, T: regime(L) == "oscillates", (8e-3, 9e-3, 1e-2, 7e-3, 1.1e-2, 6e-3, 1.2e-2), range(25, 90)),
        (lambda L, T: regime(L) == "diverges" and regime(L, "oscillation checked before divergence") == "oscillates",
         (1.2e-2, 1.3e-2, 1.1e-2, 1.4e-2, 1.6e-2, 1e-2, 1.8e-2, 2e-2, 9e-3), range(3, 60)),
        (lambda L, T: regime(L) == "diverges" and regime(L, "non-finite losses not read as diverging") != "diverges",
         (2e-2, 3e-2, 1.5e-2, 5e-2, 8e-2), range(5, 160)),
        (lambda L, T: regime(L) == "converges" and regime(L, "tenth without max(1, ·)") == "slow",
         (5e-3, 4e-3, 6e-3, 3e-3, 7e-3, 8e-3, 2e-3, 1e-2), range(2, 10)),
    ]
    out = {}
    for want, lrs, lengths in wants:
        chosen = pick(want, lrs, lengths)
        if chosen is None:
            return None
        lr, T = chosen
        out[f"hidden data, lr {lr:g}, {T} epochs"] = losses(lr)[:T].tolist()
    return out


def edge_curves() -> dict[str, list[float]]:
    """Curves on the rules' boundaries, where a near-miss reading of the definition goes wrong."""
    return {
        "last equals first": [5.0, 4.0, 6.0, 5.0],                        # not above: 2 rises of 3 → oscillates
        "last just above first": [5.0, 1.0, 1.0, 5.000001],              # diverges
        "an infinite loss": [3.0, 2.0, np.inf, 1.0],                      # diverges
        "exactly 10% rises": [10.0, 4.0, 3.9, 3.95] + [3.8 - 0.1 * k for k in range(7)],      # 1 rise in 10 steps
        "just under 10% rises": [10.0, 4.0, 3.9, 3.95] + [3.8 - 0.1 * k for k in range(8)],   # 1 in 11: converges
        "half left after a tenth": [8.0, 4.0] + [3.9 - 0.1 * k for k in range(8)],       # L[1] = 4 = half: converges
        "just over half after a tenth": [8.0, 4.01] + [3.9 - 0.1 * k for k in range(8)],  # slow
        "flat": [2.0] * 12,                                                # no rise, half never reached: slow
        "a NaN loss": [3.0, 2.0, float("nan"), 1.0],                      # diverges
        "slow start, 30 epochs": [8.0, 6.0, 5.0] + [3.9 - 0.1 * k for k in range(27)],  # L[3] < 4: converges
        "a short run, 6 epochs": [8.0, 3.0, 2.5, 2.2, 2.0, 1.9],  # tenth = L[max(1, 0)] = 3 < 4: converges
    }
