"""The grader's end of one notebook's learner host (`sandboxed/run.py`): requests out, answers in.

The recorders run here, in the grader's process, and call the learner's functions through this
module: a `RemoteFunction` packs the arguments (the hidden points, chosen here), waits for the
answer under a deadline, and returns it as a record (`{"ok": encoded value}` or `{"error": ...}`).
While a call runs, the host may ask for a correct building block the recorder offered for that call
(`offer`); it is computed here and only its value goes back. Nothing the host sends is believed
beyond being the learner's answer: every line is parsed with size and depth caps, every answer is
checked against the shape of a record, and a line out of turn (a forged record, an answer to a
question nobody asked, a callback nobody offered) stops this notebook's recording, no one else's.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import selectors
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograder.engine import wire
from autograder.sandboxed import calls as guarded
from autograder.sandboxed import values

GRACE_SECONDS = 1.5  # past a call's own limit (which the host enforces), before the grader stops waiting
MAX_LINE = 4 * 1024**2
MAX_CALLBACKS = 20_000  # per call: a training loop graded with correct blocks needs a few hundred


class HostStopped(Exception):
    """The notebook's host can no longer be asked anything; the message says why, for the learner."""


@dataclass(frozen=True)
class Ref:
    """A value an earlier call returned, kept in the host (the learner's own cache object)."""
    call: int
    path: tuple = ()


