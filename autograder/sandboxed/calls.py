"""Call untrusted learner code and turn whatever comes back into plain JSON values.

A call gets a wall-clock limit, its prints and warnings are captured (nbgrader zeroes a cell
that writes to stderr), and its result is encoded as plain data: the judge never touches a
learner object, so a patched `__eq__`, `__array__` or `__float__` cannot fool it, and the
recorded values can be judged in another process.
"""

from __future__ import annotations

import contextlib
import io
import math
import signal
import sys
import threading
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np

CALL_SECONDS = 5.0
MAX_CAPTURED_CHARS = 2000


class CallTimeout(BaseException):
    """Raised inside learner code when it runs too long (BaseException: `except Exception`
    in learner code cannot swallow it)."""


class _BoundedText(io.TextIOBase):
    """A write-only text sink that keeps the first MAX_CAPTURED_CHARS characters."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = MAX_CAPTURED_CHARS - self.size
        if room > 0:
            self.kept.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)


def _printed(out: _BoundedText, err: _BoundedText) -> str:
    """What a call printed (stdout, then stderr), its first MAX_CAPTURED_CHARS characters, saying
    how many more there were."""
    kept = ("".join(out.kept) + "".join(err.kept))[:MAX_CAPTURED_CHARS]
    hidden = out.size + out.dropped + err.size + err.dropped - len(kept)
    kept = kept.strip()
    return kept + (f"\n… ({hidden} more characters not shown)" if hidden else "") if kept else ""


@contextlib.contextmanager
def _time_limit(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield  # signals only work in the main thread; the cell timeout still applies
        return

    def on_alarm(signum, frame):
        raise CallTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


MAX_ENCODED_ITEMS = 20_000
"""Entries one encoded value may hold in all (list and tuple items, dict entries, array elements): a
cap on the total, not per list, so a fair answer (a list of 300 losses) crosses whole, while a hostile
one (lists nested in lists, a million arrays) costs at most this much to encode, send and check."""


def encode(value: Any, depth: int = 0, budget: list[int] | None = None) -> dict:
    """A JSON-safe description of a learner's return value, at most MAX_ENCODED_ITEMS entries in all
    (`budget`: the entries left, shared by the whole value). A list cut short says its length."""
    budget = [MAX_ENCODED_ITEMS] if budget is None else budget
    if depth > 4:
        return {"kind": "other", "type": "deeply nested value"}
    if value is None:
        return {"kind": "none"}
    if isinstance(value, bool):
        return {"kind": "other", "type": "bool"}
    if type(value) is str:
        return {"kind": "str", "value": value[:500]}
    if isinstance(value, (int, float, np.integer, np.floating)):
        return {"kind": "scalar", "type": type(value).__name__, "value": _float(value)}
    if type(value) is np.ndarray:
        if value.dtype.kind not in "fiu":
            return {"kind": "ndarray", "dtype": str(value.dtype), "shape": list(value.shape), "data": None}
        kept = min(value.size, 10_000)
        if kept > budget[0]:
            return {"kind": "other", "type": "value too large to record"}
        budget[0] -= kept
        data = np.asarray(value, dtype=np.float64)
        return {
            "kind": "ndarray",
            "dtype": str(value.dtype),
            "shape": list(value.shape),
            "data": [_float(v) for v in data.reshape(-1)[:kept]],
        }
    if type(value) in (list, tuple):
        items = []
        for v in value[: budget[0]]:
            if budget[0] <= 0:
                break
            budget[0] -= 1
            items.append(encode(v, depth + 1, budget))
        out = {"kind": type(value).__name__, "items": items}
        if len(items) < len(value):
            out["length"] = len(value)
        return out
    if type(value) is dict:
        entries = list(value.items())[: min(50, max(budget[0], 0))]
        budget[0] -= len(entries)
        return {"kind": "dict", "items": {str(k): encode(v, depth + 1, budget) for k, v in entries}}
    return {"kind": "other", "type": type(value).__name__}


def _float(v) -> float | str:
    f = float(v)
    return f if math.isfinite(f) else repr(f)  # "nan", "inf", "-inf" survive strict JSON


GRADER = "autograder"


class _GraderImportBlocker:
    """A meta-path finder that refuses the grader's own modules to learner code."""

    def find_spec(self, name, path=None, target=None):
        if name == GRADER or name.startswith(GRADER + "."):
            raise ImportError("the grader's modules are not available to your code")
        return None


_SEEN: dict = {"count": -1, "names": []}


