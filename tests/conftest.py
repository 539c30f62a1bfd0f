"""Shared helpers: learner namespaces built from the real notebooks on disk."""

from pathlib import Path

import nbformat
import pytest

from autograder.samples import SAMPLES, Sample

REPO = Path(__file__).resolve().parent.parent


def namespace_from(nb_path: Path) -> dict:
    """Run a notebook's setup, checks and solution cells (not its test cells) as a learner's
    kernel would, and return the resulting globals."""
    nb = nbformat.read(nb_path, as_version=4)
    ns: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta and not meta.get("grade"):
            try:
                exec(compile(cell.source, f"<cell {meta['grade_id']}>", "exec"), ns)
            except NotImplementedError:  # an unsolved stub cell errors; the kernel goes on
                pass
    return ns


@pytest.fixture
def learner(tmp_path):
    """learner(assignment, sample_or_name) -> the namespace of that sample's notebook."""

    def make(assignment: str, sample: "Sample | str" = "ada") -> dict:
        sample = SAMPLES[sample] if isinstance(sample, str) else sample
        dest = tmp_path / f"{assignment}-{sample.student}.ipynb"
        sample.make(assignment, REPO / "release" / assignment / f"{assignment}.ipynb",
                    REPO / "source" / assignment / f"{assignment}.ipynb", dest)
        return namespace_from(dest)

    return make
