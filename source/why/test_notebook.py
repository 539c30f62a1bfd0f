"""Run this assignment's visible checks on your notebook, one result per exercise.

    python -m pytest          (in this folder)

It executes your notebook from top to bottom in a fresh Python kernel, as the grader will,
and reports each check cell: passed, or the error it raised. Passing here is necessary,
not sufficient: the grader also tests your functions at points you have not seen.
Needs only what JupyterLab installs (nbclient, nbformat, ipykernel) plus numpy, matplotlib
and pytest.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / f"{HERE.name}.ipynb"


def _check_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


@pytest.fixture(scope="session")
def executed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}})
    client.execute(env={"MPLBACKEND": "Agg"})
    return {c.metadata["nbgrader"]["grade_id"]: c for c in _check_cells(nb)}


@pytest.mark.parametrize(
    "exercise", [c.metadata["nbgrader"]["grade_id"] for c in _check_cells(nbformat.read(NOTEBOOK, as_version=4))]
)
def test_exercise(executed, exercise):
    cell = executed[exercise]
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        pytest.fail(f"{exercise}: {errors[0]['ename']}: {errors[0]['evalue']}", pytrace=False)
