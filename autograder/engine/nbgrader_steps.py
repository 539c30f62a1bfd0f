"""Our own nbgrader preprocessors: each closes one gap in nbgrader's grading of test cells."""

from __future__ import annotations

import glob
import hashlib
import os
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.api import Gradebook, GradeCell, MissingEntry
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells, SaveAutoGrades
from nbgrader.utils import compute_checksum, determine_grade, is_grade, is_solution, is_task
from traitlets import Bool
from traitlets.utils.importstring import import_item

from autograder.engine import notebook_grading

SCORE_CALL = "from autograder.grading import grade"


class RequireScore(NbGraderPreprocessor):
    """A test cell of ours must end with its score. nbgrader gives FULL credit to a test cell
    with no result and no error: one that was skipped (a `skip-execution` tag) or whose
    result display was suppressed by learner code. Such a cell gets an error output here,
    so it scores 0 with a reason the learner can read."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell) or SCORE_CALL not in cell.source:
            return cell, resources
        kinds = {o.output_type for o in cell.get("outputs", [])}
        if "execute_result" not in kinds and "error" not in kinds:
            reason = ("This test cell produced no score: it was not run (a skip tag?) or its result was "
                      "hidden. It scores 0.")
            cell.outputs.append(new_output("error", ename="NoScore", evalue=reason, traceback=[reason]))
            self.log.warning("Test cell %s produced no score", cell.metadata["nbgrader"]["grade_id"])
        return cell, resources


class DeduplicateCells(NbGraderPreprocessor):
    """Replaces nbgrader's DeduplicateIds. When a learner duplicates a graded cell, only the
    last copy keeps its nbgrader identity (as in nbgrader) and the others become plain cells.
    nbgrader 0.9 leaves an empty `nbgrader` dict on them, which then crashes OverwriteCells
    and loses that student's whole assignment; here the key is removed instead."""

    def preprocess(self, nb: NotebookNode, resources: dict):
        seen: set[str] = set()
        for cell in reversed(nb.cells):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id is None:
                continue
            if grade_id in seen:
                self.log.warning("Cell %s appears more than once; ignoring the earlier copy", grade_id)
                del cell.metadata["nbgrader"]
                cell.source = f"# (A duplicate of cell {grade_id}: ignored by the grader.)\n" + cell.source
            seen.add(grade_id)
        return nb, resources


class _MasterCells:
    """The gradebook as OverwriteCells sees it, its notebook's master cells read in one go: nbgrader
    asks for each graded cell's source cell and grade cell in turn (≈ 40 queries a notebook)."""

    def __init__(self, gradebook: Gradebook, notebook: str, assignment: str) -> None:
        self.gradebook, self.names = gradebook, (notebook, assignment)
        try:
            master = self.master = gradebook.find_notebook(notebook, assignment)
        except MissingEntry:
            self.source, self.graded = {}, {}
            return
        self.source = {cell.name: cell for cell in master.source_cells}
        self.graded = {cell.name: cell for cell in master.task_cells}
        # The notebook's cells come without each grade cell's own columns (its points), which would then
        # be read one query per cell: one query reads them all.
        gradebook.db.query(GradeCell).filter(GradeCell.notebook_id == master.id).all()
        self.graded.update({cell.name: cell for cell in master.grade_cells})  # a grade cell first, as nbgrader

    def find_source_cell(self, name: str, notebook: str, assignment: str):
        if name not in self.source:
            raise MissingEntry(f"No such source cell: {assignment}/{notebook}/{name}")
        return self.source[name]

    def find_graded_cell(self, name: str, notebook: str, assignment: str):
        if name not in self.graded:
            raise MissingEntry(f"No such graded cell: {assignment}/{notebook}/{name}")
        return self.graded[name]

    def find_notebook(self, notebook: str, assignment: str):
        """The master notebook read above (its cells already loaded), when it is the one asked for:
        adding missing cells asks for it twice more."""
        if (notebook, assignment) == self.names and hasattr(self, "master"):
            return self.master
        return self.gradebook.find_notebook(notebook, assignment)

    def __getattr__(self, name):
        return getattr(self.gradebook, name)


class OverwriteCellsOnce(OverwriteCells):
    """nbgrader's OverwriteCells (same checks, same repairs, same warnings), reading the notebook's
    master cells from the gradebook once instead of once per cell. It runs twice per notebook in
    both doors (sanitizing, then nbgrader's autograde), so this is most of sanitizing's time."""

    def preprocess(self, nb: NotebookNode, resources: dict):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.db_url = resources["nbgrader"]["db_url"]
        with Gradebook(self.db_url) as gradebook:
            self.gradebook = _MasterCells(gradebook, self.notebook_id, self.assignment_id)
            nb, resources = super(OverwriteCells, self).preprocess(nb, resources)
            if self.add_missing_cells:
                nb, resources = self.add_missing_grade_cells(nb, resources)
                nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


