"""JSON from outside the grader's trust, parsed with a cap on its nesting depth and its size.

    value = wire.loads_capped(line, max_depth=wire.LINE_DEPTH, max_bytes=wire.LINE_BYTES)

Whatever the sandbox sends (a recording's lines, the warm sandbox's control messages) and the probes
the hidden checks load are parsed here. `json.loads` recurses once per level of nesting, in C but
against Python's recursion limit: a line of 200,000 `[` raises RecursionError (not a ValueError), and
one of ~960 levels parses in a shallow stack yet fails in a deeper one (pytest's). So the depth is
measured first, without parsing and without recursion (strings cut out by one linear regular
expression, then the running count of brackets outside them, in numpy), and only a line within both
caps reaches `json.loads`. Every failure is a `WireError`, a ValueError.
"""

from __future__ import annotations

import json
import re

import numpy as np

LINE_DEPTH = 64  # a recording's line: its deepest legitimate message is ≈ 16 levels (a layer network's forward pass)
LINE_BYTES = 8 * 1024**2  # = jail.Limits.output_bytes, everything a recording may write
PROBE_DEPTH = 32  # a probe the hidden checks judge (`grading.bounded`): the deepest legitimate one is ≈ 14
PROBE_BYTES = 4 * 1024**2  # and its size as JSON: the largest legitimate one is ≈ 31 KB
PROBES_FILE_BYTES = 1024**3  # all the probes of one pytest session


class WireError(ValueError):
    """The data is not JSON this grader accepts."""


class TooDeep(WireError):
    """Nested deeper than the cap."""


class TooLarge(WireError):
    """Larger than the cap."""


class NotJSON(WireError):
    """Not (strict) JSON, or not UTF-8."""


# A JSON string, escapes included; an unterminated one runs to the end of the data. Linear: once it
# starts at a quote it always matches (greedy, no backtracking), and the search resumes after it.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN = (ord("["), ord("{"))


def depth_of(data: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text (0 for a scalar), counted without parsing.
    Exact for valid JSON and for the valid prefix json.loads would parse of invalid JSON."""
    if data.count(b"[") + data.count(b"{") == 0:
        return 0
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == _OPEN[0]) | (codes == _OPEN[1]), 1, -1).astype(np.int32)
    return int(max(np.cumsum(steps).max(), 0))


def _no_constant(name: str):
    raise NotJSON(f"{name} is not strict JSON")


def loads_capped(data: bytes | str, max_depth: int, max_bytes: int, *, allow_constants: bool = False) -> object:
    """`json.loads(data)` if `data` has at most `max_bytes` bytes and nests at most `max_depth` levels;
    else TooLarge or TooDeep. Not UTF-8, not JSON, or (unless `allow_constants`) NaN/Infinity: NotJSON.
    Raises nothing but WireError (a ValueError) and recurses at most `max_depth` levels."""
    if isinstance(data, str):
        if len(data) > max_bytes:  # at least that many bytes in UTF-8
            raise TooLarge(f"more than {max_bytes} bytes")
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise NotJSON(f"not UTF-8: {exc}") from None
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise NotJSON(f"expected bytes or str, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise TooLarge(f"{len(data)} bytes, more than {max_bytes}")
    try:
        depth = depth_of(data) if data.count(b"[") + data.count(b"{") > max_depth else 0  # (else it cannot be deeper)
    except MemoryError:
        raise TooLarge(f"{len(data)} bytes: no memory to scan them") from None
    if depth > max_depth:
        raise TooDeep(f"nested {depth} levels deep, more than {max_depth}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotJSON(f"not UTF-8: {exc}") from None
    try:
        return json.loads(text) if allow_constants else json.loads(text, parse_constant=_no_constant)
    except NotJSON:
        raise
    except RecursionError:  # a cap close to the recursion limit, in a deep stack
        raise TooDeep(f"nested {depth} levels deep: too deep to parse here") from None
    except MemoryError:
        raise TooLarge(f"{len(data)} bytes: no memory to parse them") from None
    except ValueError as exc:
        raise NotJSON(str(exc)[:300]) from None


def dumps_measured(value: object) -> tuple[str, int]:
    """`json.dumps(value)` and its nesting depth; TooDeep if even encoding it is too deep for this stack
    (json.dumps recurses like json.loads), NotJSON if it is not made of dicts, lists and scalars."""
    try:
        encoded = json.dumps(value)
    except RecursionError:
        raise TooDeep("too deep to encode") from None
    except (TypeError, ValueError) as exc:
        raise NotJSON(str(exc)[:300]) from None
    data = encoded.encode("utf-8")
    return encoded, depth_of(data) if data.count(b"[") + data.count(b"{") > 1 else data.count(b"[") + data.count(b"{")


def measure(value: object) -> tuple[int, int]:
    """(nesting depth, bytes as JSON) of a value made of dicts, lists and scalars (see dumps_measured)."""
    encoded, depth = dumps_measured(value)
    return depth, len(encoded.encode("utf-8"))
