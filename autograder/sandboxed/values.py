"""Values across the sandbox's wall, exactly: what the grader passes to a learner function, what a
stand-in answers by value, what a learner function left in its arguments.

`pack` turns plain values (numbers, strings, None, numpy arrays of numbers or booleans, lists,
tuples, dicts with string keys) into JSON-ready data that `unpack` turns back into the same types and
the same float64 bits (Python writes floats with `repr`, which round-trips; inf and nan are tagged).
Anything else cannot cross: `pack` raises `Unpackable`. `unpack` is given what the other side sent
and may be hostile: it checks every tag and refuses sizes above `MAX_ITEMS` numbers and depths above
`MAX_DEPTH` (the grader parses the host's lines with a cap on nesting first: `autograder/engine/wire.py`).

Both sides import this module: it holds nothing secret, only the format.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

MAX_DEPTH = 32
MAX_ITEMS = 200_000
DTYPES = {"float64": np.float64, "float32": np.float64, "int64": np.int64, "int32": np.int64, "bool": np.bool_}


class Unpackable(ValueError):
    """A value that cannot cross the sandbox's wall (or a malformed packed value)."""


def _number(v: float) -> float | dict:
    return v if math.isfinite(v) else {"$f": repr(v)}


def pack(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise Unpackable("nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is int:
        return value
    if type(value) is float:
        return _number(value)
    if isinstance(value, np.generic) and value.dtype.kind in "fiub":
        kind = {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}[value.dtype.kind]
        item = value.item()
        return {"$s": kind, "v": _number(float(item)) if kind == "float64" else item}
    if type(value) is np.ndarray:
        if value.dtype.kind not in "fiub":
            raise Unpackable(f"an array of {value.dtype} cannot be passed")
        if value.size > MAX_ITEMS:
            raise Unpackable("an array too large to pass")
        kind = {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}[value.dtype.kind]
        flat = value.reshape(-1).tolist()
        if kind == "float64" and not np.isfinite(value).all():  # (most arrays: plain floats, no per-entry pass)
            flat = [_number(float(v)) for v in flat]
        return {"$a": kind, "shape": list(value.shape), "data": flat}
    if type(value) is list:
        return [pack(v, depth + 1) for v in value]
    if type(value) is tuple:
        return {"$t": [pack(v, depth + 1) for v in value]}
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            raise Unpackable("only dicts with string keys can be passed")
        return {"$d": {k: pack(v, depth + 1) for k, v in value.items()}}
    raise Unpackable(f"a {type(value).__name__} cannot be passed")


def _float(v: Any) -> float:
    if type(v) in (int, float):
        return float(v)
    if type(v) is dict and v.get("$f") in ("inf", "-inf", "nan"):
        return float(v["$f"])
    raise Unpackable("malformed number")


def unpack(data: Any, depth: int = 0, extra=None) -> Any:
    """The value `data` packs. `extra(tag, data)` resolves tags this module does not know (the host's
    references to values it keeps, the grader's callbacks); without it they are malformed."""
    if depth > MAX_DEPTH:
        raise Unpackable("nested too deeply")
    if data is None or type(data) in (bool, str, int):
        return data
    if type(data) is float:
        return data
    if type(data) is list:
        return [unpack(v, depth + 1, extra) for v in data]
    if type(data) is not dict or len(data) == 0:
        raise Unpackable("malformed value")
    if "$f" in data:
        return _float(data)
    if "$s" in data:
        kind = data["$s"]
        if kind not in DTYPES:
            raise Unpackable("malformed scalar")
        return DTYPES[kind](_float(data.get("v")) if kind == "float64" else data.get("v"))
    if "$a" in data:
        kind, shape, flat = data["$a"], data.get("shape"), data.get("data")
        if kind not in DTYPES or type(shape) is not list or type(flat) is not list or len(shape) > 8 \
                or not all(type(s) is int and 0 <= s <= MAX_ITEMS for s in shape) or len(flat) > MAX_ITEMS \
                or math.prod(shape) != len(flat):
            raise Unpackable("malformed array")
        if kind == "float64":
            if all(type(v) is float or type(v) is int for v in flat):  # most arrays: plain numbers
                return np.array(flat, dtype=np.float64).reshape(shape)
            return np.array([_float(v) for v in flat], dtype=np.float64).reshape(shape)
        if not all(type(v) in (int, bool) for v in flat):
            raise Unpackable("malformed array")
        return np.array(flat, dtype=DTYPES[kind]).reshape(shape)
    if "$t" in data and type(data["$t"]) is list:
        return tuple(unpack(v, depth + 1, extra) for v in data["$t"])
    if "$d" in data and type(data["$d"]) is dict:
        return {str(k): unpack(v, depth + 1, extra) for k, v in data["$d"].items()}
    if extra is not None:
        return extra(data)
    raise Unpackable("malformed value")


def loads(line: bytes) -> Any:
    """Parse one JSON line from the grader (the grader parses the host's lines with caps: `wire.py`)."""

    def no_constants(name):
        raise Unpackable(f"{name} is not JSON")
    try:
        return json.loads(line.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Unpackable(f"not a JSON line ({type(exc).__name__})") from None


def dumps(message: Any) -> bytes:
    return json.dumps(message, allow_nan=False, separators=(",", ":")).encode() + b"\n"