class SaveAutoGradesOnce(SaveAutoGrades):
    """nbgrader's SaveAutoGrades (the same scores, review flags and "No response." comments), with the
    notebook's grades and comments read in two queries, not two per cell, and saved in one commit
    instead of one per cell: each commit waits for the disk (≈ 1.5 ms, ≈ 15 a notebook) while holding
    the gradebook, which the other workers are waiting for. A notebook's grades are saved whole or not
    at all."""

    def preprocess(self, nb: NotebookNode, resources: dict):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        self._rows: dict[str, dict] | None = None
        with Gradebook(self.db_url) as self.gradebook:
            nb, resources = super(SaveAutoGrades, self).preprocess(nb, resources)
            self.gradebook.db.commit()
        return nb, resources

    def _row(self, table: str, name: str):
        """The grade or comment of the cell `name`, as nbgrader's find_grade / find_comment find it (a
        grade cell's grade before a task cell's; a solution cell's comment before a task cell's)."""
        if self._rows is None:
            from nbgrader.api import Comment, Grade, SolutionCell, TaskCell
            from sqlalchemy.orm import joinedload

            submitted = self.gradebook.find_submission_notebook(self.notebook_id, self.assignment_id, self.student_id)
            self._rows = {"grade": {}, "comment": {}}
            for kind, model, first in (("grade", Grade, GradeCell), ("comment", Comment, SolutionCell)):
                found = self.gradebook.db.query(model).options(joinedload(model.cell)) \
                    .filter(model.notebook_id == submitted.id).all()
                for row in sorted(found, key=lambda r: isinstance(r.cell, first)):  # the preferred kind last: it wins
                    if isinstance(row.cell, (first, TaskCell)):
                        self._rows[kind][row.cell.name] = row
        try:
            return self._rows[table][name]
        except KeyError:
            raise MissingEntry(f"No such {table}: {self.assignment_id}/{self.notebook_id}/{name} for "
                               f"{self.student_id}") from None

    def _add_score(self, cell: NotebookNode, resources: dict) -> None:
        grade = self._row("grade", cell.metadata["nbgrader"]["grade_id"])
        grade.auto_score, _ = determine_grade(cell, self.log)
        # a manual grade, or no automatic score, needs a grader's review (as nbgrader decides)
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None

    def _add_comment(self, cell: NotebookNode, resources: dict) -> None:
        comment = self._row("comment", cell.metadata["nbgrader"]["grade_id"])
        unchanged = cell.metadata.nbgrader.get("checksum", None) == compute_checksum(cell) and not is_task(cell)
        comment.auto_comment = "No response." if unchanged else None


def sanitize(config, nb: NotebookNode, student: str, assignment: str, notebook: str, db_url: str,
             folder: str) -> NotebookNode:
    """What nbgrader's autograde does to a submitted notebook before it runs anything: the course's
    sanitize preprocessors, in order, with its config."""
    resources = {"nbgrader": {"student": student, "assignment": assignment, "notebook": notebook, "db_url": db_url},
                 "metadata": {"path": folder}}
    for name in config.Autograde.sanitize_preprocessors:
        nb, resources = import_item(name)(config=config).preprocess(nb, resources)
    return nb


class SanitizedAlready(NbGraderPreprocessor):
    """The sanitizing pass of nbgrader's gradebook step in `backprop-course autograde`, whose worker
    sanitized each notebook already, before recording it (`batch_worker._sanitize`: the course's sanitize
    preprocessors, the same gradebook): that notebook is taken instead of sanitizing it twice, if the
    submitted file is still the one it read. Any other is sanitized here, as nbgrader would."""

    done: dict[str, tuple[str, NotebookNode]] = {}  # submitted file → (SHA-256 of its bytes, sanitized notebook)

    def preprocess(self, nb: NotebookNode, resources: dict):
        info = resources["nbgrader"]
        path = Path(resources["metadata"]["path"]) / f"{info['notebook']}.ipynb"
        kept = self.done.pop(str(path.resolve()), None)
        try:
            same = kept is not None and hashlib.sha256(path.read_bytes()).hexdigest() == kept[0]
        except OSError:
            same = False
        if same:
            return kept[1], resources
        return sanitize(self.config, nb, info["student"], info["assignment"], info["notebook"], info["db_url"],
                        resources["metadata"]["path"]), resources


class AutogradeStudents(Autograde):
    """nbgrader's autograde for the students in `students` only (a `backprop-course autograde` chunk):
    their submitted folders are found directly. nbgrader, told to exclude everyone else, lists every
    student's folder and skips them one by one: work per chunk that grows with the class."""

    students: tuple[str, ...] = ()  # set on each instance

    def init_notebooks(self) -> None:
        self.assignments, self.notebooks = {}, []
        for student in self.students:
            folder = self._format_source(self.coursedir.assignment_id, student)
            if not os.path.isdir(folder):
                continue
            found = glob.glob(os.path.join(glob.escape(folder), self.coursedir.notebook_id + ".ipynb"))
            if found:
                self.assignments[folder] = found
            else:
                self.log.warning("No notebooks were matched by '%s'", os.path.join(folder, "*.ipynb"))
        if not self.assignments:
            msg = f"No notebooks were matched for {', '.join(self.students) or 'no student'}"
            self.log.error(msg)
            raise NbGraderException(msg)


