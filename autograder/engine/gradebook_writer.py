"""Step 2 of a batch: nbgrader's own autograde writes the gradebook for students whose notebooks are all
graded (`GradeInSandbox` finds each result already on disk), once per set of results: a rerun skips
students whose gradebook entry was written for the same results (`DONE` stamps)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from autograder.engine import nbgrader_steps, results

DONE = ".backprop-grader/done"


def _stamps(root: Path, assignment: str, found: dict[str, list[Path]]) -> dict[Path, int | None]:
    out = {}
    for sid, notebooks in found.items():
        for nb in notebooks:
            path = results.path_for(root, assignment, sid, nb.stem)
            out[path] = path.stat().st_mtime_ns if path.exists() else None
    return out


def done_path(root: Path, assignment: str, student: str) -> Path:
    return root / DONE / assignment / f"{student}.json"


def _result_keys(root: Path, assignment: str, student: str, notebooks: list[Path]) -> dict[str, str | None]:
    keys = {}
    for nb in notebooks:
        try:
            keys[nb.stem] = json.loads(results.path_for(root, assignment, student, nb.stem).read_text())["key"]
        except (OSError, ValueError, KeyError):
            keys[nb.stem] = None
    return keys


class GradebookWriter:
    """nbgrader's gradebook step, run here while the workers go on grading: once every notebook of a
    student is graded, the student waits for the next batch of `batch` students, which nbgrader's own
    autograde then writes. One writer (this process), so the gradebook never sees two at once; the
    gradebook's CPU time overlaps the workers' instead of following it on one core."""

    def __init__(self, root: Path, config, assignment: str, found: dict[str, list[Path]], summary: dict,
                 batch: int = 16) -> None:
        self.root, self.config, self.assignment, self.found, self.summary = root, config, assignment, found, summary
        self.left = {sid: len(nbs) for sid, nbs in found.items()}
        self.ready: list[str] = []
        self.unjudged: set[str] = set()  # a notebook the grader could not judge: the student is not written
        self.batch = batch

    def graded(self, student: str, unjudged: bool = False) -> None:
        """One notebook of `student` is graded (or failed to be; `unjudged`: the grader could not judge
        it, and then nbgrader's step would only fail on it again): write a batch when one is ready."""
        self.left[student] -= 1
        if unjudged:
            self.unjudged.add(student)
        if self.left[student] == 0 and student not in self.unjudged:
            self.ready.append(student)
        if len(self.ready) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.ready:
            return
        subset = {sid: self.found[sid] for sid in self.ready}
        self.ready = []
        write_gradebook(self.root, self.config, self.assignment, subset, self.summary)


def write_gradebook(root: Path, config, assignment: str, students: dict[str, list[Path]], summary: dict,
                    sanitized: bool = False) -> None:
    """nbgrader's own gradebook step for `students`, counted in `summary`; with `sanitized`, its
    sanitizing pass takes the notebooks this process sanitized already (`SanitizedAlready`)."""
    stored = _stamps(root, assignment, students)
    started = time.monotonic()
    _record(root, config, assignment, students, summary, sanitized)
    summary["record_seconds"] += time.monotonic() - started
    # nbgrader's step should find every result; one it had to grade again means the two disagree
    # on what was graded (it costs time, never a wrong grade: the result is recomputed).
    summary["regraded"] += sum(stored[p] != t for p, t in _stamps(root, assignment, students).items())


def _record(root: Path, config, assignment: str, found: dict[str, list[Path]], summary: dict,
            sanitized: bool = False) -> None:
    """nbgrader's own autograde, once, for the students whose gradebook entry is not already for
    these results (`nbgrader_steps.AutogradeStudents`: no other student's folder is looked at);
    GradeInSandbox finds every result on disk. With `sanitized`, its sanitizing pass is
    SanitizedAlready (the notebooks this worker sanitized)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.api import capture_log
    from nbgrader.utils import temp_attrs

    keys, stale = {}, []
    for sid, notebooks in found.items():
        keys[sid] = _result_keys(root, assignment, sid, notebooks)
        try:
            already = json.loads(done_path(root, assignment, sid).read_text()) == keys[sid]
        except (OSError, ValueError):
            already = False
        if already and (root / "autograded" / sid / assignment).is_dir():
            summary["skipped"] += 1
        else:
            stale.append(sid)
    if not stale:
        return
    api = NbGraderAPI(config=config)
    with temp_attrs(api.coursedir, assignment_id=assignment, student_id="*"):
        app = nbgrader_steps.AutogradeStudents(coursedir=api.coursedir, parent=api)
        app.students = tuple(stale)
        app.force, app.create_student = True, True
        if sanitized:
            app.sanitize_preprocessors = ["autograder.engine.nbgrader_steps.SanitizedAlready"]
        outcome = capture_log(app)
    # nbgrader goes on after a student it fails on and raises at the end, naming each: only they failed
    failed = _failed_students(outcome.get("log", ""))
    finished = bool(outcome.get("success")) or bool(failed)
    if not finished:
        summary["problems"].append(f"nbgrader autograde failed: {outcome.get('error', '')[-800:]}")
    for sid in stale:
        if finished and sid not in failed and (root / "autograded" / sid / assignment).is_dir():  # nbgrader removes failed ones
            done = done_path(root, assignment, sid)
            done.parent.mkdir(parents=True, exist_ok=True)
            tmp = done.with_suffix(".tmp")
            tmp.write_text(json.dumps(keys[sid]))
            os.replace(tmp, done)
            summary["recorded"] += 1
        else:
            why = f": {failed[sid]}" if failed.get(sid) else " (see nbgrader's log)"
            summary["problems"].append(f"{sid}: nbgrader could not record this submission{why}")


_FAILED = re.compile(r"There was an error processing assignment '[^']*' for student '([^']*)'")


_ERROR_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Failed|Exit|Interrupt))(: .*)?$")


def _failed_students(log: str) -> dict[str, str]:
    """The students nbgrader's autograde says it failed on (its last lines), each with the last exception
    line of its traceback ("" if none was found)."""
    failed = dict.fromkeys(_FAILED.findall(log), "")
    current = None
    for line in log.splitlines():
        if "There was an error processing assignment: " in line:
            parts = Path(line.split("There was an error processing assignment: ", 1)[1].strip()).parts
            current = parts[-2] if len(parts) >= 2 else None
        elif current in failed and _ERROR_LINE.match(line):
            failed[current] = line.strip()[:400]
    return failed
