"""Hidden checks for the chain-rule warm-up: each link of the chain on its own.

Expected values come from `autograder.assignments.warmup.definition`, which differentiates the one-neuron loss
with sympy at the probe's inputs, every time.
"""

import numpy as np
import pytest

from autograder.assignments.common import mutations
from autograder.assignments.warmup import definition as warmup
from autograder.engine import judge

pytestmark = pytest.mark.assignment("warmup")


def where(case, k: int) -> str:
    name = "the notebook's example" if case["x"] == warmup.SEED_CASE["x"] else f"hidden case {k}"
    return (f"{name}, {case['activation']} neuron (x = {judge.fmt(case['x'])}, y = {judge.fmt(case['y'])}, "
            f"w = {case['w']:.6g}, b = {case['b']:.6g})")


def at(case, what: str) -> np.ndarray:
    return warmup.evaluate(case["activation"], what, case["x"], case["y"], case["w"], case["b"])


@pytest.mark.exercise(*warmup.FACTORS)
def test_chain_link(probe):
    cases, factor = judge.cases(probe), probe["exercise"]
    label = warmup.FACTOR_TEXT[factor]
    encoded = [judge.field(judge.returned(c, "chain_factors"), factor, "The dict chain_factors returns") for c in cases]
    _length_fixed_to_the_example(f"{factor} ({label})", encoded, cases)
    actual = [judge.as_array(enc, f"{factor} ({label})", (len(c["x"]),)) for enc, c in zip(encoded, cases, strict=True)]
    mistakes = {}
    for activation in warmup.ACTIVATIONS:
        for name, (explanation, _) in warmup.mistake_exprs(activation)[factor].items():
            mistakes[name] = explanation

    def variant(name):
        return [at(c, f"{factor}:{name}") if name in warmup.mistake_exprs(c["activation"])[factor] else at(c, factor)
                for c in cases]

    variants = [(name, text, lambda name=name: variant(name)) for name, text in mistakes.items()]
    for fixed in warmup.ACTIVATIONS:  # one branch taken whatever the argument says
        variants.append((f"{fixed} branch whatever the activation",
                         f"Your chain_factors computes the {fixed} neuron's links at every call, also when activation "
                         "names the other one: check how the activation argument chooses the branch.",
                         lambda fixed=fixed: [at({**c, "activation": fixed}, factor) for c in cases]))
    right = [at(c, factor) for c in cases]
    judge.check_values(f"{factor} ({label})", actual, right, [where(c, k) for k, c in enumerate(cases)], variants,
                       seed_first=False, search=lambda: mutations.across_calls(factor, actual, right))


def _length_fixed_to_the_example(what: str, encoded, cases) -> None:
    """A link returned with the notebook example's length at a case of another length, at every such case:
    its length is fixed in the code, not taken from x (np.ones(3) where np.ones_like(x) belongs)."""
    seed = len(warmup.SEED_CASE["x"])
    other = [(enc, c) for enc, c in zip(encoded, cases, strict=True) if len(c["x"]) != seed]
    if other and all(enc.get("kind") == "ndarray" and enc.get("shape") == [seed] for enc, _ in other):
        n = len(other[0][1]["x"])
        raise judge.Wrong(f"{what} has shape ({seed},) at a call with {n} samples; it must have shape ({n},). It has "
                          f"{seed} entries at every call, the number of samples in the notebook's example, whatever the "
                          "number of samples: its length is fixed in the code, not taken from x (np.ones_like(x), "
                          "not np.ones(" + str(seed) + ")).", "length fixed to the example's")


@pytest.mark.exercise("product")
@pytest.mark.parametrize("param", ["w", "b"])
def test_chain_product(probe, param):
    cases = judge.cases(probe)
    last = "dz_dw" if param == "w" else "dz_db"
    links = ("dL_dyhat", "dyhat_dz", last)
    factors = [{k: np.array(v, dtype=np.float64) for k, v in c["factors"].items()} for c in cases]
    actual = [judge.as_array(judge.field(judge.returned(c, "chain_product"), param, "The dict chain_product returns"),
                             f"∂L/∂{param}", (len(c["factors"]["dz_dw"]),)) for c in cases]
    expected = [np.prod([f[k] for k in links], axis=0) for f in factors]

    def without(link):
        return lambda: [np.prod([f[k] for k in links if k != link], axis=0) for f in factors]

    variants = [(f"{warmup.FACTOR_TEXT[link]} left out", "∂L/∂" + param + " is the product of all three links of its path.",
                 without(link)) for link in links]
    variants.append(("sum instead of product", "The chain rule multiplies the local derivatives.",
                     lambda: [np.sum([f[k] for k in links], axis=0) for f in factors]))
    for i, j in ((0, 1), (1, 2)):  # two neighbouring links added, the rest multiplied
        rest = [k for n, k in enumerate(links) if n not in (i, j)]
        variants.append((f"{warmup.FACTOR_TEXT[links[i]]} and {warmup.FACTOR_TEXT[links[j]]} added",
                         "The chain rule multiplies the local derivatives; these two were added.",
                         lambda i=i, j=j, rest=rest: [(f[links[i]] + f[links[j]]) * np.prod([f[k] for k in rest], axis=0)
                                                      for f in factors]))
    if param == "b":
        variants.append(("∂z/∂w used for the bias", "The bias path ends in ∂z/∂b, not ∂z/∂w.",
                         lambda: [f["dL_dyhat"] * f["dyhat_dz"] * f["dz_dw"] for f in factors]))
    judge.check_values(f"∂L/∂{param}", actual, expected, [f"factor set {k + 1}" for k in range(len(cases))],
                       variants, seed_first=False)


