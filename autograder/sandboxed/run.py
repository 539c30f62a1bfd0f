"""The sandbox's main program: run one learner notebook's code, record what its functions return.

    python -m autograder.sandboxed.run      (started by autograder/jail.py inside bubblewrap)

Reads one JSON line on stdin (the job: assignment, seed, the notebook's code cells, the submission's
files, the recording plan), writes the files into the scratch folder, drops root if it has it, runs
the code cells in order (each under a time limit, output captured), then records each exercise of
the plan and writes one JSON line per exercise to stdout. Before a phase that needs stand-ins (correct
building blocks) it reads one more JSON line on stdin holding their source: the grader sends it only
once every exercise they could answer has been recorded.

Nothing here decides a grade: the grader believes only the values recorded here, judged in its own
process against inputs it regenerates itself.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import json
import os
import sys
import types
from pathlib import Path

from autograder.sandboxed import (
    calls,
    drawing,
    points,
    record_layers,
    record_quiz,
    record_two_layer,
    record_warmup,
    record_why,
    record_xor,
)

CELL_SECONDS = 15.0
NOBODY = 65534


def recorder(assignment: str):
    """The record(exercise, namespace, standins) function of an assignment."""
    if assignment in ("regression", "classification"):
        return lambda exercise, ns, standins: record_two_layer.record(assignment, exercise, ns, standins)
    return {"warmup": record_warmup.record, "xor": record_xor.record, "layers": record_layers.record,
            "why": record_why.record, "quiz": record_quiz.record}[assignment]


def load_standins(sources: dict[str, str], into: dict) -> dict:
    """Execute stand-in modules' sources (in order); each sees the ones before it by name."""
    for name, source in sources.items():
        module = types.ModuleType(f"standins_{name}")
        module.__dict__.update(into)
        exec(compile(source, f"<stand-in {name}>", "exec"), module.__dict__)  # noqa: S102  (grader's own code)
        into[name] = module
    return into


class _NoShell:
    """What `get_ipython()` returns here: every attribute, call and setting does nothing, so a cell
    that tunes IPython (display settings, magics) still defines its functions."""

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __setattr__(self, name, value):
        pass


def strip_magics(source: str) -> str:
    """IPython-only lines (%magic, !shell) do nothing here."""
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


_KNOWN: dict[str, types.CodeType] = {}  # a public cell's source → its code (`know`)


def know(sources: tuple[str, ...]) -> None:
    """Compile these cells now: the release's own cells, public, in the warm sandbox's zygote before
    it forks any recording. A notebook holding one of them unchanged (most of a notebook's code is
    given) then skips compiling it. A cell that does not compile is left to fail where it runs."""
    for source in sources:
        try:
            _KNOWN[source] = compile_cell(source, "<known cell>")
        except (SyntaxError, ValueError):
            continue


def _named(code: types.CodeType, name: str) -> types.CodeType:
    """`code` as if compiled under the file name `name` (its functions' code included)."""
    consts = tuple(_named(c, name) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=name, co_consts=consts)


def compile_cell(source: str, name: str) -> types.CodeType:
    """The code `exec` runs for a cell: magics made `pass`, statements that only draw left out
    (no grade depends on a drawing: `drawing.py`); a known cell's code is not compiled again."""
    known = _KNOWN.get(source)
    if known is not None:
        return _named(known, name)
    source = strip_magics(source)
    return drawing.without_drawing(source, name) or compile(source, name, "exec")


def run_cells(cells: list[dict], namespace: dict) -> list[dict]:
    """Run the notebook's code cells in order; an error in one does not stop the next (as nbgrader)."""
    problems = []
    for cell in cells:
        out = calls._BoundedText()
        try:
            code = compile_cell(cell["source"], f"<cell {cell['id']}>")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), calls._time_limit(CELL_SECONDS):
                exec(code, namespace)  # noqa: S102  (learner code: we are in the sandbox)
        except calls.CallTimeout:
            problems.append({"cell": cell["id"], "error": f"ran longer than {CELL_SECONDS:g} s and was stopped"})
        except BaseException as exc:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too)
            problems.append({"cell": cell["id"], "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
    return problems


def _setup_scratch(files: dict[str, str]) -> None:
    scratch = Path.cwd()
    for name, data in files.items():
        target = (scratch / name).resolve()
        if scratch.resolve() not in target.parents:
            continue  # a name escaping the scratch folder is not written
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))


def _setup_cache(files: dict[str, str]) -> None:
    """The grader's ready-made caches (matplotlib's font list) into MPLCONFIGDIR: without it every
    sandbox rebuilds the font list when the notebook imports pyplot."""
    folder = Path(os.environ.get("MPLCONFIGDIR", "/tmp"))
    for name, text in files.items():
        if "/" not in name and not name.startswith("."):
            try:
                (folder / name).write_text(text, encoding="utf-8")
            except OSError:
                pass  # a cache, not a necessity


def _drop_root() -> None:
    """As root (the grader runs as root, so bubblewrap made no user namespace), become nobody:
    the process limit then applies and no file outside the scratch folder is writable."""
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def main() -> None:
    # One reader for every line the grader sends: a second one (sys.stdin) could read ahead and
    # swallow the stand-ins sent right after the job.
    receive = os.fdopen(os.dup(0), "r", encoding="utf-8")
    send = os.fdopen(os.dup(1), "w", encoding="utf-8")
    job = json.loads(receive.readline())
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # learner code writing to the raw descriptors writes nowhere
        os.dup2(null, fd)
    _setup_scratch(job.get("files", {}))
    sys.path.insert(0, str(Path.cwd()))  # as in a kernel: the notebook's own folder is importable (quiz_variants.py)
    if not job.get("keep_user"):  # only --no-sandbox asks (jail.run), and it is unsafe anyway
        _drop_root()
    _setup_cache(job.get("cache", {}))
    points.use_seed(job["seed"])

    def emit(message: dict) -> None:
        send.write(json.dumps(message, allow_nan=False) + "\n")
        send.flush()

    drawing.defer_matplotlib()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _NoShell()}
    emit({"cells": run_cells(job["cells"], namespace)})
    record, standins = recorder(job["assignment"]), {}
    for phase in job["phases"]:
        if phase["standins"]:
            line = receive.readline()
            if not line:
                return
            load_standins(json.loads(line)["standins"], standins)
        for exercise in phase["exercises"]:
            try:
                emit({"exercise": exercise, "probe": record(exercise, namespace, standins)})
            except BaseException as exc:  # noqa: BLE001  (the learner's code may break the recorder)
                emit({"exercise": exercise, "failed": f"{type(exc).__name__}: {str(exc)[:300]}"})
    emit({"done": True})


if __name__ == "__main__":
    main()
