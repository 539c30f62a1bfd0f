"""The learner's local check (`python -m pytest` in a release folder) and the visible check cells name
the known mistake at the notebook's public example, say a missing package first, and the values they
use (`mistakes_at_example.json`) reveal nothing the visible checks do not already show.

Everything runs through real parts: the committed release folders, real notebooks solved from
source/ with one planted mistake, `python -m pytest` as a subprocess in that folder, a Jupyter kernel."""

import ast
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.instruments.samples import SAMPLES
from autograder.tools import example_mistakes
from autograder.tools.course import ASSIGNMENTS
from tests.conftest import REPO

PLANTED = {  # assignment → (solution line, the mistake written instead, the name the check must say)
    "warmup": ("dL_dyhat = -2.0 * (y - y_hat)", "dL_dyhat = -(y - y_hat)", "missing ×2"),
    "regression": ("dy_hat = -2.0 * (y - y_hat)", "dy_hat = -1.0 * (y - y_hat)", "missing factor 2"),
    "classification": ("dz1 = dh * h * (1.0 - h)", 'dz1 = dh * cache["z1"] * (1.0 - cache["z1"])',
                       "sigmoid derivative at z"),
    "xor": ("dY_hat = -2.0 * (Y - Y_hat) / n", "dY_hat = -2.0 * (Y - Y_hat)", "summed over the batch"),
}


def _solved(tmp_path: Path, assignment: str, plant: bool = False) -> Path:
    """A copy of the committed release folder with ada's (correct) solutions, and one mistake if `plant`."""
    folder = tmp_path / assignment
    shutil.copytree(REPO / "release" / assignment, folder)
    nb = folder / f"{assignment}.ipynb"
    SAMPLES["ada"].make(assignment, nb, REPO / "source" / assignment / f"{assignment}.ipynb", nb)
    if plant:
        right, wrong, _ = PLANTED[assignment]
        book = nbformat.read(nb, as_version=4)
        cells = [c for c in book.cells if right in c.source]
        assert len(cells) == 1, f"the planted mistake is stale: {right!r}"
        cells[0].source = cells[0].source.replace(right, wrong)
        nbformat.write(book, nb)
    return folder


def _local_check(folder: Path, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder,
                          capture_output=True, text=True, timeout=300, env=env)
    return proc, time.perf_counter() - start


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(PLANTED))
def test_the_local_check_names_a_planted_mistake(tmp_path, assignment):
    proc, _ = _local_check(_solved(tmp_path, assignment, plant=True))
    name = PLANTED[assignment][2]
    assert proc.returncode == 1, proc.stdout
    assert f"This matches a known mistake: {name}" in proc.stdout, proc.stdout
    assert "The check said:" in proc.stdout  # the check's own message is kept, after the diagnosis


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(PLANTED))
def test_a_correct_notebook_passes_and_is_told_of_no_mistake(tmp_path, assignment):
    proc, _ = _local_check(_solved(tmp_path, assignment))
    assert proc.returncode == 0, proc.stdout
    assert "failed" not in proc.stdout and "known mistake" not in proc.stdout


BLOCK_MATPLOTLIB = '''
import importlib.abc, sys

class _NoMatplotlib(importlib.abc.MetaPathFinder):
    """As if this Python had no matplotlib installed."""
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoMatplotlib())
'''


@pytest.mark.slow
def test_a_missing_package_is_named_first_not_seven_name_errors(tmp_path):
    folder = _solved(tmp_path, "regression")
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(BLOCK_MATPLOTLIB)
    env = {**os.environ, "PYTHONPATH": str(shim)}
    proc, _ = _local_check(folder, env)
    failures = [ln for ln in proc.stdout.splitlines() if ln.startswith("test_") and ": " in ln]
    assert len(failures) == 7, proc.stdout
    for line in failures:  # every failed check starts with the cause, and the command that fixes it
        assert line.split(": ", 1)[1].startswith("the setup cell failed: No module named 'matplotlib' — install "
                                                 "it with"), line
    assert "-m pip install matplotlib" in proc.stdout


