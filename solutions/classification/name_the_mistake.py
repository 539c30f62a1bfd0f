"""When a visible check fails, say which known mistake your value matches at this notebook's example.

    with named("test_dL_dyhat"):      # in a check cell: the check runs as before; if it fails,
        check_link("dL_dyhat")        # the message starts with the name of the mistake, if known

`mistakes_at_example.json`, beside this file and the notebook, lists for some checks a call to one of
your functions at the notebook's public example (the inputs the visible check itself uses), the right
value there (the one the visible check already compares against) and the value each known mistake of
the course gives there. When your value is wrong and equals one of those, the failed check names the
mistake and says what to look at. Nothing is hidden here: the file holds values at public inputs only.

It also says the cause first when a check fails because the setup cell could not import a package
(a `NameError` for a name the setup cell defines): which module is missing and how to install it.

Needs only the standard library (numpy is imported when a value is compared), so that it can still
name a missing numpy.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "mistakes_at_example.json"
RTOL, ATOL = 1e-6, 1e-9  # as loose as the visible checks' own comparisons


def _data() -> dict:
    try:
        return json.loads(DATA_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def missing_modules(data: dict | None = None) -> list[str]:
    """The modules the setup cell imports that this Python cannot find."""
    data = _data() if data is None else data
    out = []
    for name in data.get("setup_imports", []):
        try:
            if importlib.util.find_spec(name) is None:
                out.append(name)
        except (ImportError, ValueError):
            out.append(name)
    return out


def setup_failure(modules: list[str]) -> str:
    """The sentence a learner reads first when the setup cell could not import `modules`."""
    if not modules:
        return ""
    names = ", ".join(repr(m) for m in modules)
    install = " ".join(modules)
    return (f"the setup cell failed: No module named {names} — install it with `{sys.executable} -m pip install "
            f"{install}` (in the Python that runs this notebook), then run the notebook again from the top.")


def _decode(value, namespace: dict):
    """An argument: a number, an array, a dict; or {"name": N}, the notebook's own public variable N (a copy);
    or {"call": f, "args": [...], "pick": [...]}, what the learner's own function f returns there."""
    import copy

    import numpy as np

    if isinstance(value, dict):
        if "array" in value:
            return np.array(value["array"], dtype=np.float64).reshape(value["shape"])
        if "dict" in value:
            return {k: _decode(v, namespace) for k, v in value["dict"].items()}
        if "name" in value:
            return copy.deepcopy(namespace[value["name"]])
        if "call" in value:
            return _pick(namespace[value["call"]](*_decode(value["args"], namespace)), value.get("pick", []))
    if isinstance(value, list):
        return [_decode(v, namespace) for v in value]
    return value


def _pick(value, path):
    for key in path:
        value = value[key]
    return value


def _close(actual, desired) -> bool:
    import numpy as np

    try:
        a = np.asarray(actual, dtype=np.float64)
        d = np.asarray(desired, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if a.shape != d.shape or not np.all(np.isfinite(a)):
        return False
    return bool(np.all(np.abs(a - d) <= ATOL + RTOL * np.abs(d)))


def _fmt(value) -> str:
    import numpy as np

    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    return "[" + ", ".join(_fmt(v) for v in arr) + "]"


def _formula_values(expr, symbols: dict, namespace: dict):
    """A sympy expression (or a string the notebook's sympy reads) at each sample of `symbols`."""
    if isinstance(expr, str):
        sp = namespace.get("sp")
        if sp is None:
            return None
        expr = sp.sympify(expr)
    free = getattr(expr, "free_symbols", None)
    if free is None or not {str(s) for s in free} <= set(symbols):
        return None
    n = len(next(iter(symbols.values())))
    return [float(expr.subs({s: symbols[str(s)][i] for s in free})) for i in range(n)]


def _learner_value(probe: dict, namespace: dict):
    """What the learner's code gives at the probe's public input, or None if it cannot be had."""
    try:
        if "formula" in probe:
            return _formula_values(namespace.get(probe["formula"]), probe["symbols"], namespace)
        function = namespace.get(probe["call"])
        if not callable(function):
            return None
        return _pick(function(*_decode(probe["args"], namespace)), probe.get("pick", []))
    except Exception:  # a learner's function may raise anything: then there is nothing to name
        return None


def explain(check: str, namespace: dict, data: dict | None = None) -> str:
    """The known mistake the learner's value matches at the public example, as a sentence, or ''."""
    data = _data() if data is None else data
    for probe in data.get("checks", {}).get(check, []):
        value = _learner_value(probe, namespace)
        if value is None or _close(value, probe["right"]):
            continue
        matches = [m for m in probe["mistakes"] if _close(value, m["value"])]
        if not matches:
            continue
        names = " or ".join(m["name"] for m in matches)
        hints = " ".join(m["explanation"] for m in matches)
        return (f"{probe['what']} at {probe['at']} is {_fmt(value)}, where {_fmt(probe['right'])} belongs. "
                f"This matches a known mistake: {names}. {hints}")
    return ""


def diagnosis(check: str, namespace: dict, error: BaseException) -> str:
    """What to say first about a failed check: a missing package, or a known mistake; '' if neither."""
    data = _data()
    if isinstance(error, (NameError, ImportError)):
        cause = setup_failure(missing_modules(data))
        if cause:
            return cause
    if isinstance(error, AssertionError):
        return explain(check, namespace, data)
    return ""


class named:  # noqa: N801  (read as a phrase in the check cells: `with named("test_x"):`)
    """Run a visible check; if it fails, lead its message with the diagnosis (see the module's docstring)."""

    def __init__(self, check: str, namespace: dict | None = None) -> None:
        self.check = check
        self.namespace = namespace if namespace is not None else sys._getframe(1).f_globals

    def __enter__(self) -> named:
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or not isinstance(error, (AssertionError, NameError, ImportError)):
            return False
        try:
            first = diagnosis(self.check, self.namespace, error)
        except Exception:  # naming the mistake must never hide the check's own message
            first = ""
        if not first:
            return False
        raise AssertionError(f"{first}\n\nThe check said: {type(error).__name__}: {error}") from None