def _grader_modules() -> list[str]:
    """The names of the grader's loaded modules (scanned again only when sys.modules has changed size)."""
    if len(sys.modules) != _SEEN["count"]:
        _SEEN["names"] = [k for k in sys.modules if k == GRADER or k.startswith(GRADER + ".")]
        _SEEN["count"] = len(sys.modules)
    return [k for k in _SEEN["names"] if k in sys.modules]


@contextlib.contextmanager
def _grader_hidden():
    """While learner code runs, `import autograder…` fails: the cached modules are set aside
    and a finder refuses to load them again. Our own frames keep their references."""
    hidden = {k: sys.modules.pop(k) for k in _grader_modules()}
    blocker = _GraderImportBlocker()
    sys.meta_path.insert(0, blocker)
    try:
        yield
    finally:
        sys.meta_path[:] = [f for f in sys.meta_path if f is not blocker]
        sys.modules.update(hidden)


def _from_grader(obj) -> str | None:
    name = getattr(obj, "__name__", "") if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", "")
    return name if isinstance(name, str) and (name == GRADER or name.startswith(GRADER + ".")) else None


def grader_references(namespace: dict, allowed: tuple[str, ...] = ("grade",)) -> list[str]:
    """Names in the learner's namespace (and in its functions' defaults and closures) that
    hold the grader's modules or functions: a solution that calls the oracle is no solution."""
    found = []
    for name, value in list(namespace.items()):
        if name in allowed or name.startswith("__"):
            continue
        inner = [value]
        if isinstance(value, types.FunctionType):
            inner += list(value.__defaults__ or ()) + list((value.__kwdefaults__ or {}).values())
            inner += [c.cell_contents for c in (value.__closure__ or ()) if _has_contents(c)]
        for obj in inner:
            module = _from_grader(obj)
            if module:
                found.append(f"{name} ({module})")
                break
    return found


def _has_contents(cell) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:
        return False
    return True


_NOT_LEARNER = (str(Path(__file__).resolve().parent), sys.prefix, sys.base_prefix)


def _where(exc: BaseException) -> str:
    """' at line N: <code>' for the innermost frame in the learner's own code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_NOT_LEARNER)]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at line {f.lineno} of your code: {f.line.strip()})" if f.line else f" (at line {f.lineno} of your code)"


def call(fn: Any, *args, seconds: float = CALL_SECONDS) -> dict:
    """Run fn(*args) under limits. Returns {"ok": encoded} or {"error": "..."}, plus any
    captured output and warnings."""
    record: dict = {}
    if not callable(fn):
        return {"error": f"is not a function (it is a {type(fn).__name__})"}
    out, err = _BoundedText(), _BoundedText()
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _grader_hidden(), \
                    _time_limit(seconds):
                result = fn(*args)
            record["ok"] = encode(result)
        except CallTimeout:
            record["error"] = f"did not return within {seconds:g} s (an endless loop?)"
        except NotImplementedError:
            record["error"] = "is not implemented yet (it raises NotImplementedError)"
        except RecursionError:
            record["error"] = "recursed without end (RecursionError)"
        except Exception as exc:  # learner code may raise anything
            record["error"] = f"raised {type(exc).__name__}: {str(exc)[:300]}{_where(exc)}"
    printed = _printed(out, err)
    if printed:
        record["printed"] = printed
    if caught:
        record["warnings"] = sorted({f"{w.category.__name__}: {w.message}"[:200] for w in caught})[:5]
    return record


class Caller:
    """sandbox.call, except that after one call timed out the rest are not attempted: an
    endless loop costs one time limit per exercise, not one per hidden point."""

    def __init__(self, fn, seconds: float = CALL_SECONDS):
        self.fn, self.seconds, self.timed_out = fn, seconds, None

    def __call__(self, *args) -> dict:
        if self.timed_out:
            return {"error": self.timed_out}
        result = call(self.fn, *args, seconds=self.seconds)
        if "did not return" in result.get("error", ""):
            self.timed_out = result["error"]
        return result


@contextlib.contextmanager
def replaced(namespace: dict, **names):
    """While the block runs, each `name` in the learner's namespace is the grader's own version.

    Grading one exercise (a training loop, a step, a composition) with correct building blocks
    means a wrong building block costs its own points only, not those of every exercise using it."""
    saved = {k: namespace[k] for k in names if k in namespace}
    namespace.update(names)
    try:
        yield
    finally:
        for k in names:
            namespace.pop(k, None)
        namespace.update(saved)
