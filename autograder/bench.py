"""How much the hidden oracle checks cost: `backprop-course bench`.

Grades the same N correct submissions twice with the real `nbgrader autograde`: once with the
course as it is, once with every hidden-test block removed from source/ (nbgrader grading the
visible checks alone), and prints seconds per notebook for both and their ratio.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat

from autograder.course import Course
from autograder.samples import DEMO

HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)


def _strip_hidden(course: Course, assignment: str) -> None:
    path = course.root / "source" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.source = HIDDEN_BLOCK.sub("", cell.source)
    nbformat.write(nb, path)


def _time_autograde(workdir: Path, assignment: str, students: int, hidden: bool) -> float:
    course = Course.create(workdir)
    if not hidden:
        _strip_hidden(course, assignment)
    course.generate(assignment)
    solution = DEMO[0]  # the correct submission
    for k in range(students):
        dest = course.root / "submitted" / f"s{k:03d}" / assignment
        dest.mkdir(parents=True)
        solution.make(assignment, course.root / "release" / assignment / f"{assignment}.ipynb",
                      course.root / "source" / assignment / f"{assignment}.ipynb", dest / f"{assignment}.ipynb")
    start = time.perf_counter()
    course.autograde(assignment)
    return time.perf_counter() - start


def run(workdir: Path, assignment: str = "regression", students: int = 10) -> str:
    ours = _time_autograde(workdir / "with-hidden-checks", assignment, students, hidden=True)
    plain = _time_autograde(workdir / "visible-checks-only", assignment, students, hidden=False)
    return "\n".join([
        f"nbgrader autograde {assignment}, {students} correct submissions, one command each:",
        f"  with the hidden oracle checks : {ours:7.1f} s  ({ours / students:.2f} s per notebook)",
        f"  visible checks only           : {plain:7.1f} s  ({plain / students:.2f} s per notebook)",
        f"  ratio                         : {ours / plain:7.2f}",
        f"  cost of the hidden checks     : {(ours - plain) / students:.2f} s per notebook",
    ])
