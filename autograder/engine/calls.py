"""How a recorder calls the learner's code: one API, wherever that code is.

In grading, the learner's functions are in the sandboxed host and `call` asks it
(`remote.RemoteFunction`); an instructor running a source notebook, and the project's own tests,
grade a namespace in this process, with the same guards the host uses (`sandboxed/calls.py`). Either
way a call returns a record: {"ok": encoded value} or {"error": ...}, with "printed"/"warnings".

- `after=(i, ...)`: also report what the call left in those arguments (`record["_after"]`), so a
  recorder can say "your function changed its input";
- `keep=True`: `record["_kept"]` is a handle on the value itself (`kept_item`), to hand the learner's
  own object (a cache) to another learner function without it leaving the host;
- an argument that is a function (a loss the learner's gradient checker evaluates) stays here: the
  host gets a proxy that asks for its value;
- `replaced(namespace, name=function)`: while the block runs, `name` in the learner's code is the
  grader's correct function (answered by value from here in grading).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from autograder.engine.remote import RemoteFunction, RemoteNamespace, RemoteResult, RemoteValue
from autograder.sandboxed import calls as guarded

CALL_SECONDS = guarded.CALL_SECONDS
encode = guarded.encode


class _LocalKept:
    def __init__(self, value: Any) -> None:
        self.value = value


def call(fn: Any, *args, seconds: float = CALL_SECONDS, after: tuple[int, ...] = (), keep: bool = False) -> dict:
    if isinstance(fn, RemoteFunction):
        return fn.remote_call(args, seconds, after, keep)
    args = tuple(a.value if isinstance(a, _LocalKept) else a for a in args)
    kept: list = []

    def keeping(*a):
        kept.append(fn(*a))
        return kept[-1]

    record = guarded.call(keeping if callable(fn) else fn, *args, seconds=seconds)
    if after:
        record["_after"] = [args[i] for i in after]
    if keep:
        record["_kept"] = _LocalKept(kept[0] if kept else None)
    return record


def kept_item(kept: Any, index: int) -> Any:
    """Element `index` of a kept value that is a pair or longer (a (value, cache) return), or None."""
    if isinstance(kept, RemoteResult):
        return kept.item(index)
    if isinstance(kept, _LocalKept) and isinstance(kept.value, (tuple, list)) and index < len(kept.value):
        return _LocalKept(kept.value[index])
    return None


class Caller:
    """`call`, except that after one call timed out the rest are not attempted: an endless loop
    costs one time limit per exercise, not one per hidden point."""

    def __init__(self, fn, seconds: float = CALL_SECONDS):
        self.fn, self.seconds, self.timed_out = fn, seconds, None

    def __call__(self, *args, after: tuple[int, ...] = (), keep: bool = False) -> dict:
        if self.timed_out:
            return {"error": self.timed_out}
        result = call(self.fn, *args, seconds=self.seconds, after=after, keep=keep)
        if "did not return" in result.get("error", "") or "was not recorded" in result.get("error", ""):
            self.timed_out = result["error"]
        return result


@contextlib.contextmanager
def replaced(namespace, **names: Callable):
    if isinstance(namespace, RemoteNamespace):
        with namespace.offering(**names):
            yield
    else:
        with guarded.replaced(namespace, **names):
            yield


def value(namespace, name: str, text: bool = False) -> dict:
    """A variable's value: {"ok": encoded} (its str, with `text`), {"missing": True} or {"error": ...}."""
    found = namespace.get(name)
    if isinstance(found, RemoteValue) or isinstance(found, RemoteFunction):
        return namespace.value(name, text)
    if name not in namespace:
        return {"missing": True}
    raw = namespace[name]
    if text:
        return guarded.call(str, raw)
    if isinstance(raw, str):
        return {"ok": {"kind": "str", "value": raw[:500]}}
    return {"ok": encode(raw)}


def type_of(namespace, name: str) -> tuple[str, str] | None:
    """(type name, its module) of a name the learner's cells defined, or None."""
    found = namespace.get(name)
    if found is None:
        return None
    if isinstance(found, RemoteValue):
        return found.type_name, found.module
    if isinstance(found, RemoteFunction):
        return "function", "builtins"
    return type(found).__name__, str(type(found).__module__)
