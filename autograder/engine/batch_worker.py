"""What one grading worker does with a chunk of submissions: sanitize each notebook as nbgrader does,
record it in the worker's warm sandbox, judge the chunk in one pytest session, store the results; then
(with `write`) nbgrader's own gradebook step for the chunk's students. `batch.py` hands out the chunks;
`cluster.py` sends the same recording jobs to Dask workers instead."""

from __future__ import annotations

import ast
import functools
import gc
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from traitlets.config.loader import PyFileConfigLoader

from autograder.engine import jail, nbgrader_speedups, nbgrader_steps, notebook_grading, results, staging
from autograder.engine.gradebook_writer import write_gradebook
from autograder.sandboxed.run import CELL_SECONDS

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
            prepared = prepare(config, job, nbgrader_steps.SanitizedAlready.done if write else None)
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


def prepare(config, job: Job, sanitized: dict | None = None):
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
