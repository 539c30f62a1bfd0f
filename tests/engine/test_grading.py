"""grade() on real notebook code: full marks for the solution, the known mistakes named,
and every kind of bad submission turned into a clear reason and a fair score."""

import json
import subprocess
import sys

import pytest

from autograder import assignments
from autograder.assignments import all_standins
from autograder.assignments.two_layer.recorder import record
from autograder.grading import HIDDEN_CHECKS_INI, grade
from autograder.instruments.samples import Sample, replace

POINTS = {"forward": 1, "output_weights": 2, "output_bias": 1, "hidden_weights": 2, "hidden_biases": 1,
          "update": 1, "train": 2}


def planted(*edits, assignment="regression"):
    return Sample("test", "planted", edits={assignment: edits})


def scores(ns, assignment):
    return {ex: grade(assignment, ex, ns, pts) for ex, pts in POINTS.items()}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["regression", "classification"])
def test_solution_gets_full_marks(learner, assignment):
    assert scores(learner(assignment, "ada"), assignment) == {k: float(v) for k, v in POINTS.items()}


@pytest.mark.parametrize("assignment", ["regression", "classification"])
def test_untouched_stubs_get_zero_and_say_so(learner, assignment, capsys):
    got = scores(learner(assignment, "ben"), assignment)
    assert set(got.values()) == {0.0}
    assert "is not implemented yet (it raises NotImplementedError)" in capsys.readouterr().out


REGRESSION_MISTAKES = [
    ("missing factor 2", replace("backward", "-2.0 * (y - y_hat)", "-(y - y_hat)"),
     ["output_weights", "output_bias", "hidden_weights", "hidden_biases"]),
    ("sign flip", replace("backward", "-2.0 * (y - y_hat)", "2.0 * (y - y_hat)"),
     ["output_weights", "output_bias", "hidden_weights", "hidden_biases"]),
    ("stale W2", replace("backward", 'dh = dz2 * params["W2"]', 'dh = dz2 * (params["W2"] - 0.001 * dW2)'),
     ["hidden_weights", "hidden_biases"]),
    ("dW2 instead of W2", replace("backward", 'dh = dz2 * params["W2"]', "dh = dz2 * dW2"), ["hidden_weights", "hidden_biases"]),
    ("missing W2 link", replace("backward", 'dh = dz2 * params["W2"]', "dh = dz2 * np.ones(2)"),
     ["hidden_weights", "hidden_biases"]),
    ("swapped W1 indices", replace("backward", "np.outer(x, dz1)", "np.outer(dz1, x)"), ["hidden_weights"]),
]

CLASSIFICATION_MISTAKES = [
    ("sigmoid derivative at z", replace("backward", "dh * h * (1.0 - h)", 'dh * cache["z1"] * (1.0 - cache["z1"])'),
     ["hidden_weights", "hidden_biases"]),
    ("sigmoid applied twice", replace("backward", "dh * h * (1.0 - h)", "dh * sigmoid(h) * (1.0 - sigmoid(h))"),
     ["hidden_weights", "hidden_biases"]),
    ("sign flip", replace("backward", "dz2 = y_hat - y", "dz2 = y - y_hat"),
     ["output_weights", "output_bias", "hidden_weights", "hidden_biases"]),
    ("MSE derivative on a classifier", replace("backward", "dz2 = y_hat - y", "dz2 = -2.0 * (y - y_hat) * y_hat * (1 - y_hat)"),
     ["output_weights", "output_bias", "hidden_weights", "hidden_biases"]),
    ("extra σ' at the output", replace("backward", "dz2 = y_hat - y", "dz2 = (y_hat - y) * y_hat * (1 - y_hat)"),
     ["output_weights", "output_bias", "hidden_weights", "hidden_biases"]),
]


