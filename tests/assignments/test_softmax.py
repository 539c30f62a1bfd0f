"""Assignment 6, softmax: the oracle against sympy and finite differences, the hidden points, the
stand-ins, every named mistake through the real sandbox, the solved notebook offline, and the full
nbgrader cycle."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy as sp
from nbclient import NotebookClient

from autograder import assignments
from autograder.assignments.common import points
from autograder.assignments.softmax import definition as softmax
from autograder.assignments.softmax import standin_backward as softmax_backward
from autograder.assignments.softmax import standin_forward as softmax_forward
from autograder.assignments.softmax import standin_pieces as softmax_pieces
from autograder.instruments import diagnoses
from autograder.instruments.corpus import ENTRIES
from autograder.instruments.samples import DEMO, SAMPLES, namespace_of

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "source" / "softmax" / "softmax.ipynb"
EXERCISES = ("one_hot", "softmax", "cross_entropy", "forward", "output_layer", "hidden_layer", "train")


def _batch(seed: int):
    rng = np.random.default_rng(seed)
    n, d, h, K = softmax.random_sizes(rng)
    X, labels, Y = softmax.random_batch(rng, n, d, K)
    return X, labels, Y, softmax.random_params(rng, d, h, K)


@pytest.mark.slow
def test_batch_gradient_equals_sympy_on_the_whole_network():
    """sympy differentiates the whole batch loss entry by entry, softmax written as e^z / Σ e^z
    (a small network: n = 4, d = 2, h = 3, K = 4, so sympy takes seconds, not minutes)."""
    rng = np.random.default_rng(3)
    X, labels, Y = softmax.random_batch(rng, 4, 2, 4)
    p = softmax.random_params(rng, 2, 3, 4)
    n, d = X.shape
    h, K = p["W2"].shape
    W1 = sp.Matrix(d, h, lambda i, j: sp.Symbol(f"W1_{i}_{j}"))
    b1 = sp.Matrix(1, h, lambda _, j: sp.Symbol(f"b1_{j}"))
    W2 = sp.Matrix(h, K, lambda i, j: sp.Symbol(f"W2_{i}_{j}"))
    b2 = sp.Matrix(1, K, lambda _, j: sp.Symbol(f"b2_{j}"))
    loss = 0
    for r in range(n):
        z1 = sp.Matrix(X[r : r + 1]) * W1 + b1
        z2 = z1.applyfunc(sp.tanh) * W2 + b2
        total = sum(sp.exp(z) for z in z2)
        loss += -sum(Y[r, k] * sp.log(sp.exp(z2[k]) / total) for k in range(K)) / n
    mats = ((W1, "W1"), (b1, "b1"), (W2, "W2"), (b2, "b2"))
    flat = [s for M, _ in mats for s in M]
    derived = sp.lambdify(flat, [loss, *[sp.diff(loss, s) for s in flat]], "numpy", cse=True)
    values = derived(*[v for _, name in mats for v in np.ravel(p[name])])
    ours, start = softmax.gradients(X, Y, p), 1
    for M, name in mats:
        want = np.array(values[start : start + len(M)], dtype=np.float64).reshape(p[name].shape)
        start += len(M)
        np.testing.assert_allclose(ours[name], want, rtol=1e-10, atol=1e-14, strict=True)
    np.testing.assert_allclose(softmax.loss(X, Y, p), float(values[0]), rtol=1e-12, strict=True)


@pytest.mark.parametrize("seed", range(4))
def test_batch_gradient_equals_finite_differences_at_random_sizes(seed):
    X, _, Y, p = _batch(10 + seed)
    grads, h = softmax.gradients(X, Y, p), 1e-6
    for name, value in p.items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus, minus = {k: v.copy() for k, v in p.items()}, {k: v.copy() for k, v in p.items()}
            plus[name][idx] += h
            minus[name][idx] -= h
            numeric[idx] = (softmax.loss(X, Y, plus) - softmax.loss(X, Y, minus)) / (2 * h)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-9, strict=True)


def test_softmax_is_stable_and_each_row_sums_to_one():
    """To 1e-12 at logits of 1000: z − LSE(z) is the difference of two numbers near 1000, whose last digits
    (1e-13) are rounding; the judge compares to 1e-7."""
    Z = np.array([[1000.0, 999.0, 990.0], [-1000.0, -1001.0, -1003.0], [0.5, -0.2, 0.1]])
    P = softmax.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), np.ones(3), rtol=1e-12, strict=True)
    np.testing.assert_allclose(P[0], softmax.softmax(Z[:1] - 1000.0)[0], rtol=1e-12, strict=True)
    assert np.isnan(softmax.softmax(Z, shifted=False)[0]).all()  # the mistake: e^1000 overflows


def test_hidden_points_are_seeded_non_square_and_include_large_logits():
    for exercise in EXERCISES[:4]:
        first, again = softmax.cases(exercise), softmax.cases(exercise)
        assert len(first) == 4
        for a, b in zip(first, again, strict=True):
            for key in a:
                np.testing.assert_array_equal(np.asarray(a[key] if key != "params" else a[key]["W1"]),
                                              np.asarray(b[key] if key != "params" else b[key]["W1"]), strict=True)
    with points.seeded(12345):
        other = softmax.cases("forward")
    assert not np.array_equal(other[0]["X"], softmax.cases("forward")[0]["X"])
    sizes = [softmax.sizes_of(c["params"]) + (len(c["X"]),) for c in softmax.cases("output_layer")]
    for d, h, K, n in sizes:
        assert K in (3, 4, 5) and n >= 3 and n != K and len({d, h, K}) == 3
    logits = [np.max(np.abs(c["Z"])) for c in softmax.cases("softmax")]
    assert max(logits) > 709 and min(logits) < 10  # beyond exp's range, and ordinary
    P_big = softmax.forward(*(lambda c: (c["X"], c["params"]))(softmax.cases("forward")[1]))
    assert np.isfinite(P_big[0]).all() and np.max(P_big[1]["Z2"]) > 709
    one_hot_cases = softmax.cases("one_hot")
    assert any(max(c["labels"]) < c["K"] - 1 for c in one_hot_cases)  # K cannot be read off the labels
    runs = softmax.train_runs()
    assert any(max(r["labels"]) < r["params"]["W2"].shape[1] - 1 for r in runs)


def test_every_named_mistake_differs_from_the_right_gradients():
    for seed in range(3):
        X, _, Y, p = _batch(20 + seed)
        right = softmax.gradients(X, Y, p)
        for name, _, kw in softmax.mistakes():
            wrong = softmax.gradients(X, Y, p, **kw)
            layer = ("W1", "b1") if "slope" in kw else ("W2", "b2")
            assert all(not np.allclose(wrong[k], right[k]) for k in layer), name


def test_stand_ins_equal_the_oracle():
    for seed in range(4):
        X, labels, Y, p = _batch(30 + seed)
        P, cache = softmax_forward.forward(X, p)
        want_P, want_cache = softmax.forward(X, p)
        np.testing.assert_allclose(P, want_P, rtol=1e-13, strict=True)
        for key in ("Z1", "H", "Z2"):
            np.testing.assert_allclose(cache[key], want_cache[key], rtol=1e-13, atol=1e-15, strict=True)
        grads, want = softmax_backward.backward(Y, P, cache, p), softmax.gradients(X, Y, p)
        for k in softmax.NAMES:
            np.testing.assert_allclose(grads[k], want[k], rtol=1e-9, atol=1e-14, strict=True)
        np.testing.assert_array_equal(softmax_pieces.one_hot(labels, Y.shape[1]), Y, strict=True)
        np.testing.assert_allclose(softmax_pieces.cross_entropy(Y, P), softmax.loss(X, Y, p), rtol=1e-13, strict=True)
        with pytest.raises(ValueError, match="one-hot"):
            softmax_backward.backward(labels.reshape(-1, 1), P, cache, p)


def test_the_solution_scores_full_marks_in_process(capsys):
    from autograder.grading import grade

    ns = namespace_of(NOTEBOOK)
    cells = assignments.points_of("softmax")
    assert sum(cells.values()) == 11
    for exercise in EXERCISES:
        pts = cells[f"test_{exercise}"]
        assert grade("softmax", exercise, ns, pts) == pts, capsys.readouterr().out


@pytest.mark.slow
def test_every_softmax_corpus_entry_through_the_sandbox():
    """Correct styles keep full marks with no diagnosis; every wrong one loses points and is named."""
    entries = [e for e in ENTRIES if e.assignment == "softmax"]
    assert sum(e.correct for e in entries) >= 4 and sum(not e.correct for e in entries) >= 15
    graded = diagnoses.grade_all(entries, jobs=2)
    for g in graded:
        if g.entry.correct:
            assert g.full and not g.diagnoses, (g.entry.name, g.feedback)
        else:
            assert not g.full and g.named, (g.entry.name, g.feedback)
    named = {g.entry.name: g.diagnoses for g in graded}
    assert "softmax Jacobian applied elementwise" in named["softmax Jacobian elementwise"]
    assert "no max shift" in named["softmax without the max shift"]
    assert "cross-entropy on the logits" in named["loop loss of the logits"]
    assert "index labels where one-hot belongs" in named["loop keeps index labels"]
    assert "summed over the batch" in named["no 1/n"]


@pytest.mark.slow
def test_the_solved_release_runs_clean_offline_and_its_local_check_passes(tmp_path):
    folder = tmp_path / "softmax"
    shutil.copytree(REPO / "release" / "softmax", folder)
    nb_path = folder / "softmax.ipynb"
    SAMPLES["ada"].make("softmax", nb_path, NOTEBOOK, nb_path)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert "7 passed" in proc.stdout.strip().splitlines()[-1], proc.stdout
    nb = nbformat.read(nb_path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute(
        env={k: v for k, v in os.environ.items() if k != "MPLBACKEND"})
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("training accuracy" in o.get("text", "") for o in outputs)


@pytest.mark.slow
@pytest.mark.cycle
def test_full_nbgrader_cycle(tmp_path):
    """generate → release → fetch → submit → collect → nbgrader autograde (sandboxed) → feedback → export."""
    from autograder.tools.cli import run_cycle
    from autograder.tools.course import Course

    course = Course.create(tmp_path / "course")
    rows = run_cycle(course, {"softmax": DEMO}, say=lambda msg: None)
    scores = {r["student_id"]: float(r["score"]) for r in rows if r["assignment"] == "softmax"}
    assert scores == {"ada": 11.0, "ben": 0.0, "cy": 7.0}  # cy: the softmax Jacobian elementwise, both layers 0/2
    cy = (course.root / "feedback" / "cy" / "softmax" / "softmax.html").read_text(encoding="utf-8")
    assert "This matches a known mistake: softmax Jacobian applied elementwise." in cy
    for student in ("ada", "ben", "cy"):
        text = (course.root / "feedback" / student / "softmax" / "softmax.html").read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "autograder.grading" not in text
