"""Run this assignment's visible checks on your notebook, one result per exercise.

    python -m pytest          (in this folder)

It runs your notebook's code cells from top to bottom in this fresh Python process, in order,
as the grader does (no Jupyter kernel to start, so it takes a second or two), and reports each
check cell: passed, or the error it raised. A cell that raises does not stop the cells after it.
A cell that runs longer than 60 s is stopped. Plots are drawn off screen. IPython's `%magic`
and `!shell` lines are skipped. Passing here is necessary, not sufficient: the grader also tests
your functions at points you have not seen. Needs pytest and the packages the notebook's first
code cell imports (numpy, matplotlib, ...).

What it says first, when a check fails:
- if an earlier cell failed (the setup cell could not import a package, say), that cause, with the
  command that installs the missing module, rather than the `NameError`s that follow from it;
- if your value at the notebook's example matches a known mistake, its name and what to look at
  (`name_the_mistake.py` and `mistakes_at_example.json`, beside this file: the values the known
  mistakes give at the notebook's public example).
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
    earlier = []  # (cell number, exception) of the cells that are not checks and failed
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
                if cell["check"]:
                    error = _cause_first(cell["check"], exc, error, earlier, namespace)
                else:
                    earlier.append((k + 1, exc))
            finally:
                signal.alarm(0)
            if cell["check"]:
                errors[cell["check"]] = error
    finally:
        signal.signal(signal.SIGALRM, previous)
    return errors


def _cause_first(check: str, exc: BaseException, error: str, earlier: list, namespace: dict) -> str:
    """The check's error, led by what caused it when that is known: a module the setup cell could
    not import (with the command that installs it), another earlier cell that failed, or the known
    mistake the learner's value matches at the notebook's example."""
    said = str(exc)
    if isinstance(exc, AssertionError) and (said.startswith("the setup cell failed")
                                            or "This matches a known mistake" in said.split("\n")[0]):
        return said  # `named` in the check cell already put the cause first
    missing = [e.name for _, e in earlier if isinstance(e, ModuleNotFoundError) and e.name]
    if missing and isinstance(exc, (NameError, ImportError)) and "the setup cell failed" not in error:
        names = ", ".join(repr(m) for m in dict.fromkeys(missing))
        install = " ".join(m.split(".")[0] for m in dict.fromkeys(missing))
        return (f"the setup cell failed: No module named {names} — install it with `{sys.executable} -m pip "
                f"install {install}`, then run this again.\n{error}")
    if earlier and isinstance(exc, NameError):
        number, first = earlier[0]
        return f"cell {number} failed before this check ({type(first).__name__}: {first}); fix it first.\n{error}"
    if isinstance(exc, AssertionError) and "known mistake" not in error:  # e.g. a check cell without `named`
        try:
            import name_the_mistake

            named = name_the_mistake.explain(check, namespace)
        except Exception:  # noqa: BLE001  (naming the mistake must never hide the check's own message)
            named = ""
        if named:
            return f"{named}\n{error}"
    return error


@pytest.mark.parametrize("exercise", [c["check"] for c in _cells() if c["check"]])
def test_exercise(executed, exercise):
    if executed[exercise]:
        pytest.fail(f"{exercise}: {executed[exercise]}", pytrace=False)
