"""How exact the grader's numbers are, measured: `backprop-course precision`.

Two questions, each over the kinds of points the grader draws (the recorders' own generators,
under many seeds) and, for the first, deliberately saturated ones too:

1. Is the float64 oracle the truth? Its values against `ground_truth` (mpmath, 50+ digits):
   the share of the promise REL·|t| + SUM_REL·size + FLOOR used, ≤ 1 everywhere.
2. Can a correct learner lose points to rounding? Each notebook's own solution, run on the
   grader's hidden points, against the oracle: the share of the judge's tolerance
   (judge.RTOL·|expected| + judge.ATOL) used, far below 1 everywhere.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.assignments.common import oracle, points
from autograder.assignments.common.network import NETWORKS, PARAM_NAMES
from autograder.assignments.layers import definition as layers
from autograder.assignments.layers.recorder import random_network
from autograder.assignments.two_layer import recorder as record_two_layer
from autograder.assignments.two_layer.reference import Reference
from autograder.assignments.warmup import definition as warmup
from autograder.assignments.warmup.recorder import factor_cases
from autograder.assignments.why import definition as why
from autograder.assignments.why.recorder import random_deep
from autograder.assignments.xor import definition as xor
from autograder.assignments.xor import recorder as record_xor
from autograder.engine import judge
from autograder.instruments import ground_truth
from autograder.instruments.samples import namespace_of

REPO = Path(__file__).resolve().parents[2]
LAYER_NETWORKS = ((3, "tanh"), (2, "relu"), (4, "sigmoid"), (2, "tanh"), (3, "sigmoid"))  # the recorders'
DEEP_NETWORKS = ((5, "sigmoid"), (4, "tanh"), (3, "relu"))


@dataclass
class Worst:
    """The largest share of an allowance seen, where, and the largest relative error."""

    what: str
    values: int = 0
    share: float = 0.0
    rel: float = 0.0
    where: str = ""

    def add(self, share: float, rel: float, where: str) -> None:
        self.values += 1
        if share > self.share or math.isnan(share):
            self.share, self.where = share, where
        self.rel = max(self.rel, rel)


# --- points ----------------------------------------------------------------------------------


def _magnitude(rng) -> float:
    """A pre-activation deep in saturation: ±(10 … 800), log-uniform."""
    return float(rng.choice([-1.0, 1.0]) * math.exp(rng.uniform(math.log(10), math.log(800))))


def _saturate_two_layer(rng, x, params: dict, which: str) -> dict:
    """The same network with z1 (which = "hidden"), z2 ("output") or both pushed into saturation."""
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    if which in ("hidden", "both"):
        p["b1"] = np.array([_magnitude(rng) for _ in p["b1"]]) - x @ p["W1"]
    if which in ("output", "both"):
        with np.errstate(over="ignore"):
            h = 1.0 / (1.0 + np.exp(-(x @ p["W1"] + p["b1"])))
        p["b2"] = np.float64(_magnitude(rng) - h @ p["W2"].reshape(-1))
    return p


def two_layer_points(name: str, seeds: range, saturated: bool = False) -> Iterator[tuple]:
    """(x, y, params) as the 2-2-1 recorders draw them; saturated: z1/z2 at |z| 10–800, y ∈ {0, 1}."""
    shape = points.NETS[name]
    for seed in seeds:
        with points.seeded(seed):
            cases = list(record_two_layer._cases(shape, "hidden_weights"))
        rng = np.random.default_rng([seed, 7])
        for k, (x, y, p) in enumerate(cases):
            if saturated:
                yield x, float(k % 2), _saturate_two_layer(rng, x, p, ("hidden", "output", "both")[k % 3])
            else:
                yield x, y, p


def xor_points(seeds: range, saturated: bool = False) -> Iterator[dict]:
    for seed in seeds:
        with points.seeded(seed):
            cases = record_xor.cases("hidden_layer")
        rng = np.random.default_rng([seed, 8])
        for k, case in enumerate(cases):
            if saturated:  # the hidden layer's z (odd cases) or the output's (even) to |z| 10–800
                p = case["params"]
                Z1 = case["X"] @ p["W1"] + p["b1"]
                Z = Z1 if k % 2 else oracle._numeric_sigmoid(Z1) @ p["W2"] + p["b2"]
                scale = abs(_magnitude(rng)) / max(1e-9, float(np.max(np.abs(Z))))
                which = ("W1", "b1") if k % 2 else ("W2", "b2")
                case = {**case, "params": {n: v * scale if n in which else v for n, v in p.items()}}
            yield case


def warmup_points(seeds: range, saturated: bool = False) -> Iterator[dict]:
    for seed in seeds:
        with points.seeded(seed):
            cases = [c for c in factor_cases("links") if c["activation"] == "sigmoid" or not saturated]
        rng = np.random.default_rng([seed, 9])
        for case in cases:
            if saturated:
                xs = np.asarray(case["x"])
                w = _magnitude(rng) / max(float(np.max(np.abs(xs))), 1e-9)
                case = {**case, "w": w, "y": [float(v) for v in rng.integers(0, 2, len(xs))]}
            yield case


def layer_points(seeds: range, saturated: bool = False, deep: bool = False) -> Iterator[dict]:
    """The networks of the general backward pass (deep: of the vanishing-gradient exercise);
    saturated: one layer's weights scaled until its largest |z| is 10–800."""
    for seed in seeds:
        rng = np.random.default_rng([seed, 10])
        for depth, hidden in DEEP_NETWORKS if deep else LAYER_NETWORKS:
            net = random_deep(rng, depth, hidden) if deep else random_network(rng, depth, hidden)
            net.setdefault("loss", "bce")
            if saturated:
                layer = int(rng.integers(1, depth + 1)) if rng.random() < 0.5 else depth
                _, caches = layers.model_forward(net["X"], net["params"], net["activations"])
                scale = _magnitude(rng) / max(1e-9, float(np.max(np.abs(caches[layer - 1][1][0]))))
                net["params"][f"W{layer}"] = net["params"][f"W{layer}"] * abs(scale)
                net["params"][f"b{layer}"] = net["params"][f"b{layer}"] * abs(scale)
            yield net


