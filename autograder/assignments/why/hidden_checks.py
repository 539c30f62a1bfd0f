"""Hidden checks for "the why": the regime classifier, the stopping rule, per-layer gradient norms.

Expected answers come from the definitions in `autograder.assignments.why.definition` (the notebook states them word for
word) applied to curves the oracle trains on hidden data, and to curves on each rule's boundary.
"""

import numpy as np
import pytest

from autograder.assignments.layers import definition as layers
from autograder.assignments.why import definition as why
from autograder.engine import judge

pytestmark = pytest.mark.assignment("why")


def _answer(case) -> str:
    enc = judge.returned(case, "lr_regime")
    if enc["kind"] != "str" or enc["value"] not in why.REGIMES:
        raise AssertionError(f"lr_regime() must return one of {', '.join(map(repr, why.REGIMES))}; "
                             f"got {judge.describe(enc)} for the curve '{case['name']}'.")
    return enc["value"]


def _check_regimes(cases, all_cases):
    wrong = []
    for c in cases:
        losses = [float(v) for v in c["losses"]]
        got, want = _answer(c), why.regime(losses)
        if got != want:
            shown = judge.fmt(losses) if len(losses) <= 6 else judge.fmt(losses[:4])[:-1] + ", …]"
            wrong.append(f"'{c['name']}' ({len(losses)} epochs: {shown}): expected {want!r}, got {got!r}")
    if not wrong:
        return
    message = "lr_regime() classified these curves wrongly:\n    " + "\n    ".join(wrong)
    answers = [_answer(c) for c in all_cases]
    for name, explanation in why.MISREADINGS.items():
        if answers == [why.regime([float(v) for v in c["losses"]], name) for c in all_cases]:
            raise judge.known_mistake(message, name, explanation)
    raise AssertionError(message + "\nApply the notebook's rules in their order: diverges, oscillates, slow, converges.")


@pytest.mark.exercise("regime")
def test_regimes_of_training_runs(probe):
    cases = judge.cases(probe)
    _check_regimes([c for c in cases if c["name"].startswith("hidden data")], cases)


@pytest.mark.exercise("regime")
def test_regimes_on_the_rules_boundaries(probe):
    cases = judge.cases(probe)
    _check_regimes([c for c in cases if not c["name"].startswith("hidden data")], cases)


def _stop(case):
    epoch_enc, losses_enc = judge.values(judge.returned(case, "train_until"), "train_until", "(stop_epoch, losses)")
    if epoch_enc["kind"] != "scalar" or float(epoch_enc["value"]) != int(float(epoch_enc["value"])):
        raise AssertionError(f"stop_epoch must be a whole number (the last epoch run), got {judge.describe(epoch_enc)}.")
    return int(float(epoch_enc["value"])), losses_enc


_EXPECTED: dict = {}  # both stopping checks, and every misreading tried, train the same runs: once each


def _expected(case, misreading=None):
    key = (repr((case["X"], case["y"])), case["lr"], case["tol"], case["max_epochs"], misreading)
    if key not in _EXPECTED:
        if len(_EXPECTED) > 64:  # one notebook's runs at most: a worker judging thousands keeps no more
            _EXPECTED.clear()
        _EXPECTED[key] = why.train_until(np.array(case["X"]), np.array(case["y"]), why.init_params(), case["lr"],
                                         case["tol"], case["max_epochs"], misreading=misreading)
    return _EXPECTED[key]


def _where(case, k):
    return f"run {k + 1} (hidden 5-row data, lr = {case['lr']:g}, tol = {case['tol']:g}, max_epochs = {case['max_epochs']})"


@pytest.mark.exercise("stopping")
def test_stop_epoch(probe):
    for k, c in enumerate(judge.cases(probe)):
        (got, losses_enc), (want, losses) = _stop(c), _expected(c)
        if got != want:
            message = (f"train_until() stopped after epoch {got} in {_where(c, k)}; the rule stops after epoch {want} "
                       f"(|L_e − L_(e−1)| = {abs(losses[-1] - losses[-2]) if want > 1 else 0:.3g}).")
            ran = len(losses_enc.get("items", losses_enc.get("data", [])))
            if ran == want and abs(got - want) == 1:
                raise judge.Wrong(message + f" Your losses stop at the right epoch, but the count you return is "
                                  f"{got}: return the number of epochs run, len(losses).", "epoch count off by one")
            if got == want + 1:
                raise judge.Wrong(message + " You ran one epoch more than the rule: stop right after the epoch that "
                                  "meets it.", "one epoch late")
            if got == want - 1:
                raise judge.Wrong(message + " You stopped one epoch early: e is the epoch whose loss L_e was just "
                                  "computed.", "one epoch early")
            for name, explanation in why.STOP_MISREADINGS.items():
                if all(_stop(d)[0] == _expected(d, name)[0] for d in judge.cases(probe)):
                    raise judge.known_mistake(message, name, explanation)
            raise judge.Wrong(message)


@pytest.mark.exercise("stopping")
def test_stop_losses(probe):
    cases = judge.cases(probe)
    actual, expected = [], []
    for c in cases:
        want = _expected(c)[1]
        actual.append(judge.losses(_stop(c)[1], "losses", len(want)))
        expected.append(want)
    judge.check_values("losses", actual, expected, [_where(c, k) for k, c in enumerate(cases)], seed_first=False)


@pytest.mark.exercise("gradient_norms")
def test_gradient_norms(probe):
    cases = judge.cases(probe)
    actual, expected, where, args_of = [], [], [], []
    for c in cases:
        args = (np.array(c["X"]), np.array(c["Y"]), layers.arrays(c["params"]), c["activations"])
        args_of.append(args)
        want = why.reference_norms(*args)
        actual.append(judge.as_array(judge.returned(c, "layer_gradient_norms"), "the norms", want.shape))
        expected.append(want)
        where.append(f"a {len(c['activations'])}-layer {c['activations'][0]} network, batch of {len(c['X'])}")
    variants = [("squared norms", "The Frobenius norm is the square root of the sum of squares.",
                 lambda: [e ** 2 for e in expected]),
                ("layers in reverse order", "Entry 0 is layer 1 (next to the input), the last entry the output layer.",
                 lambda: [e[::-1] for e in expected]),
                ("spectral norm", "‖·‖ here is the Frobenius norm, √(Σ entries²) (np.linalg.norm's default for a "
                 "matrix), not the largest singular value (ord=2).",
                 lambda: [why.reference_norms(*a, order=2) for a in args_of]),
                ("norms of ∂L/∂b", "The norms are of the weight gradients ∂L/∂W_l, not of the bias gradients.",
                 lambda: [why.reference_norms(*a, of="b") for a in args_of])]
    judge.check_values("the array of per-layer norms ‖∂L/∂W_l‖", actual, expected, where, variants, seed_first=False)
