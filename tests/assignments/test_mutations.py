"""The mutation search (autograder/mutations.py): every generated wrong program is found again from its
values alone, the right values and unrelated wrong ones are never named, and state across calls is named
only when it holds at every call."""

import numpy as np
import pytest

from autograder.assignments.common import mutations, oracle
from autograder.assignments.common.network import NETWORKS
from autograder.assignments.xor import definition as xor
from autograder.engine import judge
from autograder.instruments.samples import replace

KINDS = {"regression": ("identity", "identity", "squared error"),
         "classification": ("sigmoid", "sigmoid", "cross-entropy")}


def _two_layer_cases(name: str, seed: int = 3) -> list[mutations.Case]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(5):
        x = rng.uniform(0.5, 9.5, 2)
        y = float(rng.uniform(2, 8)) if name == "regression" else float(rng.integers(0, 2))
        p = {"W1": rng.uniform(-0.8, 0.8, (2, 2)), "b1": rng.uniform(-0.8, 0.8, 2), "W2": rng.uniform(-0.8, 0.8, 2),
             "b2": np.float64(rng.uniform(-0.8, 0.8))}
        out.append(mutations.per_sample(x, y, p, *KINDS[name]))
    return out


def _xor_cases(seed: int = 4) -> list[mutations.Case]:
    rng = np.random.default_rng(seed)
    out = []
    for rows in (4, 3, 5, 7):
        X, Y = xor.random_batch(rng, rows)
        out.append(mutations.batch(X, Y, xor.random_params(rng), "sigmoid", "sigmoid", "squared error"))
    return out


def _params(case: mutations.Case) -> dict:
    return {"W1": case.W1, "b1": case.b1, "W2": case.W2.reshape(-1), "b2": np.float64(case.b2[0])}


@pytest.mark.parametrize("name", ["regression", "classification"])
def test_the_unchanged_chain_is_the_oracle(name):
    net = NETWORKS[name]
    for case in _two_layer_cases(name):
        right = oracle.gradients(net, case.X[0], case.Y[0, 0], _params(case))
        mine = mutations.gradients(case)
        for p, value in right.items():
            np.testing.assert_allclose(mine[p].reshape(np.shape(value)), value, rtol=1e-10, strict=True)


def test_the_unchanged_batch_chain_is_the_oracle():
    for case in _xor_cases():
        right = xor.gradients(case.X, case.Y, {"W1": case.W1, "b1": case.b1, "W2": case.W2, "b2": case.b2})
        mine = mutations.gradients(case)
        for p, value in right.items():
            np.testing.assert_allclose(mine[p].reshape(value.shape), value, rtol=1e-10, strict=True)


def _every_single_change(cases):
    table = mutations._links(cases[0])
    for link, alternatives in table.items():
        for change, fn in alternatives[1:]:
            yield change, {link: fn}


@pytest.mark.parametrize("kind", ["regression", "classification", "xor"])
def test_every_single_change_is_named_from_its_values_alone(kind):
    cases = _xor_cases() if kind == "xor" else _two_layer_cases(kind)
    named = 0
    for change, replaced in _every_single_change(cases):
        for p in ("W1", "b1", "W2", "b2"):
            right = [mutations.gradients(c)[p] for c in cases]
            wrong = [mutations.gradients(c, replaced)[p] for c in cases]
            if all(judge.close(w, r) for w, r in zip(wrong, right, strict=True)):
                continue  # this change does not reach ∂L/∂p
            found = mutations.search(cases, p, wrong, right)
            assert found.programs, (change.name, p)
            assert all(len(prog) == 1 for prog in found.programs)
            if len(found.programs) == 1:
                assert found.programs[0] == (change,), (change.name, p, found.programs)
            else:  # indistinguishable here: the feedback must then say only what they share, or list them
                assert (change,) in found.programs
            named += 1
    assert named >= 20


@pytest.mark.parametrize("kind", ["regression", "classification", "xor"])
def test_right_values_and_unrelated_wrong_ones_are_never_named(kind):
    cases = _xor_cases() if kind == "xor" else _two_layer_cases(kind)
    rng = np.random.default_rng(11)
    for p in ("W1", "b1", "W2", "b2"):
        right = [mutations.gradients(c)[p] for c in cases]
        assert mutations.search(cases, p, right, right).programs == ()
        jittered = [r * rng.uniform(1.01, 1.5, np.shape(r)) for r in right]
        assert mutations.explain(f"∂L/∂{p}", mutations.search(cases, p, jittered, right)) is None
        # right at every case but one: a program must hold at every point checked
        almost = [*right[:-1], right[-1] * 1.5]
        assert mutations.search(cases, p, almost, right).programs == ()


