"""Hidden evaluation points: random, seeded, uneven, never the ones a learner sees.

Weights are drawn so that no two are equal and W1 is far from symmetric, inputs have
x1 ≠ x2, and training sets have sizes other than the seed's 4 rows. That is what makes
swapped indices, hard-coded sizes and seed-only answers visible (REFERENCE.md §3).
Seeds are fixed so a regrade gives the same points and the same feedback.
"""

from __future__ import annotations

import threading
import zlib
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

Params = dict[str, np.ndarray]
BASE_SEED = 5_2026_1122
_state = threading.local()


class Shape(NamedTuple):
    """What the point generators need to know of a 2-2-1 network (the sympy definition stays in
    the grader)."""
    name: str
    n_in: int = 2
    n_hidden: int = 2


NETS = {name: Shape(name) for name in ("regression", "classification", "xor")}


def use_seed(seed: int) -> None:
    """Draw every hidden point from `seed`: the grader derives it from the course secret and the
    student id, so each learner's points differ and none can be computed from the package. Per
    thread: a grading thread's seed is its own."""
    _state.seed = int(seed)


@contextmanager
def seeded(seed: int):
    """Draw from `seed` inside the block, then from the seed before."""
    saved = current_seed()
    use_seed(seed)
    try:
        yield
    finally:
        use_seed(saved)


def current_seed() -> int:
    return getattr(_state, "seed", BASE_SEED)


def rng_for(*names: str) -> np.random.Generator:
    return np.random.default_rng([current_seed(), zlib.crc32("/".join(names).encode())])


def init_params(w: float = 0.1, b: float = 0.0, n_in: int = 2, n_hidden: int = 2) -> Params:
    """The course's initialisation: every weight `w`, every bias `b`."""
    return {"W1": np.full((n_in, n_hidden), w), "b1": np.full(n_hidden, b), "W2": np.full(n_hidden, w),
            "b2": np.float64(b)}


CANDIDATES = 64  # drawn at once by `_spread`: enough for the first to fit nearly always, few to sort


def _spread(rng: np.random.Generator, low: float, high: float, size: int, min_gap: float) -> np.ndarray:
    """Uniform draws of `size` values until all differ by at least min_gap (most draws do not: drawing
    them one by one was most of a dry run's time). Candidates are drawn CANDIDATES at a time, then the
    generator is set back and moved on by exactly the draws that the one-by-one loop would have made,
    so the values and every later draw are the same as that loop's."""
    while True:
        saved = rng.bit_generator.state
        v = rng.uniform(low, high, (CANDIDATES, size))
        fit = [0] if size < 2 else np.flatnonzero(np.min(np.diff(np.sort(v, axis=1), axis=1), axis=1) >= min_gap)
        if len(fit):
            rng.bit_generator.state = saved
            rng.uniform(low, high, (int(fit[0]) + 1, size))
            return v[int(fit[0])].copy()


def params(rng: np.random.Generator, net: Shape, scale: float = 0.8) -> Params:
    n = net.n_in * net.n_hidden + 2 * net.n_hidden + 1
    v = _spread(rng, -scale, scale, n, min_gap=0.04) * rng.choice([-1.0, 1.0], n)
    W1 = v[: net.n_in * net.n_hidden].reshape(net.n_in, net.n_hidden)
    rest = v[net.n_in * net.n_hidden :]
    return {
        "W1": W1,
        "b1": rest[: net.n_hidden] / 2,
        "W2": rest[net.n_hidden : 2 * net.n_hidden],
        "b2": np.float64(rest[-1] / 2),
    }


def inputs(rng: np.random.Generator, net: Shape, n: int) -> np.ndarray:
    """n input rows in the course's range (cgpa and profile score, 0–10), x1 ≠ x2."""
    return np.stack([_spread(rng, 0.5, 9.5, net.n_in, min_gap=0.7) for _ in range(n)])


def targets(rng: np.random.Generator, net: Shape, n: int) -> np.ndarray:
    if net.name == "classification":
        y = rng.integers(0, 2, n).astype(np.float64)
        y[: min(2, n)] = [1.0, 0.0][: min(2, n)]  # both classes always present
        return y
    return rng.uniform(1.0, 10.0, n)


def seed_params(net: Shape) -> Params:
    """The course's initialisation (all weights 0.1, biases 0): the point learners see."""
    return init_params(n_in=net.n_in, n_hidden=net.n_hidden)
