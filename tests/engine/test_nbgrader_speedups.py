"""nbgrader's caches (autograder/engine/nbgrader_speedups.py) and OverwriteCellsOnce change its speed, never what it decides."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from nbformat.v4 import new_code_cell
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator, common

from autograder.engine import nbgrader_speedups

SCHEMA = json.loads((Path(common.__file__).parent / "v3.json").read_text())


def _cell(**meta):
    return new_code_cell("x = 1", metadata={"nbgrader": {"schema_version": 3, "grade": True, "solution": False,
                                                         "locked": True, "grade_id": "t1", **meta}})


@pytest.mark.parametrize("meta", [{"points": "two"}, {"grade_id": 7}, {"solution": None}, {"task": "yes"}])
def test_a_bad_cell_raises_what_jsonschema_raises(meta):
    nbgrader_speedups.install()
    cell = _cell(**{"points": 1, **meta})
    with pytest.raises(jsonschema.ValidationError) as original:
        jsonschema.validate(cell.metadata["nbgrader"], SCHEMA)
    with pytest.raises(jsonschema.ValidationError) as cached:
        MetadataValidator().validate_cell(cell)
    assert (cached.value.message, list(cached.value.path)) == (original.value.message, list(original.value.path))


def test_metadata_found_valid_is_not_validated_again_and_a_bad_one_always_is():
    nbgrader_speedups.install()
    nbgrader_speedups._validator.cache_clear()
    good, bad = _cell(points=7), _cell(points="seven")
    for _ in range(3):
        MetadataValidator().validate_cell(good)
        with pytest.raises(jsonschema.ValidationError):
            MetadataValidator().validate_cell(bad)
    validations = nbgrader_speedups._validator.cache_info()
    assert validations.hits + validations.misses == 1 + 3  # the good cell once, the bad one each time
    good.metadata["nbgrader"]["points"] = "7"  # changed after it was found valid: checked again
    with pytest.raises(jsonschema.ValidationError):
        MetadataValidator().validate_cell(good)


def test_a_good_cell_passes_and_the_schema_is_checked_once():
    nbgrader_speedups.install()
    nbgrader_speedups._validator.cache_clear()
    for points in (1.5, 2.5, 3.5):
        MetadataValidator().validate_cell(_cell(points=points))
    assert nbgrader_speedups._validator.cache_info().currsize == 1
    assert nbgrader_speedups._validator.cache_info().hits == 2


@pytest.fixture
def alembic_on_path(monkeypatch):
    """A new gradebook runs `alembic` (installed beside this Python): CI calls .venv/bin/python directly."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")


@pytest.mark.slow
def test_one_engine_per_gradebook_and_no_connection_left_open(tmp_path, alembic_on_path):
    nbgrader_speedups.install()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_student("ana")
        first = gb.engine
    with Gradebook(url) as gb:
        assert gb.engine is first
        assert [s.id for s in gb.students] == ["ana"]
    assert first.pool.checkedout() == 0
    # another process (here: sqlite3 itself) can take an exclusive lock: nothing of ours holds the file
    db = sqlite3.connect(tmp_path / "gradebook.db", timeout=0)
    db.execute("BEGIN EXCLUSIVE")
    db.rollback()
    db.close()
    (tmp_path / "gradebook.db").unlink()
    with Gradebook(url) as gb:  # a new file at the same URL starts empty
        assert gb.students == []


SESSION = """
import contextlib, sys, time
from autograder.engine import nbgrader_speedups
nbgrader_speedups.one_gradebook_session_at_a_time(sys.argv[1] + "/gradebook.lock")
from nbgrader.api import Gradebook
url = "sqlite:///" + sys.argv[1] + "/gradebook.db"
with nbgrader_speedups.gradebooks_checked_once() if sys.argv[3] == "scoped" else contextlib.nullcontext():
    with Gradebook(url):
        pass  # in the scope, the next one is the checked-once kind
    with Gradebook(url) as gb:
        print("in", time.monotonic(), flush=True)
        time.sleep(0.8)
        gb.add_student(sys.argv[2])
        print("out", time.monotonic(), flush=True)
"""


HELD = """
import fcntl, os, sys
from autograder.engine import nbgrader_speedups
lock = sys.argv[1] + "/gradebook.lock"
nbgrader_speedups.one_gradebook_session_at_a_time(lock)
from nbgrader.api import Gradebook

def held():
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)

with nbgrader_speedups.gradebooks_checked_once():
    for k in range(3):
        with Gradebook("sqlite:///" + sys.argv[1] + "/gradebook.db") as gb:
            print("open", k, held(), flush=True)
        print("closed", k, held(), flush=True)
"""