def test_a_pair_of_changes_is_named_as_a_pair():
    cases = _two_layer_cases("classification")
    table = mutations._links(cases[0])
    sign = table["sign"][1]
    at_z = next(a for a in table["∂h/∂z1"][1:] if "taken at" in a[0].name)
    right = [mutations.gradients(c)["W1"] for c in cases]
    wrong = [mutations.gradients(c, {"sign": sign[1], "∂h/∂z1": at_z[1]})["W1"] for c in cases]
    diagnosis, sentence = mutations.explain("∂L/∂W1", mutations.search(cases, "W1", wrong, right))
    assert diagnosis == "sign flip + σ'(z1) taken at z1"
    assert sentence.startswith("Your ∂L/∂W1 is what the chain rule gives with two changes, at every point checked")


def test_the_loss_for_its_derivative_is_named_in_the_learners_terms():
    cases = _two_layer_cases("regression")
    loss_itself = next(a for a in mutations._links(cases[0])["∂L/∂ŷ"][1:] if "loss in place" in a[0].name)
    right = [mutations.gradients(c)["W2"] for c in cases]
    wrong = [mutations.gradients(c, {"∂L/∂ŷ": loss_itself[1]})["W2"] for c in cases]
    _, sentence = mutations.explain("∂L/∂W2", mutations.search(cases, "W2", wrong, right))
    assert "you used the loss (y − ŷ)² itself where its derivative ∂L/∂ŷ = −2(y − ŷ) belongs" in sentence


def test_state_across_calls():
    rng = np.random.default_rng(5)
    right = [rng.normal(size=(2, 2)) for _ in range(5)]
    assert mutations.across_calls("g", right, right) is None
    assert mutations.across_calls("g", list(np.cumsum(right, axis=0)), right)[0] == "accumulated across calls"
    assert mutations.across_calls("g", [right[0], *right[:-1]], right)[0] == "one call behind"
    assert mutations.across_calls("g", [right[0]] * 5, right)[0] == "stuck at the first call"
    assert mutations.across_calls("g", [r * 2 for r in right], right) is None
    assert mutations.across_calls("g", right[:2], right[:2]) is None  # two calls are too few to tell


def test_no_sentence_says_your_the():
    assert judge.your("the final b2") == "Your final b2"
    assert judge.your("∂L/∂W1") == "Your ∂L/∂W1"
    e = [np.array([1.0, 2.0]), np.array([3.0, -1.0])]
    with pytest.raises(judge.Wrong) as info:
        judge.check_values("the final b2", [v * 3 for v in e], e, ["a", "b"], seed_first=False)
    assert "Your the" not in str(info.value) and "Your final b2 is the right value times 3" in str(info.value)


# --- through the real grader (recorded in the sandbox, judged by the hidden checks) -------------------

GENERATED = [
    ("xor", "train writes into the caller's arrays",
     replace("train", "params = {name: params[name] - lr * grads[name] for name in params}",
             "for name in params:\n            params[name] -= lr * grads[name]"),
     {"train": "caller's parameters changed in place"}),
    ("regression", "train restarts every epoch",
     replace("train", "    for epoch in range(epochs):\n        total = 0.0\n",
             "    initial = params\n    for epoch in range(epochs):\n        params = initial\n        total = 0.0\n"),
     {"train": "training restarted every epoch"}),
    ("classification", "cross-entropy without its (1 − y) term",
     replace("backward", "dz2 = y_hat - y", "dz2 = -y * (1 - y_hat)"),
     {"output_weights": "cross-entropy's (1 − y) term left out of ∂L/∂ŷ"}),
    ("regression", "the loss for ∂L/∂ŷ", replace("backward", "dy_hat = -2.0 * (y - y_hat)", "dy_hat = (y - y_hat) ** 2"),
     {"hidden_weights": "the loss in place of ∂L/∂ŷ"}),
]


@pytest.mark.slow
@pytest.mark.parametrize("assignment,name,edit,named", GENERATED, ids=[g[1] for g in GENERATED])
def test_generated_mistakes_are_named_through_the_real_grader(assignment, name, edit, named):
    from autograder.instruments import unseen
    from autograder.instruments.corpus import Entry

    graded = unseen.grade_entry(Entry(assignment, name, False, (edit,)), "mutations-test")
    assert graded["score"] < graded["points"]
    assert not graded["unnamed"], graded["feedback"]
    for exercise, diagnosis in named.items():
        assert exercise in graded["lost"], graded["lost"]
        assert diagnosis in graded["diagnoses"], (graded["diagnoses"], graded["feedback"])
    assert "Your the" not in graded["feedback"]


