"""Records assignment 6, softmax (K-class classification, a 2-layer tanh network in matrix form).
Runs in the grader: the learner's functions are called through `calls` (in the sandboxed host when grading).

Notebook layout: X (n, d), labels (n,) class indices, Y (n, K) one-hot; W1 (d, h), b1 (h,),
W2 (h, K), b2 (K,). Every hidden size is drawn per case: K in {3, 4, 5}, batches of 3 to 7 rows
never equal to K, and d, h, K all different, so a transpose or a hard-coded size cannot pass.
"""

from __future__ import annotations

import numpy as np

from autograder.assignments.common import points
from autograder.engine import calls

NAMES = ("W1", "b1", "W2", "b2")

TITLES = {"one_hot": "One-hot targets", "softmax": "A numerically stable softmax",
          "cross_entropy": "Mean cross-entropy", "forward": "Forward pass to class probabilities",
          "output_layer": "Output layer ∂L/∂W2, ∂L/∂b2", "hidden_layer": "Hidden layer ∂L/∂W1, ∂L/∂b1",
          "train": "Full-batch training loop"}

GRADED_BY = {"one_hot": "one_hot", "softmax": "softmax", "cross_entropy": "cross_entropy", "forward": "forward",
             "output_layer": "backward", "hidden_layer": "backward", "train": "train"}

LAYER_PARAMS = {"output_layer": ("W2", "b2"), "hidden_layer": ("W1", "b1")}

# (rows, epochs, lr) of the graded training runs; the sizes d, h, K are drawn per run.
TRAIN_RUNS = [(5, 6, 0.8), (4, 5, 1.5), (7, 4, 0.5)]

# Logits far beyond exp's range (e^710 overflows float64): a softmax without its max shift returns
# nan there, one shifted by the largest entry of the whole matrix returns nan for the other rows.
LARGE = 1000.0


def shapes(d: int, h: int, K: int) -> dict[str, tuple[int, ...]]:
    return {"W1": (d, h), "b1": (h,), "W2": (h, K), "b2": (K,)}


def sizes_of(params: dict) -> tuple[int, int, int]:
    """(d, h, K) read off the parameters."""
    d, h = np.shape(params["W1"])
    return int(d), int(h), int(np.shape(params["W2"])[1])


def random_sizes(rng: np.random.Generator, n: int | None = None) -> tuple[int, int, int, int]:
    """(n, d, h, K): K in {3, 4, 5}, n in 3..7 with n ≠ K, d in 2..4 and h in 3..6, all of d, h, K different."""
    K = int(rng.integers(3, 6))
    if n is None:
        n = int(rng.choice([m for m in range(3, 8) if m != K]))
    d = int(rng.choice([m for m in range(2, 5) if m != K]))
    h = int(rng.choice([m for m in range(3, 7) if m not in (K, d)]))
    return n, d, h, K


def random_params(rng: np.random.Generator, d: int, h: int, K: int, scale: float = 1.2) -> dict[str, np.ndarray]:
    size = d * h + h + h * K + K
    v = points._spread(rng, -scale, scale, size, min_gap=0.3 * scale / size) * rng.choice([-1.0, 1.0], size)
    cut = np.cumsum([d * h, h, h * K])
    W1, b1, W2, b2 = np.split(v, cut)
    return {"W1": W1.reshape(d, h), "b1": b1 / 2, "W2": W2.reshape(h, K), "b2": b2 / 2}


def random_labels(rng: np.random.Generator, n: int, K: int, top: bool = True) -> np.ndarray:
    """n class indices in 0..K−1 with at least two classes; `top=False`: class K − 1 absent (so K cannot
    be read off the labels)."""
    high = K if top else K - 1
    labels = rng.integers(0, high, n)
    labels[:2] = [high - 1, 0]
    return labels.astype(np.int64)