class LearnerHost:
    """One notebook's host, reached through two descriptors: `send(bytes)` and `read_fd`."""

    def __init__(self, send: Callable[[bytes], None], read_fd: int, wall_seconds: float, output_bytes: int,
                 cpu_seconds: float | None = None, cpu_used: Callable[[], float] | None = None,
                 control=None, why_exited: Callable[[int | None], str] | None = None) -> None:
        self._send, self.read_fd, self.control = send, read_fd, control
        self.why_exited = why_exited or _exit_reason
        self.deadline = time.monotonic() + wall_seconds
        self.output_bytes, self.cpu_seconds, self.cpu_used = output_bytes, cpu_seconds, cpu_used
        self.limits_text = {"wall": f"ran longer than {wall_seconds:g} s",
                            "cpu": f"used more than {cpu_seconds or 0:g} s of CPU time",
                            "output": f"sent more than {output_bytes // 1024**2} MB to the grader"}
        self.stopped: str | None = None
        self.received, self.buffer, self.next_id, self.cpu_checked = 0, b"", 1, time.monotonic()
        self.selector = selectors.DefaultSelector()
        os.set_blocking(read_fd, False)
        self.selector.register(read_fd, selectors.EVENT_READ, "host")
        if control is not None:
            self.selector.register(control.socket, selectors.EVENT_READ, "control")

    # -- lines ------------------------------------------------------------------------------------
    def _stop(self, reason: str) -> HostStopped:
        self.stopped = self.stopped or reason
        return HostStopped(self.stopped)

    def send(self, message: dict) -> None:
        try:
            self._send(values.dumps(message))
        except OSError:
            raise self._stop("stopped before it finished (it crashed, exited or exhausted a limit)") from None

    CPU_EVERY = 0.25  # seconds between two readings of the sandbox's CPU time

    def _line(self, deadline: float, late: str) -> bytes:
        """The next line from the host, by `deadline` (else HostStopped with `late`)."""
        if b"\n" not in self.buffer:
            self._read()  # most answers are there already: no need to wait on the selector for them
        while b"\n" not in self.buffer:
            if self.stopped:
                raise HostStopped(self.stopped)
            now = time.monotonic()
            if now >= self.deadline:
                raise self._stop(self.limits_text["wall"])
            if now >= deadline:
                raise self._stop(late)
            if self.cpu_used is not None and now >= self.cpu_checked + self.CPU_EVERY:
                self.cpu_checked = now
                if self.cpu_used() > self.cpu_seconds:
                    raise self._stop(self.limits_text["cpu"])
            for key, _ in self.selector.select(timeout=min(deadline, self.deadline) - now if self.cpu_used is None
                                               else min(self.CPU_EVERY, min(deadline, self.deadline) - now)):
                if key.data == "control":
                    with contextlib.suppress(EOFError, OSError):
                        self.control.receive()
                    if self.control.returncode is not None or self.control.gone:
                        self._drain()
                        if b"\n" not in self.buffer:
                            raise self._stop(self.why_exited(self.control.returncode))
                    continue
                chunk = self._read()
                if chunk == b"":
                    raise self._stop(self.why_exited(self._exit_status()))
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def _exit_status(self) -> int | None:
        """The host's exit status, as the zygote reports it just after the host's pipe closed."""
        if self.control is None:
            return None
        deadline = time.monotonic() + 0.5
        while self.control.returncode is None and not self.control.gone and time.monotonic() < deadline:
            if self.control.socket in select.select([self.control.socket], [], [], 0.05)[0]:
                with contextlib.suppress(EOFError, OSError):
                    self.control.receive()
        return self.control.returncode

    def _read(self) -> bytes | None:
        try:
            chunk = os.read(self.read_fd, 65536)
        except BlockingIOError:
            return None
        except OSError:
            return b""
        self.received += len(chunk)
        if self.received > self.output_bytes:
            raise self._stop(self.limits_text["output"])
        self.buffer += chunk
        if len(self.buffer) > MAX_LINE and b"\n" not in self.buffer:
            raise self._stop(f"sent a line longer than {MAX_LINE // 1024**2} MB to the grader")
        return chunk

    def _drain(self) -> None:
        while self._read():
            pass

    def _message(self, deadline: float, late: str) -> dict:
        try:
            message = wire.loads_capped(self._line(deadline, late), wire.LINE_DEPTH, MAX_LINE)
        except wire.WireError as exc:
            raise self._stop(f"wrote to the grader's channel something that is not an answer ({exc})") from None
        if not isinstance(message, dict):
            raise self._stop("wrote to the grader's channel something that is not an answer")
        return message

    # -- the conversation -------------------------------------------------------------------------
    def start(self, job: dict) -> dict:
        """Send the job (cells, files); the host's answer: {"cells": problems, "names": {...}}."""
        self.send(job)
        message = self._message(self.deadline, self.limits_text["wall"])
        if set(message) != {"cells", "names"} or not isinstance(message["cells"], list) \
                or not isinstance(message["names"], dict):
            raise self._stop("wrote to the grader's channel out of turn")
        return {"cells": [_problem(p) for p in message["cells"][:50]],
                "names": {str(k)[:200]: _name_kind(v) for k, v in list(message["names"].items())[:2000]}}

    def request(self, message: dict, seconds: float, callbacks: dict[str, Callable] | None = None) -> dict:
        """Ask, answer the host's callbacks meanwhile, and return its answer as a checked record."""
        if self.stopped:
            raise HostStopped(self.stopped)
        ident, callbacks = self.next_id, callbacks or {}
        self.next_id += 1
        self.send({**message, "id": ident})
        deadline = time.monotonic() + seconds + GRACE_SECONDS
        late = f"did not answer within {seconds:g} s and could not be stopped"
        answered = 0
        while True:
            reply = self._message(deadline, late)
            if reply.get("id") != ident:
                raise self._stop("wrote to the grader's channel out of turn")
            if "callback" in reply:
                token = reply["callback"]
                if not isinstance(token, str) or token not in callbacks or set(reply) != {"id", "callback", "args"}:
                    raise self._stop("asked the grader for something it did not offer")
                answered += 1
                if answered > MAX_CALLBACKS:
                    raise self._stop(f"called the grader's functions more than {MAX_CALLBACKS} times in one call")
                self.send({"id": ident, **_answer(callbacks[token], reply["args"])})
                continue
            return checked_record(reply)

    def end(self) -> None:
        if not self.stopped:
            with contextlib.suppress(HostStopped):
                self.send({"op": "end"})

    def close(self) -> None:
        self.selector.close()


def _answer(fn: Callable, packed: Any) -> dict:
    """A stand-in's value for arguments the learner's code passed (checked like any learner value)."""
    try:
        if not isinstance(packed, list):
            raise values.Unpackable("malformed arguments")
        args = [values.unpack(a) for a in packed]
    except values.Unpackable as exc:
        return {"raise": f"the grader could not read these arguments ({exc})"}
    try:
        with _quiet_numpy():
            result = fn(*args)
        return {"return": values.pack(result)}
    except Exception as exc:  # noqa: BLE001  (the learner's arguments may be of any shape)
        return {"raise": f"{type(exc).__name__}: {str(exc)[:200]}"}


