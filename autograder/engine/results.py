"""Graded results kept on disk, keyed by what was graded, so nothing is graded twice.

A result's key is a hash of the grader's version, the assignment, the student's seed, the notebook's
cells (after nbgrader restored its test cells), the files staged beside it and the entries of the
submission refused (`staging`: links and the like): a resubmitted notebook, or one whose links changed,
gets a new key and is regraded; an unchanged one, or one a killed batch already finished, is not.
Files are written whole and renamed into place, so a kill never leaves half a result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path

from nbformat import NotebookNode

from autograder.engine import notebook_grading
from autograder.engine.notebook_grading import ExerciseResult, NotebookOutcome
from autograder.engine.staging import Staged

STORE = ".backprop-grader/results"


def key(nb: NotebookNode, assignment: str, student: str, secret: bytes, files: dict[str, str],
        refused: list[str] | tuple[str, ...] = ()) -> str:
    h = hashlib.sha256()
    seed = notebook_grading.seed_for(secret, assignment, student)
    cells = [[c.cell_type, c.source, c.metadata.get("nbgrader", {})] for c in nb.cells]
    h.update(json.dumps([notebook_grading.GRADER_VERSION, assignment, seed, cells, files, list(refused)],
                        sort_keys=True).encode())
    return h.hexdigest()


def path_for(root: Path, assignment: str, student: str, notebook: str) -> Path:
    return Path(root) / STORE / assignment / student / f"{notebook}.json"


def load(path: Path, wanted: str) -> NotebookOutcome | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != wanted:
        return None
    out = data["outcome"]
    return NotebookOutcome([ExerciseResult(**r) for r in out["results"]], out["stopped"], out["cell_problems"],
                           out["sandbox_seconds"], list(out.get("notes", [])))


def save(path: Path, wanted: str, outcome: NotebookOutcome) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps({"key": wanted, "outcome": dataclasses.asdict(outcome)}))  # json.dump: pure Python, slower
    os.replace(tmp, path)


def discard(path: Path) -> None:
    """No stored result for this notebook: the grader could not judge it (`notebook_grading.GraderFailed`),
    so an older one (another version of the notebook or of the grader) must not stand in for it, in a
    rerun's cache or in the cohort report."""
    path.unlink(missing_ok=True)


def classmates(root: Path, assignment: str) -> tuple[str, ...]:
    """Who submitted this assignment (`submitted/<id>/<assignment>/`): a quiz answer that is right
    for one of them and wrong for its author is flagged."""
    base = Path(root) / "submitted"
    return tuple(sorted(p.parent.name for p in base.glob(f"*/{assignment}") if p.is_dir())) if base.is_dir() else ()


def lookup(root: Path, nb: NotebookNode, assignment: str, student: str, notebook: str,
           staged: Staged) -> tuple[Path, str, NotebookOutcome | None]:
    """(where the result goes, its key, the stored outcome if this exact notebook was graded already)."""
    wanted = key(nb, assignment, student, notebook_grading.course_secret(root), staged.files, staged.refused)
    path = path_for(root, assignment, student, notebook)
    return path, wanted, load(path, wanted)


def grade_cached(root: Path, nb: NotebookNode, assignment: str, student: str, notebook: str, staged: Staged,
                 sandbox: bool = True) -> NotebookOutcome:
    """The stored result if this exact notebook was graded already, else grade it (with `staged.files`
    in the sandbox, `staged.refused` as the outcome's notes) and store it."""
    path, wanted, cached = lookup(root, nb, assignment, student, notebook, staged)
    if cached is not None:
        return cached
    secret = notebook_grading.course_secret(root)
    try:
        outcome = notebook_grading.grade_notebook(nb, assignment, student, secret, sandbox=sandbox, files=staged.files,
                                                  classmates=classmates(root, assignment))
    except notebook_grading.GraderFailed:
        discard(path)
        raise
    outcome.notes = list(staged.refused)
    save(path, wanted, outcome)
    return outcome
