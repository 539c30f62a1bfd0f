"""nbgrader configuration of this course directory (the repository root is the course root)."""

from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.db_assignments = [{"name": "regression"}, {"name": "classification"}]

# Learner code is untrusted: a cell that runs too long is interrupted and scores 0, and
# grading goes on with the next cell and the next student.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# A learner can tag a test cell "skip-execution"; nbgrader does not restore tags. Point the
# skip tag at a name nobody uses so every test cell always runs.
c.Execute.skip_cells_with_tag = "backprop-course-never-skip-6f1c"
# A deleted test cell is put back from the gradebook and graded (with a note saying so).
c.OverwriteCells.add_missing_cells = True