@pytest.mark.slow
def test_a_checked_once_gradebook_takes_the_lock_and_gives_it_back(tmp_path, alembic_on_path):
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}"):
        pass
    out = subprocess.run([sys.executable, "-c", HELD, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:-1] == [f"{state} {k} {state == 'open'}" for k in range(3) for state in ("open", "closed")]


@pytest.mark.slow
@pytest.mark.parametrize("scope", ["plain", "scoped"])
def test_gradebook_sessions_of_several_processes_take_turns(tmp_path, alembic_on_path, scope):
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}"):
        pass  # the database exists before they start
    procs = [subprocess.Popen([sys.executable, "-c", SESSION, str(tmp_path), sid, scope], stdout=subprocess.PIPE,
                              text=True) for sid in ("ana", "bo", "cy")]
    spans = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        times = dict(line.split() for line in out.splitlines())
        spans.append((float(times["in"]), float(times["out"])))
    spans.sort()
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:], strict=False)), spans  # never two at once
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        assert sorted(s.id for s in gb.students) == ["ana", "bo", "cy"]


@pytest.mark.slow
def test_a_gradebook_is_checked_once_per_scope_and_its_connection_closed_on_leaving(tmp_path, alembic_on_path):
    from sqlalchemy import event

    nbgrader_speedups.install()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_student("ana")
        engine = gb.engine
    statements = []

    def seen(conn, cursor, sql, *rest):
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with nbgrader_speedups.gradebooks_checked_once():
            with Gradebook(url) as gb:  # the first in the scope: checked as always
                pass
            checked = len(statements)
            assert any("sqlite_master" in s for s in statements) and any("course" in s for s in statements)
            sessions = []
            for sid in ("bo", "cy"):
                with Gradebook(url) as gb:
                    gb.add_student(sid)
                    sessions.append(gb.db())
                assert engine.pool.checkedout() == 0 and engine.pool.checkedin() == 1  # kept for the next one
            # each Gradebook its own session, from one session factory per engine
            assert sessions[0] is not sessions[1]
            assert nbgrader_speedups._session_maker(engine) is nbgrader_speedups._session_maker(engine)
            later = statements[checked:]
            assert not [s for s in later if "sqlite_master" in s or "FROM course" in s], later
            with Gradebook(url, "another_course"):  # another course: checked (and made) once
                pass
            assert any("FROM course" in s for s in statements[checked + len(later):])
        assert engine.pool.checkedin() == 0  # closed on leaving
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    with Gradebook(url) as gb:
        assert sorted(s.id for s in gb.students) == ["ana", "bo", "cy"]
        assert engine.pool.checkedin() == 0
    db = sqlite3.connect(tmp_path / "gradebook.db")
    assert sorted(r[0] for r in db.execute("SELECT id FROM course")) == ["another_course", "default_course"]
    db.close()


@pytest.mark.slow
def test_an_existing_gradebook_is_not_asked_about_each_table(tmp_path, alembic_on_path):
    from sqlalchemy import event

    nbgrader_speedups.install()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:  # a new gradebook: its tables are made
        gb.add_student("ana")
        engine = gb.engine
    statements = []

    def seen(conn, cursor, sql, *rest):
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with Gradebook(url) as gb:
            assert [s.id for s in gb.students] == ["ana"]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert not [s for s in statements if "table_info" in s or "CREATE" in s.upper()], statements
    assert len(statements) <= 6, statements  # the table list (twice), the course, the students
    db = sqlite3.connect(tmp_path / "gradebook.db")
    db.execute("DROP TABLE comment")  # one table missing: made again, as nbgrader would
    db.commit()
    db.close()
    with Gradebook(url):
        pass
    db = sqlite3.connect(tmp_path / "gradebook.db")
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'comment'").fetchone() == ("comment",)
    db.close()


