"""The learner host: the sandbox's only program that runs learner code, and all it does.

    python -c "from autograder.sandboxed.run import main; main()"   (a fork of warm.py's zygote, or --no-sandbox)

It holds no answer and no secret: no hidden point, no seed, no correct implementation. The grader
drives it over two descriptors (its requests on stdin, the host's answers on stdout), one JSON line
each (`values.py` says how values cross):

1. the job: the notebook's code cells and files. The host runs the cells in order, each under a time
   limit, and answers with the problems they raised and the names they defined;
2. requests, one at a time: "call `fn` with these arguments" (values the grader chose, or references
   to what an earlier call returned, kept here) and "give me `name`". The host calls the learner's
   function under guards (time limit, output captured) and answers with what it returned, encoded as
   plain data (`calls.encode`), and what it left in the arguments the grader asked about;
3. while a call runs, correct building blocks the grader offers for it (a training loop graded with
   correct gradients) are proxies here: calling one sends its arguments to the grader, which computes
   the answer in its own process and sends back the value. Nothing of it is code here.

Everything this process says is the learner's answer and nothing more: the grader records, judges
and scores in its own process, and any line out of turn ends this notebook's recording.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import os
import sys
import types
from pathlib import Path
from typing import Any

from autograder.sandboxed import calls, drawing, values

CELL_SECONDS = 15.0
NOBODY = 65534


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


class Host:
    """The request loop: one learner namespace, the grader at the other end of two descriptors."""

    KEPT = 16  # results kept for later reference (a forward pass's cache handed to a backward pass)

    def __init__(self, receive, send) -> None:
        self.receive_file, self.send_file = receive, send
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _NoShell()}
        self.kept: dict[int, Any] = {}

    def send(self, message: dict) -> None:
        self.send_file.write(values.dumps(message))
        self.send_file.flush()

    def receive(self) -> dict | None:
        line = self.receive_file.readline()
        if not line:
            return None
        message = values.loads(line)
        if not isinstance(message, dict):
            raise values.Unpackable("not a request")
        return message

    def request(self) -> dict | None:
        """The next request (a late answer to a callback that timed out is skipped)."""
        while True:
            message = self.receive()
            if message is None or ("return" not in message and "raise" not in message):
                return message

    def serve(self, job: dict) -> None:
        self.send({"cells": run_cells(job["cells"], self.namespace), "names": self.names()})
        while (message := self.request()) is not None and message.get("op") != "end":
            op, ident = message.get("op"), message.get("id")
            try:
                answer = self.call(message) if op == "call" else self.value(message) if op == "value" else \
                    {"error": f"unknown request {op!r}"}
            except values.Unpackable as exc:
                answer = {"error": f"the grader's request could not be read here ({exc})"}
            self.send({"id": ident, **answer})

    def names(self) -> dict[str, list]:
        """What the cells defined: name → [callable, type name, its module] (the grader asks for nothing else)."""
        out = {}
        for name, value in list(self.namespace.items())[:2000]:
            if isinstance(name, str) and not name.startswith("__"):
                try:
                    out[name[:200]] = [bool(callable(value)), type(value).__name__[:100], str(type(value).__module__)[:100]]
                except Exception:  # noqa: BLE001  (a learner object's __class__ may raise)
                    out[name[:200]] = [False, "object", "builtins"]
        return out

    def _resolve(self, ident: int, data: dict) -> Any:
        if "$ref" in data and isinstance(data["$ref"], list) and data["$ref"]:
            value = self.kept.get(data["$ref"][0])
            for step in data["$ref"][1:]:
                value = value[step]
            return value
        if isinstance(data.get("$fn"), str):
            return self._proxy(ident, data["$fn"])
        raise values.Unpackable("malformed value")

    def _proxy(self, ident: int, token: str):
        """A correct building block of the grader's, here only as a function that asks for its value."""
        host = self

        def grader_function(*args):
            try:
                packed = [values.pack(a) for a in args]
            except values.Unpackable as exc:
                raise TypeError(f"{token} takes numbers, numpy arrays, lists, tuples and dicts ({exc})") from None
            host.send({"id": ident, "callback": token, "args": packed})
            reply = host.receive()
            if reply is None or reply.get("id") != ident:
                raise RuntimeError("the grader stopped answering")
            if "raise" in reply:
                raise ValueError(str(reply["raise"])[:300])
            return values.unpack(reply.get("return"))

        grader_function.__name__ = grader_function.__qualname__ = token.split("#")[0]
        return grader_function

    def call(self, message: dict) -> dict:
        ident = message.get("id")
        fn = self.namespace.get(message.get("fn")) if isinstance(message.get("fn"), str) else None
        args = [values.unpack(a, extra=lambda d: self._resolve(ident, d)) for a in message.get("args", [])]
        offered = {name: self._proxy(ident, name) for name in message.get("offer", []) if isinstance(name, str)}
        kept = []

        def keeping(*a):
            kept.append(fn(*a))
            return kept[-1]

        saved = {k: self.namespace[k] for k in offered if k in self.namespace}
        self.namespace.update(offered)
        try:
            seconds = float(message.get("seconds", calls.CALL_SECONDS))
            record = calls.call(keeping if callable(fn) else fn, *args, seconds=min(max(seconds, 0.1), 60.0))
        finally:
            for k in offered:
                self.namespace.pop(k, None)
            self.namespace.update(saved)
        if message.get("keep") and kept and isinstance(ident, int):
            self.kept[ident] = kept[0]
            for old in sorted(self.kept)[:-self.KEPT]:
                del self.kept[old]
        after = []
        for i in message.get("after", []):
            try:
                after.append(values.pack(args[i]))
            except (values.Unpackable, IndexError, TypeError):
                after.append(None)
        return {**record, **({"after": after} if message.get("after") else {})}

    def value(self, message: dict) -> dict:
        """A variable's value, encoded (the quiz's answers), or its text (a sympy formula)."""
        name = message.get("name")
        if not isinstance(name, str) or name not in self.namespace:
            return {"missing": True}
        value = self.namespace[name]
        if message.get("text"):
            return calls.call(str, value)  # a learner's subclass may override __str__
        if isinstance(value, str):
            return {"ok": {"kind": "str", "value": value[:500]}}
        return {"ok": calls.encode(value)}


def main() -> None:
    """Serve one notebook: its job on stdin, then requests until "end" or the grader goes."""
    # One reader for every line the grader sends: a second one (sys.stdin) could read ahead.
    receive, send = os.fdopen(os.dup(0), "rb"), os.fdopen(os.dup(1), "wb")
    job = values.loads(receive.readline())
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # learner code writing to the raw descriptors writes nowhere
        os.dup2(null, fd)
    _setup_scratch(job.get("files", {}))
    sys.path.insert(0, str(Path.cwd()))  # as in a kernel: the notebook's own folder is importable (quiz_variants.py)
    _setup_cache(job.get("cache", {}))
    drawing.defer_matplotlib()
    Host(receive, send).serve(job)


if __name__ == "__main__":
    main()
