"""Hidden checks for softmax (K-class, 2-layer tanh network, mean cross-entropy): one-hot targets, the
stable softmax, the loss, the forward pass, the two layers' gradients, the loop.

Expected values come from `autograder/softmax.py` (sympy, from the one definition) at the probe's
inputs: random sizes (K in {3, 4, 5}, non-square, batches of 3 to 7), logits beyond exp's range.
"""

import numpy as np
import pytest

from autograder.assignments.softmax import definition as softmax
from autograder.assignments.softmax.standin_pieces import ONE_HOT
from autograder.engine import judge

pytestmark = pytest.mark.assignment("softmax")


def where(case, k: int) -> str:
    if "Z" in case:
        Z = np.asarray(case["Z"])
        big = " with logits beyond exp's range" if np.max(np.abs(Z)) > 700 else ""
        return f"hidden logits {k + 1} ({Z.shape[0]} rows, K = {Z.shape[1]}{big}, Z[0] = {judge.fmt(Z[0])})"
    if "labels" in case and "X" not in case:
        return f"hidden labels {k + 1} ({judge.fmt(case['labels'])}, K = {case['K']})"
    if "P" in case:
        return f"hidden batch {k + 1} ({len(case['Y'])} rows, K = {len(case['Y'][0])})"
    d, h, K = softmax.sizes_of(case["params"])
    return f"hidden batch {k + 1} ({len(case['X'])} rows, d = {d}, h = {h}, K = {K}, X[0] = {judge.fmt(case['X'][0])})"


@pytest.mark.exercise("one_hot")
def test_one_hot(probe):
    cases = judge.cases(probe)
    actual = []
    for c in cases:
        enc, n, K = judge.returned(c, "one_hot"), len(c["labels"]), c["K"]
        top = max(c["labels"]) + 1
        if enc.get("kind") == "ndarray" and enc["shape"] == [n, top] and top != K:
            raise judge.Wrong(f"one_hot returned shape ({n}, {top}) for K = {K} at {where(c, cases.index(c))}: "
                              "K is the number of classes you are given, not the largest label plus one (a batch "
                              "may lack the last class).", "K read from the labels")
        actual.append(judge.as_array(enc, "the one-hot matrix", (n, K)))
    expected = [softmax.one_hot(c["labels"], c["K"]) for c in cases]
    variants = [("labels read as 1-based", "Class indices start at 0: label k is column k.",
                 lambda: [softmax.one_hot((np.asarray(c["labels"]) - 1) % c["K"], c["K"]) for c in cases])]
    judge.check_values("the one-hot matrix", actual, expected, [where(c, k) for k, c in enumerate(cases)], variants,
                       seed_first=False)


@pytest.mark.exercise("softmax")
def test_softmax(probe):
    cases = judge.cases(probe)
    actual = [judge.as_array(judge.returned(c, "softmax"), "softmax(Z)", np.shape(c["Z"])) for c in cases]
    expected = [softmax.softmax(c["Z"]) for c in cases]
    variants = [(name, text, lambda kw=kw: [softmax.softmax(c["Z"], **kw) for c in cases])
                for name, text, kw in softmax.SOFTMAX_MISTAKES]

    def over(shift_axis, sum_axis):
        out = []
        for c in cases:
            Z = np.asarray(c["Z"], dtype=np.float64)
            with np.errstate(all="ignore"):
                E = np.exp(Z - Z.max(axis=shift_axis, keepdims=True))
                out.append(E / E.sum(axis=sum_axis, keepdims=True))
        return out

    variants.append(("normalised over the columns", "Each row (one sample) sums to 1: max and sum along axis=1.",
                     lambda: over(0, 0)))
    variants.append(("normalised over the whole matrix", "Each row (one sample) sums to 1, not the whole batch: "
                     "max and sum along axis=1, keepdims=True.", lambda: over(1, None)))
    judge.check_values("softmax(Z)", actual, expected, [where(c, k) for k, c in enumerate(cases)], variants,
                       seed_first=False)


@pytest.mark.exercise("cross_entropy")
def test_cross_entropy(probe):
    cases = judge.cases(probe)
    actual = [judge.as_array(judge.returned(c, "cross_entropy"), "the loss", ()) for c in cases]
    expected = [softmax.mean_cross_entropy(c["Y"], c["P"]) for c in cases]
    variants = [("summed over the batch", "The loss is the mean over the rows: divide the sum by n.",
                 lambda: [softmax.mean_cross_entropy(c["Y"], c["P"], "sum") for c in cases]),
                ("mean over every entry", "Sum over the K classes, then average over the n rows: np.mean of the "
                 "whole (n, K) matrix divides by n·K.",
                 lambda: [softmax.mean_cross_entropy(c["Y"], c["P"], "entries") for c in cases])]
    judge.check_values("the loss", actual, expected, [where(c, k) for k, c in enumerate(cases)], variants,
                       seed_first=False)


