"""The benchmark's class mix is what docs/benchmarks.md says it is, and every style in it applies to the
real notebooks (a stale recipe raises instead of silently benchmarking the untouched release)."""

from collections import Counter
from pathlib import Path

import nbformat
import pytest

from autograder.engine import notebook_grading
from autograder.instruments import bench
from autograder.instruments.samples import BAD
from autograder.tools.course import ASSIGNMENTS

REPO = Path(__file__).resolve().parents[2]


def test_two_hundred_regression_submissions_have_the_documented_shares():
    kinds = Counter(kind for kind, _ in bench.class_mix("regression", 200))
    assert kinds == {"correct": 120 - len(BAD), "mistakes": 60, "untouched": 18, "endless loop": 1,
                     "exception": 1, "misbehaving": len(BAD)}
    styles = {sample.description for kind, sample in bench.class_mix("regression", 200) if kind == "misbehaving"}
    assert len(styles) == len(BAD), "each misbehaving sample once"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_style_of_the_mix_applies_to_the_release(tmp_path, assignment):
    release = REPO / "release" / assignment / f"{assignment}.ipynb"
    source = REPO / "source" / assignment / f"{assignment}.ipynb"
    mix = bench.class_mix(assignment, 200)
    assert {kind for kind, _ in mix} >= {"correct", "mistakes", "untouched", "endless loop", "exception"}
    untouched = nbformat.read(release, as_version=4)
    made = {}
    for k, (kind, sample) in enumerate(mix):
        if sample.description in made:
            continue
        dest = tmp_path / f"{k}.ipynb"
        sample.make(assignment, release, source, dest)  # raises if a recipe no longer fits the notebook
        made[sample.description] = (kind, nbformat.read(dest, as_version=4))
    assert len(made) >= 6
    for kind, nb in made.values():
        cells = [c["source"] for c in notebook_grading.learner_cells(nb)]
        changed = cells != [c["source"] for c in notebook_grading.learner_cells(untouched)]
        assert changed == (kind not in ("untouched", "misbehaving")) or kind == "misbehaving", kind


@pytest.mark.slow
@pytest.mark.parametrize("as_shipped", [False, True])
def test_stock_nbgrader_is_timed_as_shipped(as_shipped):
    """The bench's stock baseline loads the course's config without the course's speed-ups to nbgrader
    (BACKPROP_NBGRADER_AS_SHIPPED); every other use of the config installs them."""
    import os
    import subprocess
    import sys

    check = ("from traitlets.config.loader import PyFileConfigLoader\n"
             f"PyFileConfigLoader('nbgrader_config.py', path={str(REPO)!r}).load_config()\n"
             "import nbgrader.api, sqlalchemy\n"
             "print(nbgrader.api.create_engine is sqlalchemy.create_engine)")
    env = {k: v for k, v in os.environ.items() if k != "BACKPROP_NBGRADER_AS_SHIPPED"}
    if as_shipped:
        env["BACKPROP_NBGRADER_AS_SHIPPED"] = "1"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(as_shipped)
    assert "nbgrader.preprocessors.OverwriteCells" in bench.STOCK_SANITIZE
