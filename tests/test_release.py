"""release/ and solutions/ are exactly nbgrader's output; release/ reveals nothing; a learner
can run the visible checks locally with one command."""

import shutil
import subprocess
import sys

import pytest

from autograder.cli import leaks, main
from autograder.samples import SAMPLES
from tests.conftest import REPO


def test_release_and_solutions_are_what_nbgrader_generates(capsys):
    assert main(["verify"]) == 0, capsys.readouterr().out


def test_release_reveals_no_solution_hidden_test_or_oracle():
    assert leaks(REPO / "release") == []
    text = "".join(p.read_text(encoding="utf-8") for p in (REPO / "release").rglob("*.ipynb"))
    assert "raise NotImplementedError()" in text and "np.outer(x, dz1)" not in text


def test_leak_check_catches_a_leak(tmp_path):
    shutil.copytree(REPO / "release", tmp_path / "release")
    nb = tmp_path / "release" / "regression" / "regression.ipynb"
    nb.write_text(nb.read_text(encoding="utf-8").replace("raise NotImplementedError()", "from autograder import oracle"))
    assert any("autograder" in p for p in leaks(tmp_path / "release"))


def test_verify_fails_when_release_drifts(tmp_path, capsys):
    course = tmp_path / "course"
    for part in ("source", "release", "solutions"):
        shutil.copytree(REPO / part, course / part)
    shutil.copy(REPO / "nbgrader_config.py", course)
    (course / "release" / "regression" / "regression.ipynb").write_text("{}")
    assert main(["verify", "--course", str(course)]) == 1
    assert "release/regression/regression.ipynb: differs" in capsys.readouterr().out


@pytest.mark.parametrize("student,passed,failed", [("ada", 7, 0), ("ben", 0, 7), ("cy", 6, 1)])
def test_learners_local_check_command(tmp_path, student, passed, failed):
    folder = tmp_path / "regression"
    shutil.copytree(REPO / "release" / "regression", folder)
    nb = folder / "regression.ipynb"
    SAMPLES[student].make("regression", nb, REPO / "source" / "regression" / "regression.ipynb", nb)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    summary = proc.stdout.strip().splitlines()[-1]
    assert (f"{passed} passed" in summary) == bool(passed) and (f"{failed} failed" in summary) == bool(failed), proc.stdout
    if student == "ben":
        assert "test_forward: NotImplementedError" in proc.stdout
    if student == "cy":
        assert "test_hidden_weights" in proc.stdout and "finite differences" in proc.stdout