@contextlib.contextmanager
def _quiet_numpy():
    import numpy as np

    with np.errstate(all="ignore"):
        yield


def _exit_reason(code: int | None) -> str:
    return "stopped before it finished (it crashed, exited or exhausted a limit)" if code in (None, 0, 1) else \
        f"stopped before it finished (exit status {code}): it crashed, exited or exhausted a limit"


def _problem(p: Any) -> dict:
    return {"cell": str(p.get("cell"))[:100], "error": str(p.get("error"))[:400]} if isinstance(p, dict) else \
        {"cell": "?", "error": "?"}


def _name_kind(v: Any) -> tuple[bool, str, str]:
    return (bool(v[0]), str(v[1])[:100], str(v[2])[:100]) if isinstance(v, list) and len(v) == 3 else \
        (False, "object", "builtins")


RECORD_KEYS = frozenset({"id", "ok", "error", "printed", "warnings", "after", "missing"})


def checked_record(reply: dict) -> dict:
    """The host's answer as a record of the shape the judge reads; anything else is refused."""
    if not set(reply) <= RECORD_KEYS or ("ok" in reply) == ("error" in reply) and "missing" not in reply:
        return {"error": "sent an answer the grader cannot read"}
    record: dict = {}
    if "missing" in reply:
        record["missing"] = True
    if "ok" in reply:
        record["ok"] = encoded(reply["ok"])
    if "error" in reply:
        record["error"] = str(reply["error"])[:600]
    if isinstance(reply.get("printed"), str) and reply["printed"]:
        record["printed"] = reply["printed"][:2200]
    if isinstance(reply.get("warnings"), list):
        record["warnings"] = [str(w)[:200] for w in reply["warnings"][:5]]
    if isinstance(reply.get("after"), list):
        record["after"] = reply["after"][:16]
    return record


MALFORMED = {"kind": "other", "type": "value the grader cannot read"}


def encoded(v: Any, depth: int = 0, budget: list[int] | None = None) -> dict:
    """A learner value as `calls.encode` describes it, checked: right kinds, right types, bounded
    sizes and depth (the judge builds arrays from these); at most `calls.MAX_ENCODED_ITEMS` entries
    in all, as `encode` sends (`budget`: the entries left)."""
    budget = [guarded.MAX_ENCODED_ITEMS] if budget is None else budget
    if depth > 6 or not isinstance(v, dict):
        return MALFORMED
    kind = v.get("kind")
    if kind == "none":
        return {"kind": "none"}
    if kind == "other":
        return {"kind": "other", "type": str(v.get("type"))[:100]}
    if kind == "str" and isinstance(v.get("value"), str):
        return {"kind": "str", "value": v["value"][:500]}
    if kind == "scalar" and _number(v.get("value")):
        return {"kind": "scalar", "type": str(v.get("type"))[:40], "value": v["value"]}
    if kind == "ndarray":
        shape, data = v.get("shape"), v.get("data")
        if not (isinstance(shape, list) and len(shape) <= 8 and all(type(s) is int and 0 <= s <= 10**7 for s in shape)):
            return MALFORMED
        if data is None:
            return {"kind": "ndarray", "dtype": str(v.get("dtype"))[:40], "shape": shape, "data": None}
        if not isinstance(data, list) or len(data) != min(math.prod(shape), 10_000) or not all(map(_number, data)):
            return MALFORMED
        if len(data) > budget[0]:
            return MALFORMED
        budget[0] -= len(data)
        return {"kind": "ndarray", "dtype": str(v.get("dtype"))[:40], "shape": shape, "data": data}
    if kind in ("list", "tuple") and isinstance(v.get("items"), list):
        items = v["items"][: max(budget[0], 0)]
        budget[0] -= len(items)
        out = {"kind": kind, "items": [encoded(i, depth + 1, budget) for i in items]}
        if type(v.get("length")) is int and v["length"] > len(items):
            out["length"] = v["length"]
        return out
    if kind == "dict" and isinstance(v.get("items"), dict):
        entries = list(v["items"].items())[: min(50, max(budget[0], 0))]
        budget[0] -= len(entries)
        return {"kind": "dict", "items": {str(k)[:100]: encoded(i, depth + 1, budget) for k, i in entries}}
    return MALFORMED


