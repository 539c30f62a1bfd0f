"""nbgrader's caches (autograder/nbgrader_speedups.py) change its speed, never what it decides."""

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

from autograder import nbgrader_speedups

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


def test_a_good_cell_passes_and_the_schema_is_checked_once():
    nbgrader_speedups.install()
    nbgrader_speedups._validator.cache_clear()
    for points in (1, 2, 3):
        MetadataValidator().validate_cell(_cell(points=points))
    assert nbgrader_speedups._validator.cache_info().currsize == 1
    assert nbgrader_speedups._validator.cache_info().hits == 2


@pytest.fixture
def alembic_on_path(monkeypatch):
    """A new gradebook runs `alembic` (installed beside this Python): CI calls .venv/bin/python directly."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")


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
import sys, time
from autograder import nbgrader_speedups
nbgrader_speedups.one_gradebook_session_at_a_time(sys.argv[1] + "/gradebook.lock")
from nbgrader.api import Gradebook
with Gradebook("sqlite:///" + sys.argv[1] + "/gradebook.db") as gb:
    print("in", time.monotonic(), flush=True)
    time.sleep(0.8)
    gb.add_student(sys.argv[2])
    print("out", time.monotonic(), flush=True)
"""


def test_gradebook_sessions_of_several_processes_take_turns(tmp_path, alembic_on_path):
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}"):
        pass  # the database exists before they start
    procs = [subprocess.Popen([sys.executable, "-c", SESSION, str(tmp_path), sid], stdout=subprocess.PIPE, text=True)
             for sid in ("ana", "bo", "cy")]
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
