"""Run this assignment's visible checks on your notebook, one result per exercise.

    python -m pytest          (in this folder)

It runs your notebook's code cells from top to bottom in this fresh Python process, in order,
as the grader does (no Jupyter kernel to start, so it takes a second or two), and reports each
check cell: passed, or the error it raised. A cell that raises does not stop the cells after it.
A cell that runs longer than 60 s is stopped. Plots are drawn off screen. IPython's `%magic`
and `!shell` lines are skipped. Passing here is necessary, not sufficient: the grader also tests
your functions at points you have not seen. Needs only numpy, matplotlib and pytest.
"""

import contextlib
import io
import json
import os
import signal
import sys
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / f"{HERE.name}.ipynb"
CELL_SECONDS = 60


def _cells() -> list[dict]:
    """The notebook's code cells, read as plain JSON (nbformat's schema check costs more than the run)."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    out = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            out.append({"source": "".join(source) if isinstance(source, list) else source,
                        "check": cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                        if cell.get("metadata", {}).get("nbgrader", {}).get("grade") else None})
    return out


def _python(source: str) -> str:
    """The cell without IPython's magics and shell escapes (a kernel runs them; plain Python cannot)."""
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


class _TooLong(Exception):
    pass


def _stop(signum, frame):
    raise _TooLong(f"the cell ran longer than {CELL_SECONDS} s")


@pytest.fixture(scope="session")
def executed() -> dict:
    """Each check cell's error ('' when it passed), after running every code cell in order."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.chdir(HERE)
    sys.path.insert(0, str(HERE))
    namespace = {"__name__": "__main__", "display": lambda *args, **kwargs: None}
    errors = {}
    previous = signal.signal(signal.SIGALRM, _stop)
    try:
        for k, cell in enumerate(_cells()):
            error = ""
            try:
                signal.alarm(CELL_SECONDS)
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    exec(compile(_python(cell["source"]), f"<cell {k + 1}>", "exec"), namespace)
            except BaseException as exc:  # noqa: BLE001  (a learner's cell may raise anything, even SystemExit)
                if isinstance(exc, KeyboardInterrupt):
                    raise
                error = f"{type(exc).__name__}: {exc}"
            finally:
                signal.alarm(0)
            if cell["check"]:
                errors[cell["check"]] = error
    finally:
        signal.signal(signal.SIGALRM, previous)
    return errors


@pytest.mark.parametrize("exercise", [c["check"] for c in _cells() if c["check"]])
def test_exercise(executed, exercise):
    if executed[exercise]:
        pytest.fail(f"{exercise}: {executed[exercise]}", pytrace=False)