def _tampered(release: Path) -> list:
    """The release notebook as learners break it: each way OverwriteCells repairs or reports."""
    import nbformat

    def graded(nb, test: bool):
        """The first test cell (a locked grade cell), or the first solution cell."""
        return next(c for c in nb.cells if (c.metadata.get("nbgrader", {}).get("grade") and test)
                    or (c.metadata.get("nbgrader", {}).get("solution") and not test))

    out = []
    nb = nbformat.read(release, as_version=4)
    graded(nb, True).source = "assert True  # no more checks"
    out.append(("a test cell rewritten", nb))
    nb = nbformat.read(release, as_version=4)
    graded(nb, True).metadata["nbgrader"]["points"] = 100
    out.append(("points raised", nb))
    nb = nbformat.read(release, as_version=4)
    cell = graded(nb, True)
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]
    out.append(("a test cell made markdown", nb))
    nb = nbformat.read(release, as_version=4)
    graded(nb, True).metadata["nbgrader"]["locked"] = False
    out.append(("a test cell unlocked", nb))
    nb = nbformat.read(release, as_version=4)
    nb.cells.remove(graded(nb, True))
    out.append(("a test cell deleted", nb))
    nb = nbformat.read(release, as_version=4)
    graded(nb, False).metadata["nbgrader"]["grade_id"] = "not-in-the-gradebook"
    out.append(("an unknown cell", nb))
    out.append(("untouched", nbformat.read(release, as_version=4)))
    return out


@pytest.mark.slow
def test_overwrite_cells_once_repairs_and_reports_as_nbgrader_does(tmp_path):
    """OverwriteCellsOnce (one read of the master cells) gives nbgrader's OverwriteCells' notebook on every
    kind of tampering, and its warnings less the false alarms, with a real gradebook made by nbgrader
    generate_assignment."""
    import copy
    import logging

    from nbgrader.preprocessors import OverwriteCells

    from autograder.engine.nbgrader_steps import OverwriteCellsOnce
    from autograder.tools.course import Course

    nbgrader_speedups.install()
    course = Course.create(tmp_path / "c")
    course.generate("regression")
    resources = {"nbgrader": {"notebook": "regression", "assignment": "regression", "student": "ana",
                              "db_url": f"sqlite:///{course.root / 'gradebook.db'}"}}
    for what, nb in _tampered(course.root / "release" / "regression" / "regression.ipynb"):
        done, said = [], []
        for kind in (OverwriteCells, OverwriteCellsOnce):
            log = logging.getLogger(f"overwrite-{kind.__name__}")
            records: list[str] = []
            handler = logging.Handler()
            handler.emit = lambda record, records=records: records.append(record.getMessage())
            log.addHandler(handler)
            try:
                step = kind(add_missing_cells=True, log=log)
                out, _ = step.preprocess(copy.deepcopy(nb), copy.deepcopy(resources))
            except Exception as exc:  # noqa: BLE001  (nbgrader's own failures must be the same too)
                out = f"{type(exc).__name__}: {exc}"
            finally:
                log.removeHandler(handler)
            done.append(out)
            said.append(records)
        assert done[0] == done[1], what
        # the same warnings, but for nbgrader's false alarm on test cells that are exactly the release
        # (its checksum includes the hidden tests the learner's copy never had): ours names only edits
        assert set(said[1]) <= set(said[0]), what
        assert said[0] or what == "untouched", what
        # each tampering is reported, nothing else; a test cell's lock flag is not one: nbgrader treats a
        # test cell as locked whatever the flag says (`is_locked`), and restores it the same
        assert bool(said[1]) == (what not in ("untouched", "a test cell unlocked")), (what, said[1])
        assert isinstance(done[0], str) == (what == "an unknown cell"), (what, done[0])  # nbgrader 0.9's KeyError
    # its reads: the notebook, its source cells, its cells, its grade cells whole; not one per grade cell
    import nbformat
    import nbgrader.api
    from sqlalchemy import event

    engine = nbgrader.api.create_engine(resources["nbgrader"]["db_url"], echo=False, future=True)
    statements: list[str] = []
    listener = lambda conn, cursor, sql, *rest: statements.append(sql)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with nbgrader_speedups.gradebooks_checked_once():
            with Gradebook(resources["nbgrader"]["db_url"]):  # (the gradebook's own checks, made once here)
                pass
            statements.clear()
            OverwriteCellsOnce(add_missing_cells=True).preprocess(
                nbformat.read(course.root / "release" / "regression" / "regression.ipynb", as_version=4),
                copy.deepcopy(resources))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().startswith("SELECT")]) == 4, statements