def test_a_bias_reduced_over_the_wrong_axis_is_named():
    cases = _xor_cases()
    for param, delta in (("b1", "dZ1"), ("b2", "dZ2")):
        encoded = [{"kind": "ndarray", "dtype": "float64", "shape": [len(c.X)],
                    "data": mutations.gradients(c)[delta].sum(axis=1).tolist()} for c in cases]
        assert mutations.wrong_axis(f"∂L/∂{param}", cases, param, encoded)[0] == f"∂L/∂{param} reduced over the wrong axis"
        encoded[-1]["data"][0] += 1.0  # one entry off at one case: nothing certain
        assert mutations.wrong_axis(f"∂L/∂{param}", cases, param, encoded) is None


def test_a_typed_formula_with_a_link_changed_is_named_exactly():
    from autograder.assignments.warmup import definition as warmup

    def named(text):
        found = warmup.by_hand_search(warmup.parse_answer(text))
        return found and found[0]

    assert named("-2*(y - s)*(1 - s)*x") == "σ' as (1 − s)"  # the "not equivalent" case
    assert named("2*(y - s)*(1 - s)*x") == "∂L/∂ŷ sign + σ' as (1 − s)"
    assert named("(y - s)**2*s*(1 - s)*x") == "the loss for ∂L/∂ŷ"
    assert named("-2*(y - s)*s*(1 - s)*x") is None  # right: nothing to name
    assert named("x*s*(y - s)") is None  # no change of one or two links gives it
    assert named("-2*(y - s)*s*(1 - s)*x + 1e-3") is None


def test_forward_slips_are_named_and_right_values_are_not():
    cases = _two_layer_cases("classification")
    twice = mutations._FORWARD_ALTERNATIVES["output"][1][2]
    right = [mutations.forward_values(c)["y_hat"] for c in cases]
    wrong = [mutations.forward_values(c, {"output": twice})["y_hat"] for c in cases]
    assert mutations.search_forward("ŷ", cases, "y_hat", wrong, right)[0] == "output activation applied twice"
    assert mutations.search_forward("ŷ", cases, "y_hat", right, right) is None
    h_right = [mutations.forward_values(c)["h"] for c in cases]
    z1 = [mutations.forward_values(c)["z1"] for c in cases]
    assert mutations.search_forward("cache['h']", cases, "h", z1, h_right)[0] == "hidden activation left out"
    linear = _two_layer_cases("regression")  # nothing to leave out or repeat in a linear network
    y_lin = [mutations.forward_values(c)["y_hat"] for c in linear]
    assert mutations.search_forward("ŷ", linear, "y_hat", [v * 1.5 for v in y_lin], y_lin) is None


def test_several_programs_are_told_by_what_they_share_or_as_undecided():
    a, b, c = (mutations.Change("l1", "A", "did a"), mutations.Change("l2", "B", "did b"),
               mutations.Change("l3", "C", "did c"))
    shared = mutations.explain("∂L/∂W1", mutations.Found(((a, b), (a, c))))
    assert shared == ("A", "Your ∂L/∂W1 matches more than one changed version of the chain rule at every point "
                           "checked; all of them share this: you did a.")
    undecided = mutations.explain("the final b2", mutations.Found(((b,), (c,))))
    assert undecided[0] == "one of: B / C"
    assert undecided[1].startswith("Your final b2 matches 2 changed versions of the chain rule at every point checked, "
                                   "which these points cannot tell apart: you did b — or — you did c.")
    forward = mutations.explain("ŷ", mutations.Found(((a,),)), "the forward pass")
    assert forward[1] == "Your ŷ is what the forward pass gives with one change, at every point checked: you did a."


def test_state_across_calls_of_other_sizes_names_nothing_and_never_fails():
    """Calls with other numbers of samples (the warm-up's hidden cases): nothing can carry over, and the
    search must not add arrays of different lengths (it once failed the whole check with a ValueError)."""
    rng = np.random.default_rng(3)
    right = [rng.normal(size=n) for n in (3, 5, 4, 6)]
    wrong = [r * 0.5 + 1.0 for r in right]
    assert mutations.across_calls("g", wrong, right) is None


def test_a_search_that_fails_names_nothing_and_the_check_still_judges():
    def broken_search():
        raise ValueError("operands could not be broadcast together")

    with pytest.raises(judge.Wrong) as caught:
        judge.check_values("g", [np.array([1.0, 2.0])], [np.array([1.0, 3.0])], ["at a point"], search=broken_search)
    assert "ValueError" not in str(caught.value) and "expected" in str(caught.value)
