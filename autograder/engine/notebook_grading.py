"""Grade one submitted notebook: record in the sandbox, judge here, write each test cell's result.

    outcome = grade_notebook(nb, assignment, student, secret, folder)

1. **plan**: the test cells say which exercises are graded (their hidden block's `grade(...)` call,
   read with `ast`, never run) and how many points each is worth (nbgrader's metadata);
2. **record** (`jail.run`, `engine/session.py`): the notebook's other code cells run in the
   sandbox's learner host; the recorders run here and call the learner's functions there, at hidden
   points drawn here from a seed the course secret and the student id determine (the host never
   learns it); what comes back is only the learner's answer, checked for shape and size;
3. **nothing else crosses**: correct building blocks are offered to the learner's code by value, only
   once what they answer is recorded; the probes are built here, so no line the sandbox writes can
   change the points an answer is judged at;
4. **judge and score** (`grading.run_all_checks`): the hidden pytest checks, in this process, one
   pytest session for all the notebook's exercises (`judge_many`: for several notebooks at once);
5. **write**: each test cell's outputs become the feedback text and the score, exactly what
   nbgrader records in the gradebook (the visible checks are not run: the grade is the hidden
   checks' fraction of the cell's points, and the feedback says so).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import hmac
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from autograder import assignments, grading
from autograder.engine import jail

GRADER_VERSION = "8"  # part of every result's key: a new grader regrades everything
SECRET_FILE = ".backprop-secret"


@dataclass
class TestCell:
    index: int
    grade_id: str
    assignment: str
    exercise: str
    points: float


@dataclass
class ExerciseResult:
    grade_id: str
    exercise: str
    points: float
    score: float
    feedback: str
    diagnoses: list[str] = field(default_factory=list)  # the failed checks' named mistakes, in order
    evidence: list[str] = field(default_factory=list)  # for the instructors' report (whose numbers a quiz answer has)


@dataclass
class NotebookOutcome:
    results: list[ExerciseResult] = field(default_factory=list)
    stopped: str | None = None
    cell_problems: list[dict] = field(default_factory=list)
    sandbox_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # about the submission as a whole (`staging`: what was left out)


class GraderFailed(RuntimeError):
    """The grader could not judge this notebook (its hidden checks failed on it even alone): the
    grader's failure, not the learner's. Nothing may be stored or scored as the learner's outcome;
    the instructor is told which notebook and why."""


def course_secret(root: Path) -> bytes:
    """The course's secret (created on first use, readable by the instructor only)."""
    path = Path(root) / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def seed_for(secret: bytes, assignment: str, student: str) -> int:
    """Each learner's hidden points: no one without the secret can compute them."""
    digest = hmac.new(secret, f"{assignment}/{student}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def _grade_call(source: str) -> tuple[str, str] | None:
    """(assignment, exercise) of the hidden block's `grade('assignment', 'exercise', …)` call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "grade" and len(node.args) >= 2:
            a, e = node.args[:2]
            if isinstance(a, ast.Constant) and isinstance(e, ast.Constant):
                return str(a.value), str(e.value)
    return None


def test_cells(nb: NotebookNode) -> list[TestCell]:
    found = []
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        call = _grade_call(cell.source)
        if call:
            found.append(TestCell(i, meta.get("grade_id", str(i)), call[0], call[1], float(meta.get("points", 0))))
    return found


def learner_cells(nb: NotebookNode) -> list[dict]:
    """Every code cell but the test cells, in order: what the learner's kernel would have run."""
    out = []
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not (meta.get("grade") and not meta.get("solution")):
            out.append({"id": meta.get("grade_id", f"cell {i + 1}"), "source": cell.source})
    return out


def _judged(cell: TestCell, probe: dict, title: str, results: list) -> ExerciseResult:
    if not results:  # run_all_checks never returns this: a probe no check ran on fails the session
        raise GraderFailed(f"{cell.exercise}: no hidden check ran")
    score = grading.score_of(results, cell.points)
    return ExerciseResult(cell.grade_id, cell.exercise, cell.points, score,
                          grading.report(title, cell.points, score, results, probe),
                          [r.diagnosis for r in results if not r.passed and r.diagnosis],
                          [r.evidence for r in results if not r.passed and r.evidence])


def _zero(cell: TestCell, title: str, reason: str) -> ExerciseResult:
    return ExerciseResult(cell.grade_id, cell.exercise, cell.points, 0.0,
                          f"{title}: 0 / {cell.points:g} points\n  ✗ {reason}")


@functools.cache
def plotting_cache() -> dict[str, str]:
    """matplotlib's font list as this machine built it (name → text), sent with every job: a fresh
    sandbox would otherwise rebuild it, ≈ 0.3 s of every notebook that imports pyplot."""
    try:
        import matplotlib
        from matplotlib import font_manager

        font_manager.fontManager  # noqa: B018  (builds the cache file if this machine has none yet)
        path = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
        return {path.name: path.read_text(encoding="utf-8")} if path.is_file() else {}
    except (ImportError, OSError):
        return {}


def recording_job(nb: NotebookNode, assignment: str, student: str, secret: bytes,
                  files: dict[str, str], classmates: tuple[str, ...] = ()) -> tuple[dict, list[TestCell]]:
    """What the sandbox needs to record this notebook, as plain data (the learner's cells, the
    staged files, the seed, the phases; never the secret), and the test cells to judge. `judging`
    (the student id and the classmates whose quiz numbers an answer may belong to) stays out of the
    sandbox (`jail.GRADER_ONLY`)."""
    cells = [c for c in test_cells(nb) if c.assignment == assignment]
    phases = assignments.get(assignment).phases([c.exercise for c in cells])
    job = {"assignment": assignment, "seed": seed_for(secret, assignment, student), "cells": learner_cells(nb),
           "files": files, "phases": [{"standins": list(s), "exercises": list(e)} for s, e in phases],
           "cache": plotting_cache(), "judging": {"learner": student, "classmates": sorted(classmates)}}
    return job, cells


def record(job: dict, limits: jail.Limits | None = None, sandbox: bool = True,
           warm: jail.WarmSandbox | None = None) -> dict:
    """Record a job (here, or on a cluster worker): the learner's cells and functions run in the
    sandbox, the recorders here. With `warm` (and its limits), in a fork of that warm sandbox
    instead of a fresh one."""
    ran = None
    if warm is not None and sandbox and limits in (None, warm.limits):
        try:
            ran = warm.run(job)
        except jail.SandboxUnavailable:  # it could not start here: a fresh sandbox, as always
            ran = None
    if ran is None:
        ran = jail.run(job, limits or jail.Limits(), sandbox=sandbox)
    return {"messages": ran.messages, "stopped": ran.stopped, "seconds": ran.seconds}


def judge(job: dict, cells: list[TestCell], ran: dict) -> NotebookOutcome:
    """Judge every test cell on what was recorded. Raises GraderFailed if the hidden checks cannot
    judge it."""
    outcome = judge_many([(job, cells, ran)])[0]
    if isinstance(outcome, GraderFailed):
        raise outcome
    return outcome


def _probes(job: dict, cells: list[TestCell], ran: dict) -> tuple[NotebookOutcome, dict[int, dict]]:
    """The outcome with the cells that cannot be judged already scored, and the probe of each other
    test cell (its index → the grader's inputs with the learner's recorded outputs)."""
    assignment = job["assignment"]
    outcome = NotebookOutcome(stopped=ran["stopped"], sandbox_seconds=ran["seconds"])
    messages = ran["messages"]
    outcome.cell_problems = next((m["cells"] for m in messages if isinstance(m.get("cells"), list)), [])
    recorded = {}
    for m in messages:
        if isinstance(m.get("exercise"), str):
            recorded.setdefault(m["exercise"], m)  # the first record of an exercise counts
    probes: dict[int, dict] = {}
    for k, cell in enumerate(cells):
        title = grading.title_of(assignment, cell.exercise)
        message = recorded.get(cell.exercise)
        if message is None:
            reason = f"Your notebook {outcome.stopped or 'stopped'} before this exercise was recorded."
            outcome.results.append(_zero(cell, title, reason))
        elif "failed" in message or not isinstance(message.get("probe"), dict):
            outcome.results.append(_zero(cell, title, f"Recording your code failed: {str(message.get('failed'))[:300]}"))
        else:
            probes[k] = {**message["probe"], "assignment": assignment, **job.get("judging", {})}
            outcome.results.append(None)  # judged with the others, in one pytest session
    return outcome, probes


def _check_groups(groups: list[list[dict]]) -> list[list[list[grading.CheckResult]] | str]:
    """The hidden checks' results for each group of probes (a notebook's), or why that group cannot be
    judged. One pytest session for all; if it fails (`grading.JudgingFailed`), one per group, and for a
    group that fails again one per probe, so that a probe breaking a session costs only its own
    notebook. A group with a probe that fails even alone gets the reason instead of results."""
    try:
        checked = iter(grading.run_all_checks([p for group in groups for p in group]))
        return [[next(checked) for _ in group] for group in groups]
    except grading.JudgingFailed as exc:
        failed = str(exc)
    if len(groups) > 1:
        return [_check_groups([group])[0] for group in groups]
    group = groups[0]
    if len(group) == 1:
        return [f"exercise {group[0].get('exercise')!r}: {failed}"]
    results = []
    for probe in group:
        try:
            results.append(grading.run_all_checks([probe])[0])
        except grading.JudgingFailed as exc:
            return [f"exercise {probe.get('exercise')!r}: {exc}"]
    return [results]


def judge_many(recorded: list[tuple[dict, list[TestCell], dict]]) -> list[NotebookOutcome | GraderFailed]:
    """Judge several notebooks ((job, test cells, what the sandbox recorded) each) in one pytest
    session: a session's start costs more than judging a notebook, so a worker judges a few at once.
    Each probe is judged on its own; the outcomes are those of one session per notebook. A notebook
    the grader cannot judge gets a GraderFailed in place of its outcome (returned, not raised: the
    others are judged normally); if the shared session fails, each notebook is judged again alone
    (`_check_groups`)."""
    prepared: list = []
    for job, cells, ran in recorded:
        try:
            prepared.append((_probes(job, cells, ran), job, cells))
        except Exception as exc:  # noqa: BLE001  (the grader's own failure on this notebook: its alone)
            prepared.append(GraderFailed(f"preparing its probes failed: {type(exc).__name__}: {str(exc)[:300]}"))
    judged = [p for p in prepared if not isinstance(p, GraderFailed)]
    checked = iter(_check_groups([list(probes.values()) for (_, probes), _, _ in judged]) if judged else [])
    outcomes: list[NotebookOutcome | GraderFailed] = []
    for item in prepared:
        if isinstance(item, GraderFailed):
            outcomes.append(item)
            continue
        (outcome, probes), job, cells = item
        results = next(checked)
        if isinstance(results, str):
            outcomes.append(GraderFailed(f"the hidden checks could not judge it: {results}"))
            continue
        try:
            for (k, probe), found in zip(probes.items(), results, strict=True):
                cell = cells[k]
                result = _judged(cell, probe, grading.title_of(job["assignment"], cell.exercise), found)
                if "missing" in probe and outcome.cell_problems:
                    result.feedback += "\n  Cells of your notebook that raised an error:" + "".join(
                        f"\n      {p.get('cell')}: {p.get('error')}" for p in outcome.cell_problems[:3])
                outcome.results[k] = result
        except GraderFailed as exc:
            outcomes.append(exc)
            continue
        except Exception as exc:  # noqa: BLE001  (the grader's own failure on this notebook: its alone)
            outcomes.append(GraderFailed(f"scoring its checks' results failed: {type(exc).__name__}: {str(exc)[:300]}"))
            continue
        outcomes.append(outcome)
    return outcomes


def grade_notebook(nb: NotebookNode, assignment: str, student: str, secret: bytes, folder: Path | None = None,
                   limits: jail.Limits | None = None, sandbox: bool = True,
                   files: dict[str, str] | None = None, classmates: tuple[str, ...] = (),
                   warm: jail.WarmSandbox | None = None) -> NotebookOutcome:
    """Record the notebook in the sandbox and judge every test cell; the notebook is not changed.
    The scratch folder gets `files` (name → base64), or else the files of `folder`."""
    limits = limits or jail.Limits()
    if files is None:
        files = jail.submission_files(folder, limits) if folder else {}
    job, cells = recording_job(nb, assignment, student, secret, files, classmates)
    if not cells:
        return NotebookOutcome()
    return judge(job, cells, record(job, limits, sandbox, warm))


def write_outputs(nb: NotebookNode, outcome: NotebookOutcome) -> None:
    """Each test cell shows its feedback and ends with its score, as nbgrader reads it. The outcome's
    notes (what was left out of the submission) go with the feedback of the first test cell graded, ahead
    of it: what learner code printed, quoted in the feedback, can then never push them past the output
    limit (`LimitOutputSize`)."""
    by_id = {r.grade_id: r for r in outcome.results}
    notes = "".join(f"\n  ⚠ {note}" for note in outcome.notes)
    notes = f"About your submission:{notes}\n\n" if notes else ""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        result = by_id.get(meta.get("grade_id"))
        if cell.cell_type != "code" or result is None:
            continue
        # what nbformat's new_output builds, without validating each output: the notebook is validated
        # whole when nbgrader writes it
        cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=notes + result.feedback + "\n"),
                        NotebookNode(output_type="execute_result", metadata=NotebookNode(),
                                     data=NotebookNode({"text/plain": repr(result.score)}), execution_count=None)]
        notes = ""


def warn_no_sandbox() -> None:
    print("WARNING: --no-sandbox: learner code runs with your rights, outside bubblewrap (it can read and "
          "write the course directory). Judging still happens out of its process.", file=sys.stderr)
