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

With `scheduler` (a Dask scheduler's address, `autograder/cluster.py`), step 1 runs on the cluster's
workers instead: this process sanitizes and sends each recording job, the workers record and judge,
the outcomes are stored here as they arrive, and step 2 runs here (`GradebookWriter`, a batch of
students at a time, each once all their notebooks are graded).

Killed at any point, a rerun skips what is done: results already on disk are not regraded, and
students whose gradebook entry was written for the same results are not written again.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import gc
import hashlib
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from tqdm import tqdm
from traitlets.config.loader import PyFileConfigLoader

from autograder import jail, nbgrader_speedups, nbgrader_steps, notebook_grading, results, staging
from autograder.sandboxed.run import CELL_SECONDS

DONE = ".backprop-grader/done"
LOCK = ".backprop-grader/gradebook.lock"  # one gradebook session at a time across the workers


class BatchError(RuntimeError):
    """The course directory or the assignment is not usable (a clear message, exit 2)."""


@dataclass
class Job:
    root: str
    assignment: str
    student: str
    notebook: str  # path of the submitted .ipynb
    sandbox: bool
    classmates: tuple[str, ...] = ()  # who submitted this assignment (listed once per run, not per notebook)


def load_config(root: Path):
    path = root / "nbgrader_config.py"
    if not path.is_file():
        raise BatchError(f"{root} is not a course directory: it has no nbgrader_config.py")
    config = PyFileConfigLoader(path.name, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return config


def db_url(config, root: Path) -> str:
    """The gradebook nbgrader uses for this course: its configured URL, else gradebook.db in the root."""
    if "db_url" in config.get("CourseDirectory", {}):
        return config.CourseDirectory.db_url
    return f"sqlite:///{root / 'gradebook.db'}"


def _sanitize(config, root: Path, assignment: str, student: str, notebook: Path,
              sanitized: dict | None = None) -> nbformat.NotebookNode:
    """What nbgrader's autograde does before it runs anything: same preprocessors, same config. With
    `sanitized`, the result is kept there for nbgrader's own sanitizing pass (`SanitizedAlready`)."""
    data = notebook.read_bytes()
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    nb = nbgrader_steps.sanitize(config, nb, student, assignment, notebook.stem, db_url(config, root),
                                 str(notebook.parent))
    if sanitized is not None:
        sanitized[str(notebook.resolve())] = (hashlib.sha256(data).hexdigest(), nb)
    return nb


def grade_chunk(jobs: list[Job], write: bool = False) -> tuple[list[tuple[str, str, float, str | None]], dict]:
    """Worker: sanitize, record in the sandbox, judge the whole chunk in one pytest session
    (`notebook_grading.judge_many`); with `write` (the chunk holds every notebook of its students),
    then nbgrader's own gradebook step for its students, one gradebook session at a time across the
    workers. Returns (student, notebook, seconds, problem or None) for each job, and what the
    gradebook step did (counts, seconds, problems)."""
    nbgrader_speedups.install()
    with nbgrader_speedups.gradebooks_checked_once():  # nothing replaces the gradebook while a chunk is graded
        graded = _grade_chunk(jobs, write)
    _freeze_once()
    return graded


def _freeze_once() -> None:
    """After a worker's first chunk, everything it loaded (nbgrader, pytest, sympy, the oracle) leaves
    the garbage collector's generations: Python's full collections otherwise walk those ≈ 300 000
    objects again and again, ≈ 7 % of a worker's time. What is garbage now is collected first."""
    global _FROZEN
    if _FROZEN or not gc.isenabled():  # (gc.get_freeze_count() would walk all those objects)
        return
    _FROZEN = True
    gc.collect()
    gc.freeze()


_FROZEN = False


def _grade_chunk(jobs: list[Job], write: bool) -> tuple[list[tuple[str, str, float, str | None]], dict]:
    done, pending = [], []
    config = load_config(Path(jobs[0].root)) if jobs else None
    for job in jobs:
        started, name = time.monotonic(), Path(job.notebook).stem
        try:
            prepared = _prepare(config, job, nbgrader_steps.SanitizedAlready.done if write else None)
            if prepared is None:
                done.append((job.student, name, time.monotonic() - started, None))
                continue
            stored, wanted, recording, cells, notes = prepared
            warm = jail.warm_sandbox(_imported(job.root, job.assignment), _released_cells(job.root, job.assignment))
            ran = notebook_grading.record(recording, sandbox=job.sandbox, warm=warm)
            pending.append((job, stored, wanted, recording, cells, ran, notes, time.monotonic() - started))
        except Exception as exc:  # noqa: BLE001  (one broken submission never stops the batch)
            done.append((job.student, name, time.monotonic() - started, f"{type(exc).__name__}: {exc}"))
    started = time.monotonic()
    try:  # a notebook the grader cannot judge gets a GraderFailed; the others are judged normally
        outcomes = notebook_grading.judge_many([(recording, cells, ran) for _, _, _, recording, cells, ran, _, _ in pending])
    except Exception:  # noqa: BLE001  (the grader failed on one of them: judge each alone, so only it fails)
        outcomes = None
    share = (time.monotonic() - started) / max(len(pending), 1)
    unjudged: set[str] = set()  # students with a notebook the grader could not judge: not written this time
    for k, (job, stored, wanted, recording, cells, ran, notes, seconds) in enumerate(pending):
        name = Path(job.notebook).stem
        try:
            outcome = outcomes[k] if outcomes is not None else notebook_grading.judge(recording, cells, ran)
            if isinstance(outcome, notebook_grading.GraderFailed):
                raise outcome
            outcome.notes = notes
            results.save(stored, wanted, outcome)
            done.append((job.student, name, seconds + share, None))
        except notebook_grading.GraderFailed as exc:
            results.discard(stored)
            unjudged.add(job.student)
            done.append((job.student, name, seconds + share, grader_failure(exc)))
        except Exception as exc:  # noqa: BLE001
            done.append((job.student, name, seconds + share, f"{type(exc).__name__}: {exc}"))
    written = {"recorded": 0, "skipped": 0, "regraded": 0, "record_seconds": 0.0, "problems": []}
    if write and jobs:
        root = Path(jobs[0].root)
        nbgrader_speedups.one_gradebook_session_at_a_time(str(root / LOCK))
        students: dict[str, list[Path]] = {}
        for job in jobs:
            if job.student not in unjudged:
                students.setdefault(job.student, []).append(Path(job.notebook))
        try:
            if students:
                write_gradebook(root, config, jobs[0].assignment, students, written, sanitized=True)
        except Exception as exc:  # noqa: BLE001  (reported; the next run writes them, their results are kept)
            written["problems"].append(f"{', '.join(students)}: the gradebook step failed: {type(exc).__name__}: {exc}")
        finally:
            nbgrader_steps.SanitizedAlready.done.clear()
    return done, written


def grader_failure(exc: Exception) -> str:
    """What the summary says of a notebook the grader could not judge (`notebook_grading.GraderFailed`)."""
    return f"the grader could not judge it; nothing stored, no score written ({exc})"


@functools.cache
def _imported(root: str, assignment: str) -> tuple[str, ...]:
    """The top-level packages the assignment's own notebooks import (the warm sandbox preloads the slow
    ones): read from source/, written by the instructor, never from a submission."""
    names = set()
    for path in sorted((Path(root) / "source" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return tuple(sorted(names))


@functools.cache
def _released_cells(root: str, assignment: str) -> tuple[str, ...]:
    """The code cells of the assignment's release/ notebooks (what every learner was given, public):
    the warm sandbox compiles them once, not once per notebook (`run.know`)."""
    sources = []
    for path in sorted((Path(root) / "release" / assignment).glob("*.ipynb")):
        try:
            sources += [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        except (OSError, ValueError, AttributeError):
            continue  # a speed-up only: without it every cell is compiled in each recording
    return tuple(dict.fromkeys(sources))


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


SLOW_SECONDS = 1.0  # a notebook expected to record for longer is graded first, in a chunk of its own


def expected_seconds(root: Path, job: Job) -> float:
    """How long recording this notebook is expected to take, so that the longest are graded first (the
    longest-processing-time-first rule: an endless loop started last would run its 15 s alone after
    everything else is done). Only the order depends on it, never a grade. A previous recording's time
    when there is one (a resubmission, a regrade); else, for learner code with a `while` loop (where
    endless loops nearly always are), one cell's time limit; else 0."""
    try:
        outcome = json.loads(results.path_for(root, job.assignment, job.student, Path(job.notebook).stem).read_text())
        return float(outcome["outcome"]["sandbox_seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        cells = json.loads(Path(job.notebook).read_bytes())["cells"]
        code = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                         for c in cells if c.get("cell_type") == "code")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0.0
    return CELL_SECONDS if re.search(r"\bwhile\b", code) else 0.0


def _prepare(config, job: Job, sanitized: dict | None = None):
    """This machine's part before a cluster records: sanitize, stage, key. None if nothing is left
    to grade (a stored result for exactly this, or no test cell), else (result path, key, recording
    job, test cells, notes for the feedback). With `sanitized`, the sanitized notebook is kept there
    (`_sanitize`)."""
    root, path = Path(job.root), Path(job.notebook)
    nb = _sanitize(config, root, job.assignment, job.student, path, sanitized)
    staged = staging.stage(root, job.assignment, path.parent)  # submitted/<student>/<assignment>/, as GradeInSandbox
    if not staged.owns(path.stem):
        staging.withhold(nb, path.stem)
    stored, wanted, cached = results.lookup(root, nb, job.assignment, job.student, path.stem, staged)
    if cached is not None:
        return None
    secret = notebook_grading.course_secret(root)
    recording, cells = notebook_grading.recording_job(nb, job.assignment, job.student, secret, staged.files,
                                                      job.classmates)
    if not cells:
        results.save(stored, wanted, notebook_grading.NotebookOutcome(notes=list(staged.refused)))
        return None
    return stored, wanted, recording, cells, list(staged.refused)


def _grade_on_cluster(address: str, config, todo: list[Job], summary: dict, bar, on_graded, writer) -> None:
    """Send each submission's recording to the Dask cluster at `address`; store outcomes as they come."""
    from distributed import as_completed as completed

    from autograder import cluster

    client = cluster.connect(address, todo[0].sandbox)
    try:
        futures = {}
        for job in todo:
            name = f"{job.student}/{Path(job.notebook).stem}"
            started = time.monotonic()
            try:
                prepared = _prepare(config, job)
            except Exception as exc:  # noqa: BLE001  (one broken submission never stops the batch)
                prepared = exc
            summary["prepare_seconds"] = summary.get("prepare_seconds", 0.0) + time.monotonic() - started
            if prepared is None or isinstance(prepared, Exception):
                if prepared is not None:
                    summary["problems"].append(f"{name}: {type(prepared).__name__}: {prepared}")
                summary["graded"] += 1
                bar.update(1)
                writer.graded(job.student)
                continue
            stored, wanted, recording, cells, notes = prepared
            future = client.submit(cluster.grade_task, recording, [dataclasses.asdict(c) for c in cells], job.sandbox,
                                   key=f"grade-{job.assignment}-{name}-{wanted[:12]}", pure=False)
            futures[future] = (job.student, name, stored, wanted, notes)
        for future in completed(list(futures)):
            student, name, stored, wanted, notes = futures[future]
            failed = False
            try:
                outcome = cluster.outcome_from(future.result())
                outcome.notes = notes
                results.save(stored, wanted, outcome)
            except notebook_grading.GraderFailed as exc:  # (raised on the worker, re-raised here by Dask)
                results.discard(stored)
                summary["problems"].append(f"{name}: {grader_failure(exc)}")
                failed = True
            except Exception as exc:  # noqa: BLE001
                summary["problems"].append(f"{name}: the cluster could not grade it: {type(exc).__name__}: {exc}")
            summary["graded"] += 1
            bar.update(1)
            bar.set_postfix(failures=len(summary["problems"]))
            if on_graded:
                on_graded(summary["graded"])
            writer.graded(student, failed)
    finally:
        client.close()


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


def _stamps(root: Path, assignment: str, found: dict[str, list[Path]]) -> dict[Path, int | None]:
    out = {}
    for sid, notebooks in found.items():
        for nb in notebooks:
            path = results.path_for(root, assignment, sid, nb.stem)
            out[path] = path.stat().st_mtime_ns if path.exists() else None
    return out


def _done_path(root: Path, assignment: str, student: str) -> Path:
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
            _done_path(root, assignment, sid).unlink(missing_ok=True)
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
        _grade_on_cluster(scheduler, config, todo, summary, bar, on_graded, writer)
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
            already = json.loads(_done_path(root, assignment, sid).read_text()) == keys[sid]
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
            app.sanitize_preprocessors = ["autograder.nbgrader_steps.SanitizedAlready"]
        outcome = capture_log(app)
    # nbgrader goes on after a student it fails on and raises at the end, naming each: only they failed
    failed = _failed_students(outcome.get("log", ""))
    finished = bool(outcome.get("success")) or bool(failed)
    if not finished:
        summary["problems"].append(f"nbgrader autograde failed: {outcome.get('error', '')[-800:]}")
    for sid in stale:
        if finished and sid not in failed and (root / "autograded" / sid / assignment).is_dir():  # nbgrader removes failed ones
            done = _done_path(root, assignment, sid)
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


def scores(root: Path, assignment: str) -> dict[str, float]:
    """Each student's total score of the assignment, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(assignment)}
