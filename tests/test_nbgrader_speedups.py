"""nbgrader's caches (autograder/nbgrader_speedups.py) change its speed, never what it decides."""

import json
import sqlite3
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


def test_one_engine_per_gradebook_and_no_connection_left_open(tmp_path):
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