# --- 1. the oracle against the truth ----------------------------------------------------------


def _against_truth(worst: Worst, values: dict, truth: dict, where: str) -> None:
    for key, value in values.items():
        share, rel = ground_truth.error(value, truth[key], truth.get(f"|{key}|"))
        worst.add(share, rel, f"{where}, {key}")


def oracle_sweep(draws: int) -> list[Worst]:
    """The oracle of every assignment against the truth at `draws` seeds' points of each kind."""
    seeds = range(draws)
    out = []
    for name, net in NETWORKS.items():
        for saturated in (False, True) if name == "classification" else (False,):
            worst = Worst(f"{name} 2-2-1" + (", saturated" if saturated else ""))
            for x, y, p in two_layer_points(name, seeds, saturated):
                truth = ground_truth.two_layer(net, x, y, p)
                y_hat = oracle.forward(net, x, p)[0]
                _against_truth(worst, {**oracle.gradients(net, x, y, p), "y_hat": y_hat,
                                       "loss": oracle.loss(net, x, y, p)}, truth, f"x={x.tolist()}, y={y}")
            out.append(worst)
    for saturated in (False, True):
        worst = Worst("xor batch" + (", saturated" if saturated else ""))
        for case in xor_points(seeds, saturated):
            truth = ground_truth.xor_batch(case["X"], case["Y"], case["params"])
            _against_truth(worst, xor.gradients(case["X"], case["Y"], case["params"]), truth, f"{len(case['X'])} rows")
        out.append(worst)
    for saturated in (False, True):
        worst = Worst("warm-up neuron" + (", saturated" if saturated else ""))
        for c in warmup_points(seeds, saturated):
            truth = ground_truth.neuron(c["activation"], c["x"], c["y"], c["w"], c["b"])
            values = {k: warmup.evaluate(c["activation"], k, c["x"], c["y"], c["w"], c["b"]) for k in truth}
            _against_truth(worst, values, truth, f"{c['activation']}, w={c['w']:.4g}")
        out.append(worst)
    for deep in (False, True):
        for saturated in (False, True):
            worst = Worst(("deep networks (why)" if deep else "layer networks") + (", saturated" if saturated else ""))
            for net in layer_points(seeds, saturated, deep):
                args = (net["X"], net["Y"], net["params"], net["activations"], net["loss"])
                truth = ground_truth.network(*args)
                _against_truth(worst, {**layers.gradients(*args), "loss": layers.full_loss(*args)}, truth,
                               f"{net['activations']}, {net['loss']}")
            out.append(worst)
    return out


# --- 2. a correct learner against the oracle --------------------------------------------------


def solution(assignment: str) -> dict:
    """The namespace of the assignment's source notebook with its solution cells run (not its tests)."""
    import matplotlib

    matplotlib.use("Agg")
    return namespace_of(REPO / "source" / assignment / f"{assignment}.ipynb")


