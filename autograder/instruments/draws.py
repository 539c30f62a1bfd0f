"""Grades that must not depend on luck: the corpus graded under many course secrets.

The course secret (with the student id) seeds every hidden point: runs, curves, batches. A mistake
whose effect lands within the judge's tolerance at one draw and beyond it at another is graded by
luck, and so is a right answer that a draw happens to push over a boundary. This grades every corpus
entry (`autograder/instruments/corpus.py`) under N secrets and lists each entry whose outcome (score, the
exercises that lost points, the mistakes named) is not the same under all of them.

    backprop-course draws [--secrets N] [--assignment A] [--jobs J] [--sandbox]

Fast path (default, the CI test's): the learner's cells run in a worker process of the grader (the
corpus is the project's own, trusted code), once per secret, each time in a fresh namespace, and the
recorders call them there; the probes are judged by the real hidden checks, all the secrets of an entry
in one pytest session. Only the points differ between two secrets, so that is what this measures.
`--sandbox` records each (entry, secret) in the real sandbox (a warm one per worker) instead: slower,
and it must give the same table (`tests/test_draws.py` checks one sandboxed secret against the fast
path).
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from autograder import assignments
from autograder.assignments.common import points
from autograder.engine import jail, notebook_grading, staging
from autograder.instruments import diagnoses
from autograder.instruments.corpus import ENTRIES, Entry

ROOT = diagnoses.ROOT


def secrets_for(n: int) -> list[bytes]:
    """N course secrets, fixed so that a run can be repeated; the corpus's own secret first."""
    return [diagnoses.SECRET] + [f"draw {k}".encode() for k in range(1, n)]


@dataclass(frozen=True)
class Outcome:
    """What a learner would see change between two draws."""
    score: float
    points: float
    lost: tuple[str, ...]
    diagnoses: tuple[str, ...]

    def short(self) -> str:
        lost = ", ".join(self.lost) or "-"
        named = ", ".join(self.diagnoses) or "-"
        return f"{self.score:g}/{self.points:g} lost: {lost}; named: {named}"


def _outcome(result: notebook_grading.NotebookOutcome | Exception) -> Outcome:
    if isinstance(result, Exception):
        return Outcome(float("nan"), float("nan"), (f"grader failed: {str(result)[:80]}",), ())
    return Outcome(sum(r.score for r in result.results), sum(r.points for r in result.results),
                   tuple(r.exercise for r in result.results if r.score < r.points),
                   tuple(d for r in result.results for d in r.diagnoses))


def _record_here(jobs: list[dict]) -> list[dict]:
    """What `session.record_notebook` records for each job (one notebook, one secret each), with the
    learner's cells run once in this process and each job recorded in a fork of it (so no state of
    one recording reaches the next), the recorders calling the learner's functions there. For the
    trusted corpus only: nothing here confines learner code."""
    from autograder.sandboxed import run

    os.environ.setdefault("MPLBACKEND", "Agg")  # a cell that draws draws nowhere
    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    out = []
    with tempfile.TemporaryDirectory(prefix="backprop-draws-") as scratch:
        try:
            os.chdir(scratch)
            for name, data in jobs[0].get("files", {}).items():
                Path(scratch, name).write_bytes(base64.b64decode(data))
            sys.path.insert(0, scratch)
            sys.modules.pop("quiz_variants", None)  # a staged module is the scratch folder's, imported afresh
            namespace: dict = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": run._NoShell()}
            with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), contextlib.redirect_stderr(null):
                problems = run.run_cells(jobs[0]["cells"], namespace)
                for job in jobs:
                    out.append({"messages": [{"cells": problems}, *_in_a_fork(job, namespace), {"done": True}],
                                "stopped": None, "seconds": 0.0})
        finally:
            os.chdir(saved_cwd)
            sys.path[:] = saved_path
            sys.modules.pop("quiz_variants", None)
    return out


