"""Instructor mistakes get a clear message and a non-zero exit, never a traceback."""

import subprocess
import sys

import pytest

from autograder.tools.course import Course, StepFailed


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder.tools.cli", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.slow
def test_demo_refuses_a_non_empty_workdir(tmp_path):
    (tmp_path / "something").write_text("x")
    proc = run_cli("demo", "--workdir", str(tmp_path))
    assert proc.returncode == 2
    assert "is not empty" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_verify_on_a_path_that_is_not_a_course(tmp_path):
    proc = run_cli("verify", "--course", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "is not a course directory" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_unknown_command_is_a_usage_error():
    proc = run_cli("grade-everything")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


@pytest.mark.slow
def test_a_missing_assignment_is_a_clear_step_failure(tmp_path):
    course = Course.create(tmp_path / "c")
    with pytest.raises(StepFailed, match="nbgrader generate_assignment no-such-assignment --force` failed"):
        course.generate("no-such-assignment")


@pytest.mark.slow
def test_a_malformed_notebook_is_a_clear_error_without_traceback(tmp_path):
    course = Course.create(tmp_path / "c")
    (course.root / "source" / "regression" / "regression.ipynb").write_text("{ not json")
    (course.root / "release").mkdir()
    proc = run_cli("generate", "--course", str(course.root))
    assert proc.returncode == 2
    assert "NotJSONError: Notebook does not appear to be JSON" in proc.stderr
    assert "Traceback" not in proc.stderr and 'File "' not in proc.stderr
    assert "full nbgrader output:" in proc.stderr


@pytest.mark.slow
def test_autograde_on_a_path_that_is_not_a_course(tmp_path):
    proc = run_cli("autograde", "regression", "--course", str(tmp_path / "nowhere"), "--quiet")
    assert proc.returncode == 2
    assert "is not a course directory" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_autograde_of_a_missing_assignment_or_no_submissions(tmp_path):
    course = Course.create(tmp_path / "c")
    proc = run_cli("autograde", "no-such-assignment", "--course", str(course.root), "--quiet")
    assert proc.returncode == 2 and "no assignment 'no-such-assignment'" in proc.stderr
    proc = run_cli("autograde", "regression", "--course", str(course.root), "--quiet")
    assert proc.returncode == 2 and "no submissions of 'regression'" in proc.stderr
    assert "Traceback" not in proc.stderr
