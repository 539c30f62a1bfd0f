"""Shared helpers: learner namespaces built from the real notebooks on disk."""

from pathlib import Path

import pytest

from autograder.instruments.samples import SAMPLES, Sample, namespace_of

REPO = Path(__file__).resolve().parent.parent


namespace_from = namespace_of  # the learner namespaces the tests grade


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


def pytest_collection_modifyitems(config, items):
    """A full nbgrader cycle is slow by nature: `cycle` implies `slow`, so `pytest -m "not slow"` is the
    fast inner loop (unit tests of each mechanism) and CI runs everything."""
    for item in items:
        if item.get_closest_marker("cycle") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