@pytest.mark.slow
def test_the_visible_check_cell_names_the_mistake_in_jupyter(tmp_path):
    """In a real kernel, as the learner runs the notebook: the check cell's error names the mistake."""
    from nbclient import NotebookClient

    folder = _solved(tmp_path, "warmup", plant=True)
    nb = nbformat.read(folder / "warmup.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    errors = {c.metadata["nbgrader"]["grade_id"]: o for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"}
    assert set(errors) == {"test_dL_dyhat"}, set(errors)
    assert "This matches a known mistake: missing ×2" in errors["test_dL_dyhat"].evalue


# --- what the release holds -------------------------------------------------------------------------


def _numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [n for k, v in value.items() if k != "shape" for n in _numbers(v)]  # a shape is not a value
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


def _references(value) -> list[dict]:
    """The arguments that name a notebook variable ({"name": N}) or call a learner's function ({"call": f})."""
    if isinstance(value, dict):
        if "name" in value or "call" in value:
            return [value] + _references(value.get("args", []))
        return [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def _public_numbers(assignment: str) -> set[float]:
    """Every number the release notebook's setup and check-tool cells define (its public example)."""
    nb = nbformat.read(REPO / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    ns = example_mistakes.public_namespace(nb)
    out: set[float] = set()

    def walk(v, depth=0):
        if depth > 3:
            return
        if isinstance(v, np.ndarray) and v.dtype.kind in "fi":
            out.update(float(n) for n in v.reshape(-1))
        elif isinstance(v, (int, float, np.floating)) and not isinstance(v, bool):
            out.add(float(v))
        elif isinstance(v, dict):
            for w in v.values():
                walk(w, depth + 1)

    for name, value in ns.items():
        if name.startswith("__"):
            continue
        walk(value() if name == "init_params" else value)
    return out


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_values_file_holds_only_values_at_public_inputs(assignment):
    """The inputs of every probe are numbers the release notebook itself defines; the right value is
    the one the notebook's visible check compares against (checked at generate, `_same_as_shown`, and
    again here from the release notebook); the rest are plain numbers and the mistakes' words."""
    data = json.loads((REPO / "release" / assignment / example_mistakes.DATA_NAME).read_text(encoding="utf-8"))
    assert set(data) == {"about", "assignment", "setup_imports", "checks"}
    if assignment not in example_mistakes.BUILDERS:
        assert data["checks"] == {}
        return
    assert data["checks"], "an assignment with a builder has probes"
    public = _public_numbers(assignment)
    nb = nbformat.read(REPO / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    ns = example_mistakes.public_namespace(nb)
    for check, probes in data["checks"].items():
        for probe in probes:
            assert set(probe) <= {"what", "at", "call", "args", "pick", "formula", "symbols", "right", "mistakes"}
            inputs = _numbers(probe.get("args", [])) + _numbers(probe.get("symbols", {}))
            if "symbols" in probe:  # s = σ(w·x + b) at the example: derived from public numbers, recomputed here
                ex = ns["EX"]
                np.testing.assert_allclose(probe["symbols"]["s"], ns["sigmoid"](ex["w"] * ex["x"] + ex["b"]),
                                           rtol=1e-15, strict=False)
                inputs = _numbers(probe["symbols"]["x"]) + _numbers(probe["symbols"]["y"])
            assert set(inputs) <= public, (check, set(inputs) - public)
            solution_functions = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                                  if c.metadata.get("nbgrader", {}).get("solution")}
            for ref in _references(probe.get("args", [])):  # the notebook's public names, the learner's functions
                assert ref.get("name") in ns or ref.get("call") in solution_functions, ref
            assert inputs or _references(probe.get("args", [])), "a probe needs inputs"
            assert all(set(m) == {"name", "explanation", "value"} for m in probe["mistakes"])
            if "SEED_GRADS" in ns and probe.get("call") == "backward":
                np.testing.assert_allclose(probe["right"], ns["SEED_GRADS"][probe["pick"][0]], rtol=1e-6,
                                           strict=False)


def test_no_hidden_test_machinery_or_oracle_is_in_release():
    """The module beside each notebook imports only the standard library and numpy, and is the copy
    of the grader's file; release/ holds no grader import, hidden test, solution or sympy oracle."""
    from autograder.tools.cli import leaks

    assert leaks(REPO / "release") == []
    for assignment in ASSIGNMENTS:
        folder = REPO / "release" / assignment
        module = folder / example_mistakes.MODULE_NAME
        assert module.read_bytes() == example_mistakes.LEARNER_MODULE.read_bytes()
        for path in (module, folder / "test_notebook.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {(n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
                        for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                        for a in (n.names if isinstance(n, ast.Import) else [n])}
            assert imported <= set(sys.stdlib_module_names) | {"numpy", "pytest", "name_the_mistake"}, imported
        data = json.loads((folder / example_mistakes.DATA_NAME).read_text(encoding="utf-8"))
        assert set(data["setup_imports"]) <= {"numpy", "matplotlib", "sympy"}  # what the notebook itself imports
        text = json.dumps(data["checks"], ensure_ascii=False)
        for needle in ("sympy", "lambdify", "oracle", "begin solution", "begin hidden", "import ", "points.py"):
            assert needle not in text.lower(), needle


def test_a_new_assignment_gets_the_note_the_wrappers_and_a_file(tmp_path):
    """An assignment with no builder (softmax, say) still gets it all from `write`: the note, the import of
    `named` in its setup cell, its checks wrapped, and a values file with no probes."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    folder = tmp_path / "source" / "newone"
    folder.mkdir(parents=True)
    check = new_code_cell("# Visible check\n### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS\nassert f() == 1")
    check.metadata["nbgrader"] = {"grade": True, "grade_id": "test_f", "points": 1}
    setup = new_code_cell("import numpy as np")
    setup.metadata["nbgrader"] = {"grade_id": "setup", "locked": True}
    nbformat.write(new_notebook(cells=[new_markdown_cell("# New"), setup, check]), folder / "newone.ipynb")
    example_mistakes.write(tmp_path, ("newone",))
    nb = nbformat.read(folder / "newone.ipynb", as_version=4)
    assert example_mistakes.NOTE_MARK in nb.cells[0].source and "pip install pytest numpy`" in nb.cells[0].source
    assert nb.cells[1].source.startswith(example_mistakes.SETUP_BLOCK)
    assert nb.cells[2].source.endswith("with named('test_f'):\n    assert f() == 1")
    assert json.loads((folder / example_mistakes.DATA_NAME).read_text())["checks"] == {}
    assert example_mistakes.problems(tmp_path, ("newone",)) == []


def test_named_leads_with_the_mistake_and_keeps_the_check_message():
    """The learner's side alone (numpy only), on the committed regression values."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("ntm", REPO / "release" / "regression" / example_mistakes.MODULE_NAME)
    ntm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ntm)

    def backward(y, y_hat, cache, params):  # the right gradients of the lecture example, times ½
        return {"W1": np.full((2, 2), -2.944), "b1": np.full(2, -0.368), "W2": np.full(2, -5.888), "b2": -3.68}

    with pytest.raises(AssertionError) as caught, ntm.named("test_output_weights", {"backward": backward}):
        raise AssertionError("the visible check's own words")
    text = str(caught.value)
    assert text.startswith("your backward(") and "missing factor 2" in text
    assert text.endswith("The check said: AssertionError: the visible check's own words")
    with pytest.raises(AssertionError, match="^the visible check's own words$"), \
            ntm.named("test_output_weights", {"backward": lambda *a: {"W2": np.array([1.0, 2.0])}}):
        raise AssertionError("the visible check's own words")  # wrong, but no known mistake: said as it was
