"""The full nbgrader cycle for the warm-up, XOR, general-backward and "why" assignments:
generate → release → fetch → submit → collect → autograde → generate_feedback → export, with real
nbgrader commands and kernels. The solution gets full marks, the untouched release 0, and a
planted mistake partial credit with the mistake named in the feedback."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograder import assignments
from autograder.instruments.samples import DEMO
from autograder.tools.cli import run_cycle
from autograder.tools.course import Course

pytestmark = pytest.mark.cycle

ASSIGNMENTS = ("warmup", "xor", "layers", "why")
TOTAL = {a: sum(assignments.points_of(a).values()) for a in ASSIGNMENTS}  # as the source notebooks give them
PLANTED = {  # cy's score and the mistake the feedback must name
    "warmup": (5, "sigmoid derivative at z"),   # ∂ŷ/∂z link 0/1, the formula missing its 2: 0/2
    "xor": (5, "sigmoid derivative at z"),      # hidden layer 0/2
    "layers": (8.5, "activation derivative at z"),  # tanh' from z: activations 1.5/2 (3 of 4 kinds right)
    "why": (5, "last = first read as diverging"),  # ≥ for >: the boundary check 1/2
}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    course = Course.create(tmp_path_factory.mktemp("cycle") / "course")
    rows = run_cycle(course, {a: DEMO for a in ASSIGNMENTS}, say=lambda msg: None, fast=True)  # the parallel door
    return course, {(r["student_id"], r["assignment"]): float(r["score"]) for r in rows}


def feedback(course, student, assignment):
    return (course.root / "feedback" / student / assignment / f"{assignment}.html").read_text(encoding="utf-8")


def test_scores(cycle):
    _, scores = cycle
    expected = {}
    for a in ASSIGNMENTS:
        expected[("ada", a)] = float(TOTAL[a])
        expected[("ben", a)] = 0.0
        expected[("cy", a)] = float(PLANTED[a][0])
    assert {k: scores.get(k) for k in expected} == expected


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_names_the_planted_mistake(cycle, assignment):
    course, _ = cycle
    assert f"This matches a known mistake: {PLANTED[assignment][1]}." in feedback(course, "cy", assignment)


def test_feedback_explains_the_other_planted_mistakes(cycle):
    course, _ = cycle
    assert "This matches a known mistake: missing ×2." in feedback(course, "cy", "warmup")  # the by-hand formula
    assert "last equals first" in feedback(course, "cy", "why")  # the curve it got wrong


def test_feedback_has_no_hidden_test_code(cycle):
    course, _ = cycle
    for a in ASSIGNMENTS:
        for student in ("ada", "ben", "cy"):
            text = feedback(course, student, a)
            assert "BEGIN HIDDEN TESTS" not in text and "autograder.grading" not in text


def test_a_second_run_regrades_nothing_and_changes_no_grade(cycle):
    """Resumable: results and gradebook entries already written for the same submissions are kept."""
    course, scores = cycle
    out = course.fast_autograde("warmup")
    assert "0 written, 3 already up to date" in out, out
    assert {(r["student_id"], r["assignment"]): float(r["score"]) for r in course.export()} == scores


def test_forced_regrade_grades_each_notebook_once_with_the_same_grades(cycle):
    """--force regrades everything in the workers; nbgrader's step then finds every result."""
    course, scores = cycle
    proc = subprocess.run([sys.executable, "-m", "autograder.tools.cli", "autograde", "layers", "--course", str(course.root),
                           "--force", "--quiet"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "3 written, 0 already up to date, 0 graded again by nbgrader's step" in proc.stdout, proc.stdout
    assert {(r["student_id"], r["assignment"]): float(r["score"]) for r in course.export()} == scores


def test_killed_half_way_a_rerun_finishes_without_regrading_and_grades_as_an_uninterrupted_run(cycle):
    """SIGKILL `backprop-course autograde` once some results are stored; the next run keeps those
    results untouched, grades the rest, and the gradebook equals an uninterrupted run's."""
    course, scores = cycle
    submitted = course.root / "submitted"
    extra = [f"late{k:02d}" for k in range(10)]
    for sid in extra:  # ten more copies of ada's warm-up, submitted as nbgrader collects them
        shutil.copytree(submitted / "ada" / "warmup", submitted / sid / "warmup")
    store = course.root / ".backprop-grader" / "results" / "warmup"
    cmd = [sys.executable, "-m", "autograder.tools.cli", "autograde", "warmup", "--course", str(course.root), "--quiet",
           "--jobs", "1"]
    proc = subprocess.Popen([*cmd, "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(store.glob("*/*.json"))) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = {p: p.stat().st_mtime_ns for p in store.glob("*/*.json")}
    assert 4 <= len(kept) < 13, "killed half way: some results stored, not all"
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    # the gradebook step writes the students the killed run had not written (in batches beside the
    # grading, it may have written some), and grades nothing again
    written = re.search(r"(\d+) written, (\d+) already up to date, (\d+) graded again", done.stdout)
    assert "13 notebooks" in done.stdout and written, done.stdout
    assert int(written[1]) + int(written[2]) == 13 and int(written[1]) >= 13 - len(kept) and written[3] == "0", done.stdout
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items()), "a stored result was graded again"
    final = {(r["student_id"], r["assignment"]): float(r["score"]) for r in course.export()}
    assert {k: v for k, v in final.items() if k[0] not in extra} == scores
    assert {final[f"late{k:02d}", "warmup"] for k in range(10)} == {scores["ada", "warmup"]}
