"""`backprop-course autograde ASSIGNMENT`: grade a whole class in parallel, into nbgrader's gradebook.

1. **grade** (N worker processes, a chunk of students at a time: `grade_chunk`): each submitted
   notebook is sanitized exactly as `nbgrader autograde` does (the course's own sanitize
   preprocessors, test cells restored from the gradebook) and recorded in the worker's warm sandbox
   (`jail.WarmSandbox`: a fresh fork per notebook of a sandboxed process that has numpy imported);
   the chunk is judged in one pytest session; results land on disk, keyed by what was graded.
2. **record** (the same worker, right after): nbgrader's own autograde for the chunk's students runs
   with `GradeInSandbox`, which finds each result already there, so the gradebook, `autograded/`,
   feedback and export are nbgrader's, identical to those of `nbgrader autograde`. Workers write side
   by side, one gradebook session at a time (`nbgrader_speedups.one_gradebook_session_at_a_time`: a
   file lock around every `Gradebook`), so SQLite never sees two writers.

With `scheduler` (a Dask scheduler's address, `autograder/engine/cluster.py`), step 1 runs on the cluster's
workers instead: this process sanitizes and sends each recording job, the workers record and judge,
the outcomes are stored here as they arrive, and step 2 runs here (`GradebookWriter`, a batch of
students at a time, each once all their notebooks are graded).

Killed at any point, a rerun skips what is done: results already on disk are not regraded, and
students whose gradebook entry was written for the same results are not written again.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from autograder.engine import jail, nbgrader_speedups, notebook_grading, results
from autograder.engine.batch_worker import LOCK, SLOW_SECONDS, BatchError, Job, expected_seconds, grade_chunk, load_config
from autograder.engine.gradebook_writer import GradebookWriter, done_path


def chunks(todo: list[Job], workers: int, largest: int = 8, smallest: int = 1,
           alone: frozenset[str] = frozenset()) -> list[list[Job]]:
    """The jobs in chunks of students for the workers, each holding every notebook of its students:
    large while much is left (a chunk costs ≈ 0.2 s whatever its size: one pytest session judges it,
    one nbgrader run writes its students), shrinking towards the end so that no worker is left with a
    long chunk while others idle. Students in `alone` (expected to be slow) get a chunk each, so that
    no one else waits behind them."""
    students: list[list[Job]] = []
    for job in todo:
        if students and students[-1][0].student == job.student:
            students[-1].append(job)
        else:
            students.append([job])
    out, k = [], 0
    while k < len(students):
        size = max(smallest, min(largest, (len(students) - k) // (4 * workers)))
        chunk: list[list[Job]] = []
        while k < len(students) and len(chunk) < size and not (chunk and students[k][0].student in alone):
            chunk.append(students[k])
            k += 1
            if chunk[-1][0].student in alone:
                break
        out.append([job for student in chunk for job in student])
    return out










def submissions(root: Path, assignment: str, student: str | None) -> dict[str, list[Path]]:
    """Each student's submitted notebooks of `assignment`, links left out (a linked notebook would share
    its target's entry in `SanitizedAlready.done`; `nbgrader autograde` grades one as nothing, with a
    note: `staging.withhold`)."""
    base = root / "submitted"
    out = {}
    for folder in sorted(base.glob(f"*/{assignment}")) if base.is_dir() else []:
        sid = folder.parent.name
        if (student is None or sid == student) and folder.is_dir() and not folder.is_symlink():
            out[sid] = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink())
    return out












def longest_first(root: Path, todo: list[Job]) -> tuple[list[Job], frozenset[str]]:
    """The jobs, students expected to take longest first (each student's notebooks kept together, the
    order otherwise kept), and the students expected to be slow (`expected_seconds`)."""
    expected: dict[str, float] = {}
    for job in todo:
        expected[job.student] = expected.get(job.student, 0.0) + expected_seconds(root, job)
    ordered = sorted(todo, key=lambda job: -expected[job.student])  # stable
    return ordered, frozenset(sid for sid, seconds in expected.items() if seconds > SLOW_SECONDS)


def autograde(root: Path, assignment: str, jobs: int | None = None, student: str | None = None,
              force: bool = False, sandbox: bool = True, progress: bool = True, scheduler: str | None = None,
              on_graded=None) -> dict:
    """Grade every submission of `assignment`; return a summary. Raises BatchError on bad input.
    `scheduler`: a Dask scheduler's address; the recording and judging then run on its workers."""
    root = root.resolve()
    nbgrader_speedups.install()
    config = load_config(root)
    if not (root / "source" / assignment).is_dir():
        raise BatchError(f"no assignment {assignment!r}: {root / 'source' / assignment} does not exist")
    if sandbox:
        jail.check()
    else:
        notebook_grading.warn_no_sandbox()
    found = submissions(root, assignment, student)
    if not found:
        where = f"submitted/{student or '*'}/{assignment}/"
        raise BatchError(f"no submissions of {assignment!r} under {root / where}")
    notebook_grading.course_secret(root)  # created once, here, not by racing workers
    if force:
        for sid in found:
            done_path(root, assignment, sid).unlink(missing_ok=True)
            for nb in found[sid]:
                results.path_for(root, assignment, sid, nb.stem).unlink(missing_ok=True)
    everyone = results.classmates(root, assignment)
    todo = [Job(str(root), assignment, sid, str(nb), sandbox, everyone) for sid, nbs in found.items() for nb in nbs]
    todo, slow = longest_first(root, todo)
    summary = {"students": len(found), "notebooks": len(todo), "problems": [], "graded": 0, "recorded": 0,
               "skipped": 0, "regraded": 0, "grade_seconds": 0.0, "record_seconds": 0.0}
    started = time.monotonic()
    writer = GradebookWriter(root, config, assignment, found, summary)
    bar = tqdm(total=len(todo), desc=f"{assignment}: grading", unit="nb", disable=not progress, file=sys.stderr)
    workers = jobs or os.cpu_count() or 1
    if scheduler:
        from autograder.engine.cluster import grade_on_cluster  # (Dask only when asked for)

        grade_on_cluster(scheduler, config, todo, summary, bar, on_graded, writer)
    else:
        (root / LOCK).parent.mkdir(parents=True, exist_ok=True)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for future in as_completed([pool.submit(grade_chunk, chunk, True) for chunk in chunks(todo, workers, alone=slow)]):
                done, written = future.result()
                for sid, name, _, problem in done:
                    summary["graded"] += 1
                    if problem:
                        summary["problems"].append(f"{sid}/{name}: {problem}")
                    bar.update(1)
                    bar.set_postfix(failures=len(summary["problems"]))
                    if on_graded:
                        on_graded(summary["graded"])
                for k in ("recorded", "skipped", "regraded", "record_seconds"):
                    summary[k] += written[k]
                summary["problems"] += written["problems"]
    writer.flush()
    bar.close()
    summary["seconds"] = time.monotonic() - started
    # the time not spent writing the gradebook: the writer's own in the cluster path; in the local
    # path the workers wrote side by side, so their summed seconds are shared out among them
    summary["grade_seconds"] = summary["seconds"] - summary["record_seconds"] / (1 if scheduler else workers)
    if progress:
        print(f"{assignment}: gradebook written for {summary['recorded']} students", file=sys.stderr)
    return summary








def scores(root: Path, assignment: str) -> dict[str, float]:
    """Each student's total score of the assignment, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(assignment)}