def _number(x: Any) -> bool:
    return type(x) in (int, float) or x in ("nan", "inf", "-inf")


class RemoteResult:
    """What a kept call returned: its description here, the value itself in the host."""

    def __init__(self, call: int, ok: dict | None) -> None:
        self.call, self.ok = call, ok

    def item(self, index: int):
        """The `index`-th element, still in the host, if the value is a tuple or list that long."""
        if self.ok and self.ok.get("kind") in ("tuple", "list") and index < len(self.ok.get("items", [])):
            return Ref(self.call, (index,))
        return None


class RemoteFunction:
    """A learner function, in the host: calling it asks the host (`calls.call` does)."""

    def __init__(self, host: LearnerHost, name: str, offers: Callable[[], dict]) -> None:
        self.host, self.name, self.offers = host, name, offers

    def __call__(self, *args):
        raise TypeError(f"{self.name} is the learner's, in the sandbox: call it with recording.calls.call")

    def remote_call(self, args: tuple, seconds: float, after: tuple[int, ...] = (), keep: bool = False) -> dict:
        callbacks = dict(self.offers())
        packed = []
        for k, a in enumerate(args):
            if isinstance(a, Ref):
                packed.append({"$ref": [a.call, *a.path]})
            elif callable(a) and not isinstance(a, type):
                token = f"{getattr(a, '__name__', 'function')}#{self.host.next_id}.{k}"
                callbacks[token] = a
                packed.append({"$fn": token})
            else:
                packed.append(values.pack(a))
        message = {"op": "call", "fn": self.name, "args": packed, "seconds": seconds, "offer": sorted(self.offers()),
                   "after": list(after), "keep": keep}
        ident = self.host.next_id
        try:
            record = self.host.request(message, seconds, callbacks)
        except HostStopped as exc:
            return {"error": f"was not recorded: your notebook {exc}"}
        if after:
            got = record.pop("after", [])
            record["_after"] = [_unpacked(got[i]) if i < len(got) else None for i in range(len(after))]
        else:
            record.pop("after", None)
        if keep:
            record["_kept"] = RemoteResult(ident, record.get("ok"))
        return record


def _unpacked(data: Any) -> Any:
    try:
        return values.unpack(data)
    except values.Unpackable:
        return None


class RemoteNamespace:
    """The learner's namespace as the recorders see it: names the cells defined, in the host."""

    def __init__(self, host: LearnerHost, names: dict[str, tuple[bool, str, str]]) -> None:
        self.host, self.names = host, names
        self.offered: dict[str, Callable] = {}

    def get(self, name: str, default=None):
        kind = self.names.get(name)
        if kind is None:
            return default
        return RemoteFunction(self.host, name, lambda: self.offered) if kind[0] else RemoteValue(self, name, kind[1], kind[2])

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def __getitem__(self, name: str):
        if name not in self.names:
            raise KeyError(name)
        return self.get(name)

    @contextlib.contextmanager
    def offering(self, **functions: Callable):
        """While the block runs, these names are the grader's correct functions for the learner's code
        (answered by value from here)."""
        saved = self.offered
        self.offered = {**saved, **functions}
        try:
            yield
        finally:
            self.offered = saved

    def value(self, name: str, text: bool = False, seconds: float = 5.0) -> dict:
        """{"ok": encoded} (or its str with `text`), {"missing": True}, or {"error": ...}."""
        try:
            return self.host.request({"op": "value", "name": name, "text": text}, seconds)
        except HostStopped as exc:
            return {"error": f"was not recorded: your notebook {exc}"}


@dataclass
class RemoteValue:
    """A variable (not a function) the cells defined: its type here, its value in the host."""
    namespace: RemoteNamespace
    name: str
    type_name: str
    module: str
