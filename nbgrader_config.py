"""nbgrader configuration of this course directory (the repository root is the course root)."""

import os
from pathlib import Path

from autograder.engine import nbgrader_speedups

if not os.environ.get("BACKPROP_NBGRADER_AS_SHIPPED"):  # set only by the bench, to time nbgrader as shipped
    nbgrader_speedups.install()  # caches nbgrader lacks (schema checked once, one engine per gradebook, tables made once)

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.solution_directory = "solutions"

# The exchange's inbound folder is writable by every learner: collect copies only regular files with one
# link and follows no link (nbgrader's copies a planted link's target into submitted/).
c.ExchangeFactory.collect = "autograder.engine.exchange.SafeCollect"

# Learner code is untrusted: a cell that runs too long is interrupted and scores 0, and
# grading goes on with the next cell and the next student.
c.Execute.timeout = 15
c.Execute.interrupt_on_timeout = True
# No wall-clock timestamps in executed notebooks: solutions/ must regenerate byte for byte.
c.Execute.record_timing = False
# A flood of output (a learner printing megabytes) delays IOPub messages; by default nbgrader
# then fails the whole notebook. Wait longer, and never fail the notebook for it.
c.Execute.iopub_timeout = 15
c.Execute.raise_on_iopub_timeout = False
# A learner can tag a test cell "skip-execution"; nbgrader does not restore tags. Point the
# skip tag at a name nobody uses so every test cell always runs.
c.Execute.skip_cells_with_tag = "backprop-course-never-skip-6f1c"
# A deleted test cell is put back from the gradebook and graded (with a note saying so).
c.OverwriteCells.add_missing_cells = True  # (OverwriteCellsOnce is one, and reads it too)

# Worked solutions are meant to be shared after the deadline: keep the hidden-test blocks
# (and so any mention of the grader) out of them, as generate_assignment does for release/.
c.GenerateSolution.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.Execute",
    "autograder.engine.nbgrader_steps.CoalesceStreams",
]

# nbconvert validates the whole notebook after every preprocessor (7 per pass, 2 passes per notebook
# autograded): validate once, after the last. Every notebook written is still validated.
c.Exporter.optimistic_validation = True

# Warnings a learner's code prints on stderr must not zero a test cell: errors still do.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"
# nbgrader's autograde pipeline, with GradeInSandbox in place of Execute: learner code never runs in a
# Jupyter kernel with our rights, but in a bubblewrap sandbox, and its recorded values are judged here.
c.Autograde.autograde_preprocessors = [
    "autograder.engine.nbgrader_steps.GradeInSandbox",
    "autograder.engine.nbgrader_steps.LimitOutputSize",
    "nbgrader.preprocessors.IgnorePattern",
    "autograder.engine.nbgrader_steps.RequireScore",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.engine.nbgrader_steps.SaveAutoGradesOnce",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# nbgrader's sanitising pipeline, with DeduplicateCells in place of DeduplicateIds (a
# duplicated test cell must not lose the student's whole assignment) and OverwriteCellsOnce in place
# of OverwriteCells (the same checks, the master cells read once per notebook, not once per cell).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "autograder.engine.nbgrader_steps.DeduplicateCells",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.engine.nbgrader_steps.OverwriteCellsOnce",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Feedback is built from the autograded notebooks, which hold the hidden-test blocks again:
# clear them first, and cut tracebacks (they quote the cell's source), so feedback shows the
# checks' messages and never their code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.ClearHiddenTests",
    "autograder.engine.nbgrader_steps.ScrubTracebacks",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