@pytest.mark.exercise("step")
@pytest.mark.parametrize("position,param", [(0, "w"), (1, "b")], ids=["w_new", "b_new"])
def test_step(probe, position, param):
    cases = judge.cases(probe)
    actual, expected, ascent, no_lr = [], [], [], []
    for c in cases:
        new = judge.values(judge.returned(c, "step"), "step", "(w_new, b_new)")
        actual.append(judge.as_array(new[position], f"{param}_new", ()))
        args = (c["x"], c["y"], c["w"], c["b"])
        expected.append(np.float64(warmup.reference_step(*args, c["lr"], c["activation"])[position]))
        ascent.append(np.float64(warmup.reference_step(*args, -c["lr"], c["activation"])[position]))
        no_lr.append(np.float64(warmup.reference_step(*args, 1.0, c["activation"])[position]))
    variants = [("gradient ascent", "Subtract the gradient: it points uphill.", lambda: ascent),
                (f"∂L/∂{param} taken after the other parameter's step",
                 f"∂L/∂{param} was computed at the other parameter's new value; take both gradients at the old (w, b), "
                 "then move both.", lambda: [_after_other_step(c, position) for c in cases]),
                ("learning rate missing", "The step is the gradient times the learning rate.", lambda: no_lr),
                (f"{param} not updated", f"{param}_new = {param} − lr·∂L/∂{param}: every parameter takes its step.",
                 lambda: [np.float64(c[param]) for c in cases])]
    where_ = [f"step {k + 1} ({c['activation']}, x = {c['x']:.4g}, y = {c['y']:.4g}, w = {c['w']:.4g}, "
              f"b = {c['b']:.4g}, lr = {c['lr']:.4g})" for k, c in enumerate(cases)]
    judge.check_values(f"{param}_new", actual, expected, where_, variants, seed_first=False)


def _after_other_step(case, position: int) -> np.float64:
    """The step with this parameter's gradient taken once the other one has moved (a reordered step)."""
    x, y, w, b, lr, act = case["x"], case["y"], case["w"], case["b"], case["lr"], case["activation"]
    if position == 1:
        w = warmup.reference_step(x, y, w, b, lr, act)[0]
        return np.float64(warmup.reference_step(x, y, w, b, lr, act)[1])
    b = warmup.reference_step(x, y, w, b, lr, act)[1]
    return np.float64(warmup.reference_step(x, y, w, b, lr, act)[0])


@pytest.mark.exercise("by_hand")
def test_formula_is_equivalent(probe):
    if "missing" in probe:
        raise AssertionError(probe["missing"][0].upper() + probe["missing"][1:] + ".")
    if "answer" not in probe:
        raise AssertionError(f"dL_dw_by_hand must be a sympy expression (or a string), not a {probe['answer_kind']}.")
    try:
        answer = warmup.parse_answer(probe["answer"])
    except ValueError as exc:
        raise AssertionError(f"dL_dw_by_hand = {probe['answer']!r} cannot be read: {exc}.") from None
    if warmup.s not in answer.free_symbols:
        raise AssertionError(f"dL_dw_by_hand = {answer} must be written with s = σ(w·x + b), x and y.")
    if warmup.equivalent(answer, warmup.by_hand_truth()):
        return
    message = f"dL_dw_by_hand = {answer} is not equivalent to ∂L/∂w of L = (y − σ(w·x + b))²."
    for name, (explanation, wrong) in warmup.by_hand_mistakes().items():
        if warmup.equivalent(answer, wrong):
            raise judge.known_mistake(message, name, explanation)
    found = warmup.by_hand_search(answer) or warmup.by_hand_relation(answer)
    if found is not None:
        raise judge.Wrong(f"{message}\n{found[1]}", found[0])
    raise judge.Wrong(message)