def _in_a_fork(job: dict, namespace: dict) -> list[dict]:
    """The exercises' records of one job, recorded in a child process that then exits."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: record, send, exit without running the parent's clean-ups
        status = 0
        try:
            os.close(read)
            with os.fdopen(write, "wb") as sink:
                pickle.dump(_record_exercises(job, namespace), sink)
        except BaseException:  # noqa: BLE001  (the parent sees an empty pipe and says so)
            status = 1
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        data = source.read()
    _, status = os.waitpid(pid, 0)
    if status or not data:
        raise RuntimeError(f"recording {job['assignment']} in a fork failed (status {status})")
    return pickle.loads(data)  # noqa: S301  (our own child's records)


def _record_exercises(job: dict, namespace: dict) -> list[dict]:
    """As `session.record_notebook`, with the namespace here."""
    messages: list[dict] = []
    record, standins = assignments.get(job["assignment"]).record, {}
    with points.seeded(job["seed"]):
        for phase in job["phases"]:
            standins.update({n: assignments.standin(n) for n in assignments.with_needs(tuple(phase["standins"]))})
            for exercise in phase["exercises"]:
                try:
                    probe = record(exercise, namespace, dict(standins))
                except Exception as exc:  # noqa: BLE001  (as session.record_notebook)
                    messages.append({"exercise": exercise, "failed": f"{type(exc).__name__}: {exc}"[:300]})
                    continue
                messages.append({"exercise": exercise, "probe": probe})
    return messages


def grade_entry(entry: Entry, secrets: Sequence[bytes], sandbox: bool = False) -> list[Outcome]:
    """The entry's outcome under each secret, as `diagnoses.grade` would give it with that secret."""
    files = staging.course_files(ROOT, entry.assignment)
    student = "corpus-" + str(ENTRIES.index(entry))
    nb = diagnoses.notebook_of(entry, ROOT, student)
    with contextlib.ExitStack() as stack:
        jobs = [notebook_grading.recording_job(nb, entry.assignment, student, s, files) for s in secrets]
        if sandbox:
            warm = stack.enter_context(jail.WarmSandbox(jail.Limits()))
            recorded = [(job, cells, notebook_grading.record(job, None, True, warm)) for job, cells in jobs]
        else:
            recorded = [(job, cells, ran) for (job, cells), ran in zip(jobs, _record_here([j for j, _ in jobs]),
                                                                        strict=True)]
    return [_outcome(r) for r in notebook_grading.judge_many(recorded)]


def _grade_at(index: int, secrets: tuple[bytes, ...], sandbox: bool) -> list[Outcome]:
    return grade_entry(ENTRIES[index], secrets, sandbox)


def grade_all(entries: Iterable[Entry], secrets: Sequence[bytes], jobs: int | None = None,
              sandbox: bool = False) -> dict[Entry, list[Outcome]]:
    """Every entry under every secret, one entry per task, in `jobs` processes."""
    entries = list(entries)
    indices = [ENTRIES.index(e) for e in entries]
    with ProcessPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        out = pool.map(_grade_at, indices, [tuple(secrets)] * len(indices), [sandbox] * len(indices))
        return dict(zip(entries, out, strict=True))


def wrongly_graded(entry: Entry, outcome: Outcome) -> bool:
    """A right answer that lost a point or was told of a mistake; a wrong one with full marks."""
    full = outcome.score == outcome.points
    return (not full or bool(outcome.diagnoses)) if entry.correct else full


def varying(graded: dict[Entry, list[Outcome]]) -> list[Entry]:
    """The entries whose outcome is not the same under every secret, or wrong under one."""
    return [e for e, outs in graded.items() if len(set(outs)) > 1 or any(wrongly_graded(e, o) for o in outs)]


def report(graded: dict[Entry, list[Outcome]], secrets: Sequence[bytes]) -> str:
    """The table: per assignment, how many entries keep one outcome under every secret; then every entry
    that does not, with each distinct outcome and the secrets (by number) that give it."""
    lines = [f"{len(secrets)} secrets (0 = {secrets[0].decode()!r}, k = 'draw k')",
             f"{'assignment':<16}{'entries':>8}{'one outcome':>13}{'varies':>8}{'ever wrong':>12}"]
    for assignment in dict.fromkeys(e.assignment for e in graded):
        mine = {e: o for e, o in graded.items() if e.assignment == assignment}
        varies = sum(len(set(o)) > 1 for o in mine.values())
        wrong = sum(any(wrongly_graded(e, x) for x in o) for e, o in mine.items())
        lines.append(f"{assignment:<16}{len(mine):>8}{len(mine) - varies:>13}{varies:>8}{wrong:>12}")
    bad = varying(graded)
    lines.append(f"{'all':<16}{len(graded):>8}{len(graded) - sum(len(set(o)) > 1 for o in graded.values()):>13}"
                 f"{sum(len(set(o)) > 1 for o in graded.values()):>8}"
                 f"{sum(any(wrongly_graded(e, x) for x in o) for e, o in graded.items()):>12}")
    for entry in bad:
        outs = graded[entry]
        kind = "correct" if entry.correct else "wrong"
        lines.append(f"\n== {entry.assignment}: {entry.name} ({kind})")
        for distinct in dict.fromkeys(outs):
            which = [str(k) for k, o in enumerate(outs) if o == distinct]
            flag = "  <- wrongly graded" if wrongly_graded(entry, distinct) else ""
            lines.append(f"   secrets {','.join(which)}: {distinct.short()}{flag}")
    return "\n".join(lines)
