"""The sandbox leaves out statements that only draw and imports matplotlib only when used
(`autograder/sandboxed/drawing.py`): faster recording, the same values recorded."""

import json
import subprocess
import sys

import pytest

from autograder.sandboxed import drawing

MIXED = """losses = train(3)
plt.figure(figsize=(6, 3))
plt.plot(np.arange(1, 4), losses, marker=".")
plt.title(f"{len(losses)} epochs")
plt.show()
for lr in (1, 2):
    curve = train(lr)
    plt.plot(curve, label=str(lr))
done = True
"""


def _run(source: str, ns: dict) -> None:
    code = drawing.without_drawing(source, "<cell>")
    assert code is not None, "expected drawing statements to be left out"
    exec(code, ns)


def test_drawing_statements_are_left_out_and_the_rest_runs():
    called = []

    class NoPlot:
        def __getattr__(self, name):
            raise AssertionError(f"plt.{name} was called")

    ns = {"np": __import__("numpy"), "plt": NoPlot(), "train": lambda n: called.append(n) or [1.0, 0.5, 0.25]}
    _run(MIXED, ns)
    assert called == [3, 1, 2] and ns["done"] and ns["curve"] == [1.0, 0.5, 0.25]


def test_what_could_matter_runs_as_written():
    # the learner's own function inside a plot's arguments: that statement is kept
    assert drawing.without_drawing("plt.plot(train(3))", "<cell>") is None
    # axes made by a left-out statement and used by a kept one: the whole cell runs
    assert drawing.without_drawing("fig, ax = plt.subplots()\nmy_plot(ax)\nplt.show()", "<cell>") is None
    # inside a function the learner defines nothing is touched
    assert drawing.without_drawing("def show(c):\n    plt.plot(c)\n", "<cell>") is None
    # nothing to leave out, or not Python: compiled as usual
    assert drawing.without_drawing("x = 1", "<cell>") is None
    assert drawing.without_drawing("x = (", "<cell>") is None
    # printing is not drawing
    assert drawing.without_drawing("print(plt.plot(x))", "<cell>") is None


def test_a_cell_that_never_names_the_plot_is_not_parsed(monkeypatch):
    """Most cells: no `plt` in them, so nothing to leave out and no parse here (the cell is compiled
    once, as written). A cell that names it is still parsed and stripped."""
    def no_parse(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(drawing.ast, "parse", no_parse)
    assert drawing.without_drawing("def train(n):\n    return [float(n)] * n\nlosses = train(3)", "<cell>") is None
    with pytest.raises(AssertionError, match="parsed"):
        drawing.without_drawing("losses = train(3)\nplt.plot(losses)", "<cell>")


@pytest.mark.slow
def test_matplotlib_is_imported_only_when_used():
    """In a fresh process, as in the sandbox: a notebook that imports pyplot and only draws never
    loads matplotlib; one that uses it gets the real module, including `from matplotlib import cm`."""
    script = f"""
import json, sys
from autograder.sandboxed import drawing, run
drawing.defer_matplotlib()
ns = {{"__name__": "__main__"}}
cells = [{{"id": "a", "source": "import numpy as np\\nimport matplotlib.pyplot as plt\\ntrain = lambda n: [1.0] * n"}},
         {{"id": "b", "source": {MIXED!r}}}]
problems = run.run_cells(cells, ns)
before = "matplotlib.figure" in sys.modules
run.run_cells([{{"id": "c", "source": "import matplotlib\\nmatplotlib.use('Agg')\\nfrom matplotlib import cm\\n"
                 "fig = plt.figure()\\nlines = plt.plot([1, 2])\\nn = len(lines)"}}], ns)
print(json.dumps({{"problems": problems, "before": before, "after": "matplotlib.figure" in sys.modules,
                  "n": ns.get("n"), "cm": hasattr(ns.get("cm"), "viridis")}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False,
                          env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"problems": [], "before": False, "after": True, "n": 1, "cm": True}