def one_hot(labels, K: int) -> np.ndarray:
    """The grader's own one-hot (used to build inputs, never to judge `one_hot`: the oracle does that)."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.zeros((len(labels), K))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def random_batch(rng: np.random.Generator, n: int, d: int, K: int, top: bool = True):
    """(X (n, d), labels (n,), Y (n, K))."""
    X = rng.uniform(-2.0, 2.0, (n, d))
    labels = random_labels(rng, n, K, top)
    return X, labels, one_hot(labels, K)


def random_logits(rng: np.random.Generator, n: int, K: int, large: str = "") -> np.ndarray:
    """Logits (n, K); `large`: "up" puts row 0 near +LARGE, "down" puts every row near −LARGE."""
    Z = rng.uniform(-3.0, 3.0, (n, K))
    if large == "up":
        Z[0] += LARGE
    elif large == "down":
        Z -= LARGE
    return Z


def cases(exercise: str) -> list[dict]:
    """Four seeded cases of random sizes. Softmax and forward include logits beyond exp's range."""
    rng = points.rng_for("softmax", exercise)
    out: list[dict] = []
    for k in range(4):
        n, d, h, K = random_sizes(rng)
        if exercise == "one_hot":
            out.append({"labels": random_labels(rng, n, K, top=k != 1), "K": K})
        elif exercise == "softmax":
            out.append({"Z": random_logits(rng, n, K, {1: "up", 2: "down"}.get(k, ""))})
        elif exercise == "cross_entropy":
            X, labels, Y = random_batch(rng, n, d, K)
            Z = random_logits(rng, n, K)
            P = np.exp(Z - Z.max(axis=1, keepdims=True))
            out.append({"Y": Y, "P": P / P.sum(axis=1, keepdims=True)})
        else:
            X, labels, Y = random_batch(rng, n, d, K)
            params = random_params(rng, d, h, K)
            if exercise == "forward" and k == 1:
                params["b2"] = params["b2"] + LARGE  # every logit beyond exp's range
            out.append({"X": X, "Y": Y, "params": params})
    return out


def train_runs() -> list[dict]:
    """The graded training runs: labels as class indices; the second run lacks class K − 1."""
    rng = points.rng_for("softmax", "train")
    out = []
    for k, (rows, epochs, lr) in enumerate(TRAIN_RUNS):
        n, d, h, K = random_sizes(rng, rows)
        X, labels, _ = random_batch(rng, n, d, K, top=k != 1)
        out.append({"X": X, "labels": labels, "params": random_params(rng, d, h, K), "lr": lr, "epochs": epochs})
    return out


def plain(case: dict) -> dict:
    """The case as JSON-ready values (what the hidden checks read)."""
    out = {}
    for k, v in case.items():
        if k == "params":
            out[k] = {name: np.asarray(p).tolist() for name, p in v.items()}
        elif isinstance(v, np.ndarray):
            out[k] = v.tolist()
        else:
            out[k] = v
    return out


def arrays(plain_params: dict) -> dict[str, np.ndarray]:
    return {k: np.array(plain_params[k], dtype=np.float64) for k in NAMES}


def _copy(params):
    return {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}


def _changed(before: dict, after) -> list[str]:
    """The parameters changed in place (`after` None: not readable back, which says nothing)."""
    if not isinstance(after, dict):
        return []
    return [k for k in NAMES if k in after and not _same(before[k], after[k])]


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return False


def record(exercise: str, namespace: dict, standins: dict) -> dict:
    function = GRADED_BY[exercise]
    probe: dict = {"exercise": exercise, "function": function}
    fn = namespace.get(function)
    if fn is None:
        probe["missing"] = f"no function named {function!r} is defined in your notebook"
        return probe
    recorded, call = [], calls.Caller(fn, seconds=10.0 if exercise == "train" else calls.CALL_SECONDS)
    if exercise == "one_hot":
        for c in cases(exercise):
            recorded.append({**plain(c), **call(c["labels"].copy(), c["K"])})
    elif exercise == "softmax":
        for c in cases(exercise):
            recorded.append({**plain(c), **call(c["Z"].copy())})
    elif exercise == "cross_entropy":
        for c in cases(exercise):
            recorded.append({**plain(c), **call(c["Y"].copy(), c["P"].copy())})
    elif exercise == "forward":
        with calls.replaced(namespace, softmax=standins["softmax_pieces"].softmax):
            for c in cases(exercise):
                recorded.append({**plain(c), **call(c["X"].copy(), _copy(c["params"]))})
    elif exercise in LAYER_PARAMS:
        for c in cases(exercise):
            P, cache = standins["softmax_forward"].forward(c["X"], c["params"])
            result = call(c["Y"].copy(), P, {k: v.copy() for k, v in cache.items()}, _copy(c["params"]), after=(3,))
            given = result.pop("_after", [None])[0]
            recorded.append({**plain(c), **result, "mutated": _changed(c["params"], given)})
    else:
        pieces = standins["softmax_pieces"]
        with calls.replaced(namespace, one_hot=pieces.one_hot, softmax=pieces.softmax,
                            cross_entropy=pieces.cross_entropy, forward=standins["softmax_forward"].forward,
                            backward=standins["softmax_backward"].backward):
            for c in train_runs():
                recorded.append({**plain(c), **call(c["X"].copy(), c["labels"].copy(), _copy(c["params"]), c["lr"],
                                                    c["epochs"])})
    probe["cases"] = recorded
    return probe
