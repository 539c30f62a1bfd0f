"""Caches nbgrader 0.9 lacks, installed in the grader's processes; nothing it computes changes.

1. **Its cell-metadata schema is checked once, not once per cell.** `CheckCellMetadata` (run twice per
   notebook by autograde) validates each cell with `jsonschema.validate`, which first re-checks the
   schema itself against the JSON Schema meta-schema: ≈ 85 % of that step's time. Here the validator is
   built once per schema; each cell is still validated the same way and raises the same error. Cell
   metadata equal to metadata already found valid (most of a class's cells) is not validated again.
2. **One database engine per gradebook URL, not one per `Gradebook()`.** nbgrader opens a `Gradebook`
   ≈ 10 times per notebook it autogrades, each with a new SQLAlchemy engine, so SQLAlchemy's cache
   of compiled statements starts empty every time and every query is compiled again. Here the engine
   is kept; `Gradebook.close()` still disposes of its connections, so no connection stays open.
3. **Tables made only when one is missing.** Every `Gradebook()` calls `create_all`, which asks the
   database about each of its 14 tables in turn (≈ 1 ms, ≈ 10 times per notebook). Here one query lists
   the tables, and `create_all` runs as before only when one of them is missing (a new gradebook).
4. **A gradebook checked once per run of steps** (`gradebooks_checked_once`, used by a
   `backprop-course autograde` worker around each chunk of notebooks). Every `Gradebook()` asks for the
   list of tables and for the course row, and commits; every `close()` closes the database connection,
   so the next `Gradebook()` opens a new one (≈ 1.2 of its ≈ 1.5 ms). Inside the scope, a gradebook
   already opened there skips those checks, and its connection stays in the engine's pool until the
   scope ends. Each `Gradebook()` still gets its own session, and the same queries and commits.

Measured on 40 regression submissions of the bench's mix: nbgrader's sanitizing 0.065 → 0.030 s per notebook,
its gradebook step (autograde with every result already there) 0.160 → 0.115 s per student.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os


@functools.cache
def _validator(schema_text: str):
    from jsonschema.validators import validator_for

    schema = json.loads(schema_text)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


_SCHEMA_TEXT: dict[int, tuple[dict, str]] = {}  # id(schema) → (the schema, kept so its id stays its own; its text)
_VALID: set[tuple[str, str]] = set()  # (schema text, instance text) pairs already found valid


def _validate(instance, schema, cls=None, *args, **kwargs) -> None:
    """`jsonschema.validate`, with the schema checked and its validator built once per schema, and an
    instance equal to one found valid before not validated again (a class's notebooks carry the same
    cell metadata again and again); an invalid one is validated every time and raises as before."""
    import jsonschema

    if cls is not None or args or kwargs:
        return jsonschema.validate(instance, schema, cls, *args, **kwargs)
    known = _SCHEMA_TEXT.get(id(schema))
    if known is None or known[0] is not schema:
        known = _SCHEMA_TEXT[id(schema)] = (schema, json.dumps(schema, sort_keys=True))
    try:
        key = (known[1], json.dumps(instance, sort_keys=True))
    except (TypeError, ValueError):  # not JSON: validated as it is, never remembered
        key = None
    if key is not None and key in _VALID:
        return None
    error = jsonschema.exceptions.best_match(_validator(known[1]).iter_errors(instance))
    if error is not None:
        raise error
    if key is not None and len(_VALID) < 100_000:
        _VALID.add(key)
    return None


class _SchemaOnce:
    """What nbgrader's metadata validator sees as `jsonschema`: the module, with `validate` cached."""

    def __getattr__(self, name):
        import jsonschema

        return _validate if name == "validate" else getattr(jsonschema, name)


@functools.cache
def _engine(*args, **kwargs):
    from sqlalchemy import create_engine

    return create_engine(*args, **kwargs)


def _cached_engine(*args, **kwargs):
    try:
        return _engine(*args, **kwargs)
    except TypeError:  # an argument that cannot be a cache key: a fresh engine, as nbgrader makes
        from sqlalchemy import create_engine

        return create_engine(*args, **kwargs)


def _create_missing_tables(create_all):
    """`MetaData.create_all`, skipped when every table it would create is already there."""

    @functools.wraps(create_all)
    def create_all_if_missing(bind, tables=None, checkfirst=True):
        from sqlalchemy import inspect

        wanted = tables if tables is not None else create_all.__self__.sorted_tables
        if checkfirst and {t.name for t in wanted} <= set(inspect(bind).get_table_names()):
            return
        create_all(bind=bind, tables=tables, checkfirst=checkfirst)

    create_all_if_missing.backprop_original = create_all
    return create_all_if_missing