def _judged(worst: Worst, got, expected, where: str) -> None:
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        worst.add(math.inf, math.inf, f"{where}: shape {got.shape}, expected {expected.shape}")
        return
    diff = np.abs(got - expected)
    share = float(np.max(diff / (judge.ATOL + judge.RTOL * np.abs(expected)), initial=0.0))
    big = np.abs(expected) > judge.ATOL / judge.RTOL  # where the relative part of the tolerance decides
    rel = float(np.max(diff[big] / np.abs(expected[big]), initial=0.0))
    worst.add(share if np.all(np.isfinite(got)) else math.inf, rel, where)


def _seeds(draws: int, per_seed: int) -> range:
    """Enough seeds for at least `draws` points when each seed gives `per_seed`."""
    return range(math.ceil(draws / per_seed))


def _judged_run(worst: Worst, got: tuple, want: tuple, where: str) -> None:
    """A training run: (losses, final parameters) against the oracle's."""
    _judged(worst, got[0], want[0], f"{where}, losses")
    for k in PARAM_NAMES:
        _judged(worst, got[1][k], want[1][k], f"{where}, {k}")


def learner_sweep(draws: int) -> list[Worst]:
    """Each notebook's solution at ≥ `draws` hidden points (networks, samples) of every kind,
    drawn as the recorders draw them under as many seeds, against the oracle."""
    out = []
    with np.errstate(all="ignore"):
        for name, net in NETWORKS.items():
            ns, worst = solution(name), Worst(f"{name}: forward, backward")
            for x, y, p in two_layer_points(name, _seeds(draws, 1 + record_two_layer.N_POINTS)):
                y_hat, cache = ns["forward"](x.copy(), {k: np.array(v) for k, v in p.items()})
                grads = ns["backward"](y, y_hat, cache, {k: np.array(v) for k, v in p.items()})
                expected = oracle.gradients(net, x, y, p)
                _judged(worst, y_hat, oracle.forward(net, x, p)[0], "ŷ")
                for k in PARAM_NAMES:
                    _judged(worst, grads[k], expected[k], f"x={x.tolist()}, y={y}, ∂L/∂{k}")
            out.append(worst)
            worst = Worst(f"{name}: training runs")
            for seed in _seeds(draws // 10, len(record_two_layer.TRAIN_RUNS[name])):
                with points.seeded(seed):
                    rng = points.rng_for(name, "train")
                    for rows, epochs, lr in record_two_layer.TRAIN_RUNS[name]:
                        shape = points.NETS[name]
                        X, y = points.inputs(rng, shape, rows), points.targets(rng, shape, rows)
                        p = points.params(rng, shape, 0.3)
                        got = ns["train"](X.copy(), y.copy(), {k: np.array(v) for k, v in p.items()}, lr, epochs)
                        _judged_run(worst, got, Reference(net).train(X, y, p, lr, epochs), f"{rows} rows, {epochs} epochs")
            out.append(worst)
        ns, worst = solution("xor"), Worst("xor: forward, backward")
        for case in xor_points(_seeds(draws, 4)):
            X, Y, p = case["X"], case["Y"], case["params"]
            Y_hat, cache = ns["forward"](X.copy(), {k: np.array(v) for k, v in p.items()})
            grads, expected = ns["backward"](Y.copy(), Y_hat, cache, p), xor.gradients(X, Y, p)
            _judged(worst, Y_hat, xor.forward(X, p)[0], "Ŷ")
            for k in PARAM_NAMES:
                _judged(worst, grads[k], expected[k], f"{len(X)} rows, ∂L/∂{k}")
        out.append(worst)
        worst = Worst("xor: training runs")
        for seed in _seeds(draws // 10, len(record_xor.TRAIN_RUNS)):
            with points.seeded(seed):
                rng = points.rng_for("xor", "train")
                for rows, epochs, lr in record_xor.TRAIN_RUNS:
                    X, Y = record_xor.random_batch(rng, rows)
                    p = record_xor.random_params(rng)
                    got = ns["train"](X.copy(), Y.copy(), {k: v.copy() for k, v in p.items()}, lr, epochs)
                    _judged_run(worst, got, xor.train(X, Y, p, lr, epochs), f"{rows} rows, {epochs} epochs")
        out.append(worst)
        ns, worst = solution("warmup"), Worst("warm-up: links and their product")
        for c in warmup_points(_seeds(draws, 8)):
            xs, ys = np.asarray(c["x"]), np.asarray(c["y"])
            factors = ns["chain_factors"](xs.copy(), ys.copy(), c["w"], c["b"], c["activation"])
            product = ns["chain_product"](factors)
            for k in ("dL_dyhat", "dyhat_dz", "dz_dw", "dz_db"):
                _judged(worst, factors[k], warmup.evaluate(c["activation"], k, xs, ys, c["w"], c["b"]), k)
            for k, key in (("w", "dL_dw"), ("b", "dL_db")):
                _judged(worst, product[k], warmup.evaluate(c["activation"], key, xs, ys, c["w"], c["b"]), key)
        out.append(worst)
        ns, worst = solution("layers"), Worst("layers: the whole network")
        for net in layer_points(_seeds(draws, len(LAYER_NETWORKS))):
            X, Y, acts, kind = net["X"], net["Y"], net["activations"], net["loss"]
            Y_hat, caches = ns["model_forward"](X.copy(), {k: v.copy() for k, v in net["params"].items()}, list(acts))
            grads = ns["model_backward"](ns["loss_forward_backward"](Y_hat, Y.copy(), kind)[1], caches)
            expected = layers.gradients(X, Y, net["params"], acts, kind)
            for k in expected:
                _judged(worst, grads[k], expected[k], f"{acts}, {kind}, ∂L/∂{k}")
        out.append(worst)
        worst = Worst("layers: activation slopes")
        for seed in _seeds(draws, len(layers.KINDS)):
            rng = np.random.default_rng([seed, 11])
            for kind in layers.KINDS:
                Z, dA = rng.normal(0, 2, (4, 3)), rng.normal(size=(4, 3))  # as the recorder draws them
                A, cache = ns["activation_forward"](Z.copy(), kind)
                _judged(worst, A, layers.activation_forward(Z, kind)[0], f"{kind} forward")
                _judged(worst, ns["activation_backward"](dA.copy(), cache),
                        layers.activation_backward(dA, (Z, kind)), f"{kind} backward")
        out.append(worst)
        ns, worst = solution("why"), Worst("why: gradient norms per layer")
        from autograder.assignments.why import standin as why_standin

        ns["network_gradients"] = why_standin.network_gradients  # as the recorder hands it over
        for net in layer_points(_seeds(draws, len(DEEP_NETWORKS)), deep=True):
            args = (net["X"], net["Y"], net["params"], net["activations"])
            _judged(worst, ns["layer_gradient_norms"](*[a.copy() if hasattr(a, "copy") else a for a in args]),
                    why.reference_norms(*args), f"{net['activations']}")
        out.append(worst)
    return out


# --- the report -------------------------------------------------------------------------------


def report(truth_draws: int, learner_draws: int) -> tuple[str, bool]:
    """The two tables as text, and whether every promise held."""
    start = time.perf_counter()
    truth = oracle_sweep(truth_draws)
    middle = time.perf_counter()
    learner = learner_sweep(learner_draws)
    end = time.perf_counter()
    lines = [f"Oracle against mpmath ({ground_truth.DIGITS}+ digits), the points of {truth_draws} seeds per kind "
             f"({middle - start:.0f} s); allowance {ground_truth.REL:g}·|truth| + {ground_truth.SUM_REL:g}·terms "
             f"+ {ground_truth.FLOOR:g}:",
             f"  {'points':38} {'values':>8} {'share used':>11} {'worst rel. error':>17}"]
    lines += [f"  {w.what:38} {w.values:>8} {w.share:>11.3g} {w.rel:>17.3g}" for w in truth]
    lines += ["", f"Notebook solutions against the oracle, at least {learner_draws} hidden points per kind "
              f"({end - middle:.0f} s); judge tolerance {judge.RTOL:g}·|expected| + {judge.ATOL:g}:",
              f"  {'exercise':38} {'values':>8} {'share used':>11} {'worst rel. error':>17}  margin"]
    lines += [f"  {w.what:38} {w.values:>8} {w.share:>11.3g} {w.rel:>17.3g}  "
              f"{(1 / w.share if w.share else math.inf):.3g}×" for w in learner]
    worst_truth = max(truth, key=lambda w: w.share)
    worst_learner = max(learner, key=lambda w: w.share)
    lines += ["", f"Largest share of the oracle's promise: {worst_truth.share:.3g} ({worst_truth.what}: {worst_truth.where})",
              f"Largest share of the judge's tolerance: {worst_learner.share:.3g} "
              f"({worst_learner.what}: {worst_learner.where})"]
    ok = worst_truth.share <= 1.0 and worst_learner.share <= 1.0
    return "\n".join(lines), ok