def _graded_release(course_root: Path):
    """The release notebook as GradeInSandbox leaves it: test cells with a score, an error or nothing,
    one solution cell answered and the others untouched."""
    import nbformat
    from nbformat.v4 import new_output

    nb = nbformat.read(course_root / "release" / "regression" / "regression.ipynb", as_version=4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests[0].outputs = [new_output("execute_result", data={"text/plain": "0.5"}, execution_count=None)]
    tests[1].outputs = [new_output("error", ename="AssertionError", evalue="no", traceback=[])]
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    solutions[0].source += "\nanswered = True"
    return nb


def _rows(url: str) -> list:
    with Gradebook(url) as gb:
        nb = gb.find_submission_notebook("regression", "regression", "ana")
        return sorted([(g.name, g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades]
                      + [(c.name, c.auto_comment) for c in nb.comments], key=repr)


@pytest.mark.slow
def test_save_auto_grades_once_saves_what_nbgrader_saves_in_one_commit(tmp_path):
    import copy

    from nbgrader.preprocessors import SaveAutoGrades
    from sqlalchemy import event

    from autograder.engine.nbgrader_steps import SaveAutoGradesOnce
    from autograder.tools.course import Course

    nbgrader_speedups.install()
    course = Course.create(tmp_path / "c")
    course.generate("regression")
    url = f"sqlite:///{course.root / 'gradebook.db'}"
    nb = _graded_release(course.root)
    resources = {"nbgrader": {"notebook": "regression", "assignment": "regression", "student": "ana", "db_url": url}}
    saved = []
    for kind in (SaveAutoGrades, SaveAutoGradesOnce):
        with Gradebook(url) as gb:  # a fresh submission, one grade of it graded by hand already
            if "ana" in [s.id for s in gb.students]:
                gb.remove_submission("regression", "ana")
            else:
                gb.add_student("ana")
            gb.add_submission("regression", "ana")
            grade = gb.find_submission_notebook("regression", "regression", "ana").grades[-1]
            grade.manual_score = 0.25
            gb.db.commit()
            engine = gb.engine
        commits = []

        def counted(conn, commits=commits):
            commits.append(1)

        event.listen(engine, "commit", counted)
        try:
            with Gradebook(url):
                opening = len(commits)  # what opening a gradebook commits, whoever opens it
            kind().preprocess(copy.deepcopy(nb), copy.deepcopy(resources))
        finally:
            event.remove(engine, "commit", counted)
        saved.append((_rows(url), len(commits) - 2 * opening))
    (theirs, their_commits), (ours, our_commits) = saved
    assert ours == theirs
    assert {row[1] for row in theirs if len(row) == 4} >= {0.5, 0.0, 1.0}  # partial, failed, no output (full)
    assert {row[1] for row in theirs if len(row) == 2} == {"No response.", None}
    assert any(row[3] for row in theirs if len(row) == 4)  # the hand-graded one needs review
    assert our_commits == 1 < their_commits


@pytest.mark.slow
def test_sanitized_already_takes_the_workers_notebook_only_while_the_file_is_unchanged(tmp_path):
    import copy

    import nbformat

    from autograder.engine import batch_worker
    from autograder.engine.nbgrader_steps import SanitizedAlready, sanitize
    from autograder.tools.course import Course

    nbgrader_speedups.install()
    course = Course.create(tmp_path / "c")
    course.generate("regression")
    config = batch_worker.load_config(course.root)
    folder = course.root / "submitted" / "ana" / "regression"
    folder.mkdir(parents=True)
    path = folder / "regression.ipynb"
    path.write_bytes((course.root / "release" / "regression" / "regression.ipynb").read_bytes())
    url = f"sqlite:///{course.root / 'gradebook.db'}"
    resources = {"nbgrader": {"notebook": "regression", "assignment": "regression", "student": "ana", "db_url": url},
                 "metadata": {"path": str(folder)}}
    fresh = nbformat.read(path, as_version=4)
    expected = sanitize(config, copy.deepcopy(fresh), "ana", "regression", "regression", url, str(folder))
    step = SanitizedAlready(config=config)

    kept = batch_worker._sanitize(config, course.root, "regression", "ana", path, SanitizedAlready.done)
    assert kept == expected
    out, _ = step.preprocess(copy.deepcopy(fresh), copy.deepcopy(resources))
    assert out is kept and SanitizedAlready.done == {}  # taken once, as it was

    batch_worker._sanitize(config, course.root, "regression", "ana", path, SanitizedAlready.done)
    changed = nbformat.read(path, as_version=4)
    answer = next(c for c in changed.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source += "\n# resubmitted"  # a solution cell: what sanitizing keeps
    nbformat.write(changed, path)  # the file changed after the worker read it: sanitized again, here
    out, _ = step.preprocess(copy.deepcopy(changed), copy.deepcopy(resources))
    assert out == sanitize(config, copy.deepcopy(changed), "ana", "regression", "regression", url, str(folder))
    assert out != expected

    nbformat.write(fresh, path)
    out, _ = step.preprocess(copy.deepcopy(fresh), copy.deepcopy(resources))  # never kept: sanitized here
    assert out == expected