_CHECKED: list[set] = []  # the (url, course) pairs checked in the innermost open scope, if any
_POOLED: list[set] = []  # the engines whose connections the scope keeps


@functools.cache
def _session_maker(engine):
    """The session factory nbgrader makes for every Gradebook (each still gets its own session), made
    once per engine: making one sets up SQLAlchemy's events anew, ≈ 0.1 ms, ≈ 12 times a notebook."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(autoflush=True, bind=engine, future=True)


def _check_once(opened, closed):
    """Gradebook.__init__ and .close, with the checks skipped and the connection kept inside a scope."""

    @functools.wraps(opened)
    def __init__(self, db_url, course_id="default_course", authenticator=None):
        if not _CHECKED or (db_url, course_id) not in _CHECKED[-1]:
            opened(self, db_url, course_id, authenticator)
            if _CHECKED:
                _CHECKED[-1].add((db_url, course_id))
                _POOLED[-1].add(self.engine)
            return
        import nbgrader.api
        from sqlalchemy.orm import scoped_session

        self.engine = nbgrader.api.create_engine(db_url, echo=False, future=True)
        self.db = scoped_session(_session_maker(self.engine))
        self.course_id, self.authenticator = course_id, authenticator
        _POOLED[-1].add(self.engine)

    @functools.wraps(closed)
    def close(self):
        if _POOLED and self.engine in _POOLED[-1]:
            self.db.remove()  # the session ends (rolled back if left open); its connection goes back to the pool
        else:
            closed(self)

    __init__.backprop_original, close.backprop_original = opened, closed
    return __init__, close


@contextlib.contextmanager
def gradebooks_checked_once():
    """Inside: a gradebook (URL and course) is checked for its tables and its course once, and its
    database connection is kept open between `Gradebook()`s; on leaving, those connections are closed.
    For a run of nbgrader steps on a gradebook nothing else replaces or empties meanwhile."""
    _CHECKED.append(set())
    _POOLED.append(set())
    try:
        yield
    finally:
        _CHECKED.pop()
        for engine in _POOLED.pop():
            engine.dispose()


def install() -> None:
    """Install the caches in this process (idempotent); the fourth acts only inside
    `gradebooks_checked_once`."""
    import nbgrader.api
    from nbgrader.nbgraderformat import common

    common.jsonschema = _SchemaOnce()
    nbgrader.api.create_engine = _cached_engine
    metadata = nbgrader.api.Base.metadata
    if not hasattr(metadata.create_all, "backprop_original"):
        metadata.create_all = _create_missing_tables(metadata.create_all)
    Gradebook = nbgrader.api.Gradebook
    if not hasattr(Gradebook.__init__, "backprop_original") and not getattr(Gradebook, "_backprop_locking", False):
        Gradebook.__init__, Gradebook.close = _check_once(Gradebook.__init__, Gradebook.close)


class _OneAtATime:
    """An exclusive lock on a file, taken when this process opens its first Gradebook and released
    when it closes its last one (nbgrader may open one inside another)."""

    def __init__(self, path: str) -> None:
        self.path, self.fd, self.depth = path, None, 0

    def acquire(self) -> None:
        import fcntl

        if self.depth == 0:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            self.fd = fd
        self.depth += 1

    def release(self) -> None:
        import fcntl

        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


_LOCK: list[_OneAtATime] = []


def one_gradebook_session_at_a_time(lock_path: str) -> None:
    """From now on, every Gradebook this process opens first takes the exclusive lock on `lock_path`,
    until it is closed: processes that install this with the same path never use the gradebook at
    the same time, so several of them can run nbgrader's gradebook step side by side on one SQLite
    file (the work between two sessions, most of that step, runs in parallel)."""
    from nbgrader.api import Gradebook

    install()  # the lock wraps the checked-once Gradebook: its sessions take the lock too
    if _LOCK:
        if _LOCK[0].depth == 0:
            _LOCK[0].path = lock_path
        return
    _LOCK.append(_OneAtATime(lock_path))
    opened, closed = Gradebook.__init__, Gradebook.close

    def __init__(self, *args, **kwargs):
        _LOCK[0].acquire()
        self._backprop_locked = True
        try:
            opened(self, *args, **kwargs)
        except BaseException:
            self._backprop_locked = False
            _LOCK[0].release()
            raise

    def close(self):
        try:
            closed(self)
        finally:
            if getattr(self, "_backprop_locked", False):
                self._backprop_locked = False
                _LOCK[0].release()

    Gradebook.__init__, Gradebook.close = __init__, close
    Gradebook._backprop_locking = True