def _forward_outputs(c):
    P, cache = judge.values(judge.returned(c, "forward"), "forward", "(P, cache)")
    return P, cache


@pytest.mark.exercise("forward")
@pytest.mark.parametrize("what", ["P", "Z1", "H", "Z2"])
def test_forward(probe, what):
    cases = judge.cases(probe)
    actual, expected = [], []
    for c in cases:
        P, cache = _forward_outputs(c)
        n, (_, h, K) = len(c["X"]), softmax.sizes_of(c["params"])
        shape = (n, K) if what in ("P", "Z2") else (n, h)
        enc = P if what == "P" else judge.field(cache, what, "The cache")
        actual.append(judge.as_array(enc, "P" if what == "P" else f"cache[{what!r}]", shape))
        P_ref, cache_ref = softmax.forward(c["X"], softmax.arrays(c["params"]))
        expected.append(P_ref if what == "P" else cache_ref[what])
    label = "P" if what == "P" else f"cache[{what!r}]"
    others = {}
    if what == "H":
        others = {"cache['Z1']": [softmax.forward(c["X"], softmax.arrays(c["params"]))[1]["Z1"] for c in cases]}
    judge.check_values(label, actual, expected, [where(c, k) for k, c in enumerate(cases)], seed_first=False,
                       chain=judge.Chain(others=others))


@pytest.mark.exercise("output_layer", "hidden_layer")
@pytest.mark.parametrize("position", [0, 1], ids=["weights", "bias"])
def test_layer_gradient(probe, position):
    cases = judge.cases(probe)
    name = softmax.LAYER_PARAMS[probe["exercise"]][position]
    label = f"∂L/∂{name}"
    actual = [judge.as_array(judge.field(judge.returned(c, "backward"), name, "The dict backward returns"), label,
                             softmax.shapes(*softmax.sizes_of(c["params"]))[name]) for c in cases]

    def at(**kwargs):
        return [softmax.gradients(c["X"], c["Y"], softmax.arrays(c["params"]), **kwargs)[name] for c in cases]

    variants = [(m, text, lambda kw=kw: at(**kw)) for m, text, kw in softmax.mistakes()]
    judge.check_values(label, actual, at(), [where(c, k) for k, c in enumerate(cases)], variants, seed_first=False,
                       chain=judge.Chain(batch=[len(c["X"]) for c in cases]))
    for case in cases:
        if case.get("mutated"):
            raise AssertionError(f"backward() changed params[{case['mutated'][0]!r}] in place; it must only read them.")


def _run(case, **kwargs):
    return softmax.train(case["X"], case["labels"], softmax.arrays(case["params"]), case["lr"], case["epochs"], **kwargs)


def _outputs(case):
    if ONE_HOT in case.get("error", ""):
        raise judge.Wrong(f"Your train() raised: {case['error']}", "index labels where one-hot belongs")
    if "not the largest label" in case.get("error", ""):
        raise judge.Wrong(f"Your train() raised: {case['error']}", "K read from the labels")
    losses_enc, params_enc = judge.values(judge.returned(case, "train"), "train", "(losses, params)")
    losses = judge.losses(losses_enc, "losses", case["epochs"])
    shapes = softmax.shapes(*softmax.sizes_of(case["params"]))
    params = {k: judge.as_array(judge.field(params_enc, k, "The parameters train returns"), k, shapes[k])
              for k in softmax.NAMES}
    return losses, params


def _where_run(case, k):
    d, h, K = softmax.sizes_of(case["params"])
    return (f"training run {k + 1} ({len(case['X'])} rows, d = {d}, h = {h}, K = {K}, {case['epochs']} epochs, "
            f"lr = {case['lr']:g}, labels {judge.fmt(case['labels'])})")


@pytest.mark.exercise("train")
@pytest.mark.parametrize("what", ["losses", *softmax.NAMES])
def test_train(probe, what):
    cases = judge.cases(probe)

    def pick(run):
        return run[0] if what == "losses" else run[1][what]

    actual = [pick(_outputs(c)) for c in cases]
    variants = [(m, text, lambda kw=kw: [pick(_run(c, **kw)) for c in cases]) for m, text, kw in softmax.train_mistakes()]
    variants.append(("gradient ascent", "θ ← θ − lr·∂L/∂θ: subtract the gradient, it points uphill.",
                     lambda: [pick(softmax.train(c["X"], c["labels"], softmax.arrays(c["params"]), -c["lr"],
                                                 c["epochs"])) for c in cases]))
    label = "the losses" if what == "losses" else f"the final {what}"
    judge.check_values(label, actual, [pick(_run(c)) for c in cases], [_where_run(c, k) for k, c in enumerate(cases)],
                       variants, seed_first=False)
