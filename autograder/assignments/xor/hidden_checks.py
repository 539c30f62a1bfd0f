"""Hidden checks for XOR (batched sigmoid 2-2-1): forward, the two layers' gradients, the loop.

Expected values are the mean of the sympy oracle's per-sample values at the probe's inputs
(XOR from the known-good start, then random batches of 3, 5 and 7 rows).
"""

import pytest

from autograder.assignments.common import mutations
from autograder.assignments.xor import definition as xor
from autograder.engine import judge

pytestmark = pytest.mark.assignment("xor")


def where(case, k: int) -> str:
    if k == 0:
        return "the XOR data from the known-good start"
    p = case["params"]
    return (f"hidden batch {k} ({len(case['X'])} rows, X[0] = {judge.fmt(case['X'][0])}, "
            f"W1 = {judge.fmt(p['W1'])}, W2 = {judge.fmt(p['W2'])})")


@pytest.mark.exercise("forward")
def test_forward_output(probe):
    cases = judge.cases(probe)
    actual = [judge.as_array(judge.values(judge.returned(c, "forward"), "forward", "(Y_hat, cache)")[0], "Y_hat",
                             (len(c["X"]), 1)) for c in cases]
    expected = [xor.forward(c["X"], xor.arrays(c["params"]))[0] for c in cases]
    judge.check_values("Y_hat", actual, expected, [where(c, k) for k, c in enumerate(cases)], seed_first=False)


@pytest.mark.exercise("forward")
def test_forward_cache(probe):
    cases = judge.cases(probe)
    for key in ("Z1", "H"):
        actual = [judge.as_array(judge.field(judge.values(judge.returned(c, "forward"), "forward", "(Y_hat, cache)")[1], key,
                                             "The cache"), f"cache[{key!r}]", (len(c["X"]), 2)) for c in cases]
        caches = [xor.forward(c["X"], xor.arrays(c["params"]))[1] for c in cases]
        others = {f"cache[{o!r}]": [cache[o] for cache in caches] for o in ("Z1", "H") if o != key}
        judge.check_values(f"cache[{key!r}]", actual, [cache[key] for cache in caches],
                           [where(c, k) for k, c in enumerate(cases)], seed_first=False, chain=judge.Chain(others=others))


@pytest.mark.exercise("output_layer", "hidden_layer")
@pytest.mark.parametrize("position", [0, 1], ids=["weights", "bias"])
def test_layer_gradient(probe, position):
    cases = judge.cases(probe)
    name = xor.LAYER_PARAMS[probe["exercise"]][position]
    label = f"∂L/∂{name}"
    encoded = [judge.field(judge.returned(c, "backward"), name, "The dict backward returns") for c in cases]
    batches = [mutations.batch(c["X"], c["Y"], c["params"], "sigmoid", "sigmoid", "squared error") for c in cases]
    axis = mutations.wrong_axis(label, batches, name, encoded) if name in ("b1", "b2") else None
    if axis is not None:
        raise judge.Wrong(f"{label} has shape {tuple(encoded[0]['shape'])}; it must have shape {xor.SHAPES[name]}.\n"
                          + axis[1], axis[0])
    actual = [judge.as_array(enc, label, xor.SHAPES[name]) for enc in encoded]

    def at(**kwargs):
        return [xor.gradients(c["X"], c["Y"], xor.arrays(c["params"]), **kwargs)[name] for c in cases]

    variants = [(m, text, lambda kw=kw: at(**kw)) for m, text, kw in xor.mistakes()]
    right = at()
    judge.check_values(label, actual, right, [where(c, k) for k, c in enumerate(cases)], variants, seed_first=False,
                       chain=judge.Chain(batch=[len(c["X"]) for c in cases]),
                       search=lambda: mutations.explain(label, mutations.search(batches, name, actual, right))
                       or mutations.across_calls(label, actual, right))
    for case in cases:
        if case.get("mutated"):
            raise judge.Wrong(f"backward() changed params[{case['mutated'][0]!r}] in place; it must only read them.",
                              "parameters changed in place")


def _run(case, **kwargs):
    return xor.train(case["X"], case["Y"], xor.arrays(case["params"]), case["lr"], case["epochs"], **kwargs)


def _outputs(case):
    losses_enc, params_enc = judge.values(judge.returned(case, "train"), "train", "(losses, params)")
    losses = judge.losses(losses_enc, "losses", case["epochs"])
    params = {k: judge.as_array(judge.field(params_enc, k, "The parameters train returns"), k, xor.SHAPES[k])
              for k in xor.NAMES}
    return losses, params


def _where_run(case, k):
    return f"training run {k + 1} ({len(case['X'])} rows, {case['epochs']} epochs, lr = {case['lr']:g})"


@pytest.mark.exercise("train")
@pytest.mark.parametrize("what", ["losses", *xor.NAMES])
def test_train(probe, what):
    cases = judge.cases(probe)

    def pick(run):
        return run[0] if what == "losses" else run[1][what]

    actual = [(lambda o: o[0] if what == "losses" else o[1][what])(_outputs(c)) for c in cases]
    variants = [(m, text, lambda kw=kw: [pick(_run(c, **kw)) for c in cases]) for m, text, kw in xor.mistakes()]
    variants.append(("loss measured after the update",
                     "Record each epoch's loss from the forward pass before the update.",
                     lambda: [pick(_run(c, loss_after=True)) for c in cases]))
    variants.append(("parameters never kept", "Keep the new parameters (params = ...) or every epoch starts "
                     "again from the initial ones and the loss never moves.", lambda: [pick(_run(c, keep=False))
                                                                                       for c in cases]))
    for key, (m, text, _) in xor.LOSS_SLIPS.items():
        variants.append((m, text, lambda key=key: [pick(_run(c, epoch_loss=key)) for c in cases]))
    variants.append(("training restarted every epoch", "Every epoch started again from the initial parameters "
                     "(the new ones never reached the next epoch): the losses are all the first epoch's and the final "
                     "parameters those of one step. Carry the parameters from one epoch to the next (params = …).",
                     lambda: [pick(_run(c, restart=True)) for c in cases]))
    variants.append(("output layer updated before the hidden gradients",
                     "Compute every gradient of the epoch from the same parameters, then update them all: the hidden "
                     "layer's gradients were computed after W2 and b2 had already moved.",
                     lambda: [pick(_run(c, output_first=True)) for c in cases]))
    variants.append(("gradient ascent", "θ ← θ − lr·∂L/∂θ: subtract the gradient, it points uphill.",
                     lambda: [pick(xor.train(c["X"], c["Y"], xor.arrays(c["params"]), -c["lr"], c["epochs"]))
                              for c in cases]))
    label = "the loss curve" if what == "losses" else f"the final {what}"
    judge.check_values(label, actual, [pick(_run(c)) for c in cases], [_where_run(c, k) for k, c in enumerate(cases)],
                       variants, seed_first=False)
    for case in cases:  # the right final value, written into the caller's own array: this check fails
        if what in case.get("mutated", ()):
            raise judge.Wrong(mutations.TRAIN_ALIASING.format(what), "caller's parameters changed in place")