@pytest.mark.parametrize(
    "assignment,name,edit,wrong",
    [("regression", *m) for m in REGRESSION_MISTAKES] + [("classification", *m) for m in CLASSIFICATION_MISTAKES],
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.slow
def test_a_planted_mistake_costs_its_group_and_is_named(learner, capsys, assignment, name, edit, wrong):
    got = scores(learner(assignment, planted(edit, assignment=assignment)), assignment)
    out = capsys.readouterr().out
    assert {k for k, v in got.items() if v == 0} == set(wrong)
    assert {k for k, v in got.items() if v == POINTS[k]} == set(POINTS) - set(wrong)
    assert f"This matches a known mistake: {name}." in out


def test_hard_coded_seed_answer_is_caught(learner, capsys):
    edit = replace("backward", 'return {"W1": dW1, "b1": db1, "W2": dW2, "b2": float(db2)}',
                   'return {"W1": np.full((2, 2), -5.888), "b1": db1, "W2": dW2, "b2": float(db2)}')
    ns = learner("regression", planted(edit))
    assert grade("regression", "hidden_weights", ns, 2) == 0.0
    assert "is the same at every call: the right value of the first call (the notebook's example" in \
        capsys.readouterr().out


LOOP_MISTAKES = [
    ("loss measured after the update",
     replace("train", "total += loss(y_i, y_hat)\n            params = update(params, backward(y_i, y_hat, cache, params), lr)",
             "params = update(params, backward(y_i, y_hat, cache, params), lr)\n"
             "            total += loss(y_i, forward(x_i, params)[0])"), 1.0),
    ("summed epoch loss", replace("train", "total / len(X)", "total"), 1.0),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,edit,score", LOOP_MISTAKES, ids=[m[0] for m in LOOP_MISTAKES])
def test_training_loop_mistakes_are_named(learner, capsys, name, edit, score):
    assert grade("regression", "train", learner("regression", planted(edit)), 2) == score
    assert f"This matches a known mistake: {name}." in capsys.readouterr().out


def test_a_wrong_derivative_is_not_charged_again_in_the_loop(learner):
    ns = learner("regression", planted(replace("backward", "-2.0 * (y - y_hat)", "-(y - y_hat)")))
    assert grade("regression", "train", ns, 2) == 2.0
    assert grade("regression", "output_bias", ns, 1) == 0.0


def test_hard_coded_data_size_fails_the_loop(learner, capsys):
    ns = learner("regression", planted(replace("train", "total / len(X)", "total / 4")))
    assert grade("regression", "train", ns, 2) == 1.0  # losses wrong on 5- and 3-row data; parameters right
    assert "epoch_losses is wrong at training run 1 (5 rows" in capsys.readouterr().out


def test_update_mistakes(learner, capsys):
    flip = replace("update", "params[name] - lr * grads[name]", "params[name] + lr * grads[name]")
    ascent = learner("regression", planted(flip))
    assert grade("regression", "update", ascent, 1) == 0.5  # values wrong, inputs untouched
    assert "known mistake: gradient ascent" in capsys.readouterr().out
    in_place = planted(replace("update", "return {name: params[name] - lr * grads[name] for name in params}",
                               "for name in params:\n        params[name] -= lr * grads[name]\n    return params"))
    assert grade("regression", "update", learner("regression", in_place), 1) == 0.5
    assert "update() changed its input W1 in place" in capsys.readouterr().out


BAD_RESULTS = {  # sample -> (exercise, expected score, words the feedback must contain)
    "dan": ("update", 0.0, "did not return within 5 s"),
    "eve": ("output_weights", 0.0, "is a Python list; return a numpy array"),
    "fay": ("hidden_weights", 0.0, "has shape (4,); it must have shape (2, 2). It has the right number of entries on an extra"),
    "gus": ("hidden_biases", 0.0, "raised KeyError: 'a1' (at line 7 of your code"),
    "lou": ("output_weights", 0.0, "known mistake: missing factor 2"),
}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(BAD_RESULTS))
def test_bad_submissions_get_a_reason(learner, capsys, student):
    exercise, score, words = BAD_RESULTS[student]
    assert grade("regression", exercise, learner("regression", student), POINTS[exercise]) == score
    assert words in capsys.readouterr().out


def test_calling_the_grader_instead_of_deriving_scores_zero(learner, capsys):
    ns = learner("regression", "ned")
    assert grade("regression", "output_weights", ns, 2) == 0.0
    assert "your notebook holds the grader's own code: _oracle (autograder.assignments.common.oracle)" in capsys.readouterr().out
    ns = learner("regression", "oz")
    assert grade("regression", "hidden_weights", ns, 2) == 0.0
    assert "raised ImportError: the grader's modules are not available to your code" in capsys.readouterr().out
    import autograder.assignments.common.oracle  # noqa: F401  the grader's own imports still work afterwards


def test_nan_gradient_is_reported_as_wrong(learner, capsys):
    assert grade("regression", "output_weights", learner("regression", "fay"), 2) == 0.0
    assert "got      [nan, nan]" in capsys.readouterr().out


def test_printing_learner_code_is_contained(learner, capsys):
    ns = learner("regression", "hal")  # prints a megabyte per forward call and warns
    capsys.readouterr()
    assert grade("regression", "forward", ns, 1) == 1.0
    out = capsys.readouterr()
    assert len(out.out) < 5000 and out.err == ""
    assert "Your function printed" in out.out and "UserWarning: noise" in out.out


def test_missing_function(capsys):
    assert grade("regression", "train", {}, 2) == 0.0
    assert "No function named 'train' is defined in your notebook." in capsys.readouterr().out


def test_score_is_a_plain_float_within_points(learner):
    score = grade("regression", "update", learner("regression", "ada"), 1)
    assert type(score) is float and repr(score) == "1.0"


@pytest.mark.slow
@pytest.mark.parametrize("student,exit_code", [("ada", 0), ("cy", 1)])
def test_hidden_checks_run_out_of_process_on_a_recorded_probe(learner, tmp_path, student, exit_code):
    probe = record("regression", "hidden_weights", learner("regression", student), all_standins())
    path = tmp_path / "probe.json"
    path.write_text(json.dumps(probe))
    checks = assignments.get("regression").hidden_checks
    proc = subprocess.run([sys.executable, "-m", "pytest", str(checks), "-p", "autograder.engine.probe_plugin",
                           "-c", str(HIDDEN_CHECKS_INI), "--probe", str(path), "-q"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == exit_code, proc.stdout[-2000:]
    if exit_code:
        assert "swapped W1 indices" in proc.stdout


JUDGE_WITH_PLUGIN = """
from autograder import grading
from autograder import assignments
from autograder.assignments.two_layer.recorder import record
probe = {**record("regression", "forward", {"forward": lambda *a: None}, assignments.all_standins()), "assignment": "regression"}
results = grading.run_checks(probe)
print(len(results), sum(r.passed for r in results))
"""


@pytest.mark.slow
def test_a_pytest_plugin_installed_beside_the_grader_does_not_take_part_in_judging(tmp_path):
    """An installed plugin (here one that drops every test) is not loaded by the judge's pytest."""
    (tmp_path / "dropall.py").write_text("def pytest_collection_modifyitems(items):\n    items.clear()\n")
    info = tmp_path / "dropall-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dropall\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\ndropall = dropall\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path)}
    seen = subprocess.run([sys.executable, "-c", "import importlib.metadata as m; "
                           "print([e.name for e in m.entry_points(group='pytest11')])"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert "dropall" in seen.stdout  # the plugin is installed: plain pytest would load it
    out = subprocess.run([sys.executable, "-c", JUDGE_WITH_PLUGIN], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    checks, passed = map(int, out.stdout.split())
    assert checks > 0 and passed < checks  # every check ran (and the empty recording failed them)
