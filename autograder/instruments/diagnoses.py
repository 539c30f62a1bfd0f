"""How often feedback names the mistake: grade the corpus (`autograder/instruments/corpus.py`) through the real
grader (each notebook recorded in the sandbox, judged by the hidden checks) and count, per assignment:

- correct kept full: correct styles with full marks *and no diagnosis* (a correct answer accused of
  a mistake counts as a failure here, whatever its score);
- wrong caught: wrong submissions that lost points;
- wrong named: wrong submissions whose every exercise that lost points names what broke.

    backprop-course diagnoses [--jobs N] [--show unnamed|all]
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.assignments.quiz import builder as quiz
from autograder.engine import notebook_grading, staging
from autograder.instruments.corpus import ENTRIES, Entry

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"diagnosis corpus"


@dataclass
class Graded:
    entry: Entry
    score: float
    points: float
    lost: list[str]  # exercises that lost points
    unnamed: list[str]  # of those, the ones whose feedback names nothing
    diagnoses: list[str]
    feedback: str

    @property
    def full(self) -> bool:
        return self.score == self.points

    @property
    def named(self) -> bool:
        return bool(self.lost) and not self.unnamed


def notebook_of(entry: Entry, root: Path = ROOT, student: str = "") -> nbformat.NotebookNode:
    """The instructor's notebook (solutions and test cells, as nbgrader restores them for grading)
    with the entry's edits applied; a quiz is first solved with `student`'s own numbers."""
    nb = nbformat.read(root / "source" / entry.assignment / f"{entry.assignment}.ipynb", as_version=4)
    if entry.assignment == "quiz":
        quiz.solve(nb, student)
    for edit in entry.edits:
        edit(nb)
    return nb


def grade(entry: Entry, root: Path = ROOT, sandbox: bool = True) -> Graded:
    """Grade one corpus entry as both doors would: recorded in the sandbox, judged here."""
    files = staging.course_files(root, entry.assignment)  # what both doors stage beside a submission
    student = "corpus-" + str(ENTRIES.index(entry))
    outcome = notebook_grading.grade_notebook(notebook_of(entry, root, student), entry.assignment, student, SECRET,
                                              sandbox=sandbox, files=files)
    lost = [r for r in outcome.results if r.score < r.points]
    return Graded(entry, sum(r.score for r in outcome.results), sum(r.points for r in outcome.results),
                  [r.exercise for r in lost], [r.exercise for r in lost if not r.diagnoses],
                  [d for r in outcome.results for d in r.diagnoses],
                  "\n".join(r.feedback for r in lost))


def _grade_at(index: int, sandbox: bool) -> tuple:
    g = grade(ENTRIES[index], ROOT, sandbox)  # entries hold closures: processes exchange indices
    return g.score, g.points, g.lost, g.unnamed, g.diagnoses, g.feedback


def grade_all(entries: Iterable[Entry] = ENTRIES, jobs: int | None = None, sandbox: bool = True) -> list[Graded]:
    """Grade entries in parallel, in `jobs` processes (default: all cores)."""
    indices = [ENTRIES.index(e) for e in entries]
    with ProcessPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        out = pool.map(_grade_at, indices, [sandbox] * len(indices))
        return [Graded(ENTRIES[i], *fields) for i, fields in zip(indices, out, strict=True)]


def table(graded: list[Graded]) -> list[dict]:
    rows = []
    for assignment in dict.fromkeys(g.entry.assignment for g in graded):
        mine = [g for g in graded if g.entry.assignment == assignment]
        right = [g for g in mine if g.entry.correct]
        wrong = [g for g in mine if not g.entry.correct]
        rows.append({"assignment": assignment, "correct": len(right),
                     "kept_full": sum(g.full and not g.diagnoses for g in right),
                     "accused": sum(bool(g.diagnoses) for g in right), "wrong": len(wrong),
                     "caught": sum(not g.full for g in wrong), "named": sum(g.named for g in wrong)})
    return rows


def report(graded: list[Graded], show: str = "unnamed") -> str:
    rows = table(graded)
    lines = [f"{'assignment':<16}{'correct kept full':>19}{'wrong caught':>14}{'wrong named':>13}"]
    for r in rows:
        lines.append(f"{r['assignment']:<16}{r['kept_full']:>11} / {r['correct']:<5}{r['caught']:>8} / {r['wrong']:<3}"
                     f"{r['named']:>8} / {r['wrong']:<3}")
    total = {k: sum(r[k] for r in rows) for k in ("correct", "kept_full", "wrong", "caught", "named")}
    share = total["named"] / total["wrong"] if total["wrong"] else 0.0
    lines.append(f"{'all':<16}{total['kept_full']:>11} / {total['correct']:<5}{total['caught']:>8} / "
                 f"{total['wrong']:<3}{total['named']:>8} / {total['wrong']:<3} ({share:.0%} named)")
    for g in graded:
        problem = (g.entry.correct and (not g.full or g.diagnoses)) or (not g.entry.correct and not g.named)
        if show == "all" or problem:
            status = ("correct" if g.entry.correct else "wrong") + f", {g.score:g}/{g.points:g}"
            lines.append(f"\n== {g.entry.assignment}: {g.entry.name} ({status}; named: {', '.join(g.diagnoses) or '-'})")
            if show == "all" or not g.entry.correct or g.diagnoses:
                lines.extend("   " + ln for ln in g.feedback.splitlines()[:14])
    return "\n".join(lines)
