"""One grader, two doors: `nbgrader autograde` (serial) and `backprop-course autograde` (parallel, with
the gradebook step's shortcuts: notebooks sanitized once, the longest graded first) write the same
autograded notebooks, the same grades and the same comments on the same submissions, the misbehaving
ones (duplicated, deleted and skip-tagged test cells, an endless loop, floods) among them."""

import json
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.engine import batch, batch_worker, gradebook_writer, results
from autograder.instruments.samples import BAD, DEMO
from autograder.tools.course import Course

ASSIGNMENT = "regression"
MIX = [*DEMO, *(s for s in BAD if s.student in ("dan", "hal", "ivy", "jon", "kim"))]


def _autograded(root: Path) -> dict:
    out = {}
    for path in sorted((root / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        out[path.parent.parent.name] = [(c["cell_type"], c["source"], c["metadata"], c.get("outputs"))
                                        for c in nb["cells"]]
    return out


def _gradebook(root: Path) -> dict:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        rows = {}
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                rows[sub.student.id] = (
                    sorted((g.name, g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades),
                    sorted((c.name, c.auto_comment) for c in nb.comments))
        return rows


@pytest.fixture(scope="module")
def doors(tmp_path_factory):
    course = Course.create(tmp_path_factory.mktemp("doors") / "course")
    course.generate(ASSIGNMENT)
    release = course.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source = course.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    for sample in MIX:
        dest = course.root / "submitted" / sample.student / ASSIGNMENT
        dest.mkdir(parents=True)
        sample.make(ASSIGNMENT, release, source, dest / f"{ASSIGNMENT}.ipynb")
    course.autograde(ASSIGNMENT)  # the first door: nbgrader autograde, serial
    first = (_autograded(course.root), _gradebook(course.root), batch.scores(course.root, ASSIGNMENT))
    for name in ("autograded", ".backprop-grader"):  # the second door from scratch on the same gradebook
        shutil.rmtree(course.root / name)
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = None
                for comment in nb.comments:
                    comment.auto_comment = None
        gb.db.commit()
    summary = batch.autograde(course.root, ASSIGNMENT, jobs=2, progress=False)
    second = (_autograded(course.root), _gradebook(course.root), batch.scores(course.root, ASSIGNMENT))
    return course, first, second, summary


@pytest.mark.slow
def test_both_doors_write_the_same_autograded_notebooks(doors):
    _, first, second, summary = doors
    assert summary["problems"] == [] and summary["regraded"] == 0, summary
    assert sorted(first[0]) == sorted(s.student for s in MIX)
    for student in first[0]:
        assert second[0][student] == first[0][student], student


@pytest.mark.slow
def test_both_doors_write_the_same_grades_and_comments(doors):
    _, first, second, _ = doors
    assert second[1] == first[1]
    assert second[2] == first[2]
    assert len(set(first[2].values())) >= 3  # full, none and partial credit among them


@pytest.mark.slow  # its fixture grades a class through nbgrader
def test_a_stored_recording_time_is_what_is_expected_next_time(doors):
    course, *_ = doors
    job = batch_worker.Job(str(course.root), ASSIGNMENT, "dan",
                    str(course.root / "submitted" / "dan" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), True)
    recorded = json.loads(results.path_for(course.root, ASSIGNMENT, "dan", ASSIGNMENT).read_text())
    assert recorded["outcome"]["sandbox_seconds"] > 15  # its endless loop, stopped
    assert batch_worker.expected_seconds(course.root, job) == recorded["outcome"]["sandbox_seconds"]


@pytest.mark.slow
def test_a_chunk_s_gradebook_step_looks_at_its_own_students_only(doors, monkeypatch):
    """The gradebook step of a chunk finds its students' submissions directly: nbgrader told to exclude
    the others lists every student's folder (work per chunk growing with the class). The student is
    still written, with the same autograded notebook."""
    import glob

    import nbgrader.converters.base

    from autograder.engine import nbgrader_steps

    course, *_ = doors
    root, student = course.root, MIX[0].student
    before = _autograded(root)[student]
    gradebook_writer.done_path(root, ASSIGNMENT, student).unlink()
    patterns, real = [], glob.glob

    def listed(pattern, *args, **kwargs):
        patterns.append(pattern)
        return real(pattern, *args, **kwargs)

    assert nbgrader.converters.base.glob is glob and nbgrader_steps.glob is glob  # both list through it
    monkeypatch.setattr(glob, "glob", listed)
    summary = {"recorded": 0, "skipped": 0, "problems": []}
    notebook = root / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    gradebook_writer._record(root, batch_worker.load_config(root), ASSIGNMENT, {student: [notebook]}, summary)
    assert summary["recorded"] == 1 and not summary["problems"], summary
    everyone = str(root / "submitted" / "*")
    assert any(p.startswith(str(root / "submitted" / student)) for p in patterns), patterns
    assert not [p for p in patterns if p.startswith(everyone)], patterns
    assert _autograded(root)[student] == before


def _notebook(path: Path, *cells: tuple[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [{"cell_type": kind, "source": text, "metadata": {}} for kind, text in cells],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_the_longest_expected_are_graded_first_each_in_a_chunk_of_its_own(tmp_path):
    root = tmp_path
    kinds = {
        "a-plain": [("code", "x = 1")],
        "b-loop": [("markdown", "# Training"), ("code", ["def f():\n", "    while x > 0:\n", "        pass\n"])],
        "c-said": [("markdown", "Run it while you wait."), ("code", "y = 2  # meanwhile")],
        "d-slow-before": [("code", "z = 3")],
        **{f"e{k}": [("code", "w = 4")] for k in range(12)},
    }
    todo = []
    for sid, cells in kinds.items():
        path = root / "submitted" / sid / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        _notebook(path, *cells)
        todo.append(batch_worker.Job(str(root), ASSIGNMENT, sid, str(path), True))
    stored = results.path_for(root, ASSIGNMENT, "d-slow-before", ASSIGNMENT)
    stored.parent.mkdir(parents=True)
    stored.write_text(json.dumps({"key": "old", "outcome": {"sandbox_seconds": 3.5}}))
    (root / "submitted" / "broken" / ASSIGNMENT).mkdir(parents=True)
    (root / "submitted" / "broken" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text("{ not json")
    todo.append(batch_worker.Job(str(root), ASSIGNMENT, "broken", str(root / "submitted" / "broken" / ASSIGNMENT /
                                                              f"{ASSIGNMENT}.ipynb"), True))
    seconds = {job.student: batch_worker.expected_seconds(root, job) for job in todo}
    assert seconds["b-loop"] == 15.0 and seconds["d-slow-before"] == 3.5
    assert {seconds[s] for s in seconds if s not in ("b-loop", "d-slow-before")} == {0.0}  # "while" in prose counts not
    ordered, slow = batch.longest_first(root, todo)
    assert [j.student for j in ordered][:3] == ["b-loop", "d-slow-before", "a-plain"] and slow == {"b-loop", "d-slow-before"}
    parts = batch.chunks(ordered, workers=1, alone=slow)
    assert [j.student for part in parts for j in part] == [j.student for j in ordered]  # each once, in order
    assert [[j.student for j in part] for part in parts[:2]] == [["b-loop"], ["d-slow-before"]]
    assert max(len(part) for part in parts) > 1  # the others share chunks


FREEZE = """
import gc, weakref
from autograder.engine import batch_worker
class Node:
    pass
kept = Node()
kept.me = kept  # alive at the freeze: frozen, never collected
batch_worker._freeze_once()
frozen = gc.get_freeze_count()
batch_worker._freeze_once()  # once per process
again = gc.get_freeze_count()
later = Node()
later.me = later  # garbage made after the freeze is still collected
gone = weakref.ref(later)
del later
gc.collect()
print(frozen > 10000, again == frozen, gone() is None, kept.me is kept)
"""


@pytest.mark.slow
def test_a_worker_freezes_what_it_loaded_once_and_still_collects_later_garbage():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", FREEZE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True", "True", "True"]