class LimitOutputSize(NbGraderPreprocessor):
    """Cuts every cell's text output to a few thousand characters. nbgrader's LimitOutput
    counts lines, so one line of a megabyte (or a million prints) would go into the
    autograded notebook, the feedback page and the gradebook whole."""

    max_chars = 5000

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code":
            return cell, resources
        kept, used, dropped = [], 0, 0
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                text = out.text
                room = max(self.max_chars - used, 0)
                if len(text) > room:
                    dropped += len(text) - room
                    text = text[:room]
                used += len(text)
                if text:
                    out.text = text
                    kept.append(out)
            else:
                kept.append(out)
        if dropped:
            kept.append(new_output("stream", name="stdout",
                                   text=f"\n… [{dropped} more characters of output cut by the grader]\n"))
        cell.outputs = kept
        return cell, resources


class ScrubTracebacks(NbGraderPreprocessor):
    """For feedback: an error in a test cell keeps its name and message but loses its
    traceback, which IPython draws with the cell's source, hidden-test lines included
    (nbgrader issues #917 and #1363)."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type == "code" and is_grade(cell):
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {out.evalue}"]
        return cell, resources


class CoalesceStreams(NbGraderPreprocessor):
    """Merges consecutive stdout (or stderr) outputs of a cell into one. How a kernel splits a
    print across messages depends on timing; without this, generate_solution would not give
    the same solutions/ twice."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code":
            return cell, resources
        merged: list = []
        for out in cell.get("outputs", []):
            prev = merged[-1] if merged else None
            if (out.output_type == "stream" and prev is not None and prev.output_type == "stream"
                    and prev.name == out.name):
                prev.text += out.text
            else:
                merged.append(out)
        cell.outputs = merged
        return cell, resources


class GradeInSandbox(NbGraderPreprocessor):
    """Replaces nbgrader's Execute in autograding: the learner's code runs in the bubblewrap sandbox,
    the hidden checks judge its recorded values in this process, and each test cell gets the
    feedback and the score (`notebook_grading`). No Jupyter kernel runs learner code here.

    The sandbox gets the files `staging.stage` picks (the course's own files the assignment needs), read
    from the grader's copy of the submission, `submitted/<student>/<assignment>/`, never from the folder
    nbgrader is writing (`autograded/`: nbgrader fills it following links). Entries of the submission
    left out (links, special files) are told in the feedback, and the copies nbgrader made of them in
    `autograded/` are deleted (`staging.scrub`); a notebook that is not the learner's own regular file is
    not graded (`staging.withhold`).

    Results are kept under `.backprop-grader/results/` keyed by what was graded (the notebook's cells,
    the staged files and refused entries, the student's seed, the grader's version), so `backprop-course
    autograde` can grade a class in parallel first and this step then only writes what was found."""

    no_sandbox = Bool(False, help="Run learner code without bubblewrap (unsafe; judging stays out of process).").tag(
        config=True)

    def preprocess(self, nb: NotebookNode, resources: dict):
        from nbgrader.coursedir import CourseDirectory

        from autograder.engine import results, staging

        info = resources.get("nbgrader", {})
        # The course's own root, as nbgrader resolved it (a course's config may load another's).
        root = Path(self.config.CourseDirectory.get("root") or os.getcwd())
        assignment, student, notebook = info.get("assignment", ""), info.get("student", ""), info.get("notebook", "")
        coursedir = CourseDirectory(config=self.config, root=str(root))
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        staged = staging.stage(root, assignment, submitted)
        if not staged.owns(notebook):
            staging.withhold(nb, notebook)
        building = Path(resources.get("metadata", {}).get("path", "."))
        if staged.refused_paths and building.resolve() == Path(
                coursedir.format_path(coursedir.autograded_directory, student, assignment)).resolve():
            for rel in staging.scrub(building, staged):
                self.log.warning("Deleted %s from %s: nbgrader copied it through a link", rel, building)
        try:
            outcome = results.grade_cached(root, nb, assignment, student, notebook, staged, sandbox=not self.no_sandbox)
        except notebook_grading.GraderFailed as exc:
            # raised on: nbgrader then fails this student's notebook (no autograded copy, no score saved: the
            # step that saves scores comes after this one), goes on with the others and exits non-zero
            self.log.error("The grader could not judge %s/%s (nothing stored, no score): %s", student, notebook, exc)
            raise
        notebook_grading.write_outputs(nb, outcome)
        if outcome.stopped:
            self.log.warning("Sandbox stopped %s/%s early: %s", student, notebook, outcome.stopped)
        for note in outcome.notes:
            self.log.warning("%s/%s: %s", student, notebook, note)
        return nb, resources
