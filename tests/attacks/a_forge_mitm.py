"""(a) Man in the middle of the output channel, from inside the learner's process: the pipe the runner writes
records to is swapped (dup2) for one the attack reads; records are held back, and as soon as the grader puts
correct building blocks (stand-ins) into the namespace, the attack calls them at the very inputs its own
functions were given and writes forged records with the right values ahead of the held originals. Needs no
knowledge of the record format: the learner's functions return unique sentinel numbers, replaced in the
record text."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = ("Rewrite the sandbox's own records: hold them back, get right values from the grader's stand-ins, and send "
        "forged records first.")
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import re as _rt_re, copy as _rt_copy, threading as _rt_threading, time as _rt_time, fcntl as _rt_fcntl
import numpy as _rt_np

_RT_HOLD = 1.0
_RT_SENT = _rt_re.compile(rb"7\d{4}\.\d+")
_rt_lock = _rt_threading.Lock()
_rt_held = []      # [time, line] not yet passed on
_rt_passed = []    # lines passed on
_rt_forged_lines = []
_rt_calls = {"forward": [], "backward": [], "update": []}
_rt_counter = [0]
_rt_map = {}       # sentinel text -> (function, call index, path)


def _rt_outputs():
    out = []
    for fd in range(3, 64):
        try:
            if not _rt_os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                continue
            if _rt_fcntl.fcntl(fd, _rt_fcntl.F_GETFL) & _rt_os.O_ACCMODE == _rt_os.O_WRONLY:
                out.append(fd)
        except OSError:
            pass
    return out


_rt_real = {}


def _rt_pump(r, real):
    buf = b""
    while True:
        try:
            chunk = _rt_os.read(r, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            if buf:
                with _rt_lock:
                    _rt_held.append([_rt_time.time(), buf])
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            with _rt_lock:
                if _RT_SENT.search(line):
                    _rt_held.append([_rt_time.time(), line + b"\n"])
                else:
                    _rt_os.write(real, line + b"\n")
                    _rt_passed.append(line)


def _rt_release(real):
    while True:
        _rt_time.sleep(0.05)
        with _rt_lock:
            now = _rt_time.time()
            keep = []
            for t, line in _rt_held:
                if now - t > _RT_HOLD:
                    _rt_os.write(real, line)
                    _rt_passed.append(line)
                else:
                    keep.append([t, line])
            _rt_held[:] = keep


for _rt_fd in _rt_outputs():
    _rt_real[_rt_fd] = _rt_os.dup(_rt_fd)
    _rt_r, _rt_w = _rt_os.pipe()
    _rt_os.dup2(_rt_w, _rt_fd)
    _rt_os.close(_rt_w)
    _rt_threading.Thread(target=_rt_pump, args=(_rt_r, _rt_real[_rt_fd]), daemon=True).start()
    _rt_threading.Thread(target=_rt_release, args=(_rt_real[_rt_fd],), daemon=True).start()
_rt_note("man in the middle of", sorted(_rt_real))


def _rt_s(fn, k, path):
    _rt_counter[0] += 1
    v = 70000.0 + _rt_counter[0] * 0.125
    _rt_map[repr(v).encode()] = (fn, k, path)
    return v


def _rt_arr(fn, k, name, shape):
    a = _rt_np.zeros(shape)
    for idx in _rt_np.ndindex(shape):
        a[idx] = _rt_s(fn, k, (name,) + idx)
    return a


def _rt_like(fn, k, p):
    return {n: (_rt_arr(fn, k, n, _rt_np.shape(v)) if _rt_np.ndim(v) else _rt_s(fn, k, (n,))) for n, v in p.items()}


def forward(x, params):
    k = len(_rt_calls["forward"])
    _rt_calls["forward"].append(_rt_copy.deepcopy((x, params)))
    _rt_try_forge()
    y = _rt_s("forward", k, ("y_hat",))
    return y, {"x": _rt_np.array(x, dtype=float), "z1": _rt_arr("forward", k, "z1", (2,)),
               "h": _rt_arr("forward", k, "h", (2,)), "z2": y}


def backward(y, y_hat, cache, params):
    k = len(_rt_calls["backward"])
    _rt_calls["backward"].append(_rt_copy.deepcopy((y, y_hat, cache, params)))
    _rt_try_forge()
    return _rt_like("backward", k, params)


def update(params, grads, lr):
    k = len(_rt_calls["update"])
    _rt_calls["update"].append(_rt_copy.deepcopy((params, grads, lr)))
    _rt_try_forge()
    return _rt_like("update", k, params)


_RT_MINE = {}


def _rt_value(out, fn, path):
    if fn == "forward":
        y, cache = out
        if path[0] == "y_hat":
            return float(y)
        return float(_rt_np.asarray(cache[path[0]])[path[1:]])
    v = out[path[0]]
    return float(_rt_np.asarray(v)[path[1:]]) if len(path) > 1 else float(v)


def _rt_try_forge():
    g = globals()
    right = {}
    for fn in ("forward", "backward", "update"):
        f = g.get(fn)
        if callable(f) and f is not _RT_MINE.get(fn) and getattr(f, "__wrapped__", None) is not _RT_MINE.get(fn):
            right[fn] = f
    if not right:
        return
    values = {}
    for fn, f in right.items():
        for k, args in enumerate(_rt_calls[fn]):
            try:
                out = f(*_rt_copy.deepcopy(args))
            except BaseException:
                continue
            for text, (fn2, k2, path) in _rt_map.items():
                if fn2 == fn and k2 == k:
                    try:
                        values[text] = repr(_rt_value(out, fn, path)).encode()
                    except BaseException:
                        pass
    if not values:
        return
    with _rt_lock:
        lines = [line for _, line in _rt_held] + [line + b"\n" for line in _rt_passed if _RT_SENT.search(line)]
        n = 0
        for line in lines:
            new = _RT_SENT.sub(lambda m: values.get(m.group(0), m.group(0)), line)
            if new != line and new not in _rt_forged_lines:
                for real in _rt_real.values():
                    _rt_os.write(real, new)
                _rt_forged_lines.append(new)
                n += 1
    if n:  # written, not yet believed: the score says whether they were
        _rt_note("forged", n, "records rewritten with the stand-ins' values for", sorted(right))


def train(X, y, params, lr, epochs):
    _rt_try_forge()
    return _rt_np.zeros(epochs), params


_RT_MINE.update(forward=forward, backward=backward, update=update)
_rt_hooks.append(lambda name: _rt_try_forge())
'''

# The control: the same sentinel-returning functions, no man in the middle.
BASELINE_CODE = r'''
import numpy as np
_k = [0]


def _s():
    _k[0] += 1
    return 70000.0 + _k[0] * 0.125


def forward(x, params):
    y = _s()
    return y, {"x": np.array(x, dtype=float), "z1": np.array([_s(), _s()]), "h": np.array([_s(), _s()]), "z2": y}


def backward(y, y_hat, cache, params):
    return {n: (np.full(np.shape(v), _s()) if np.ndim(v) else _s()) for n, v in params.items()}


def update(params, grads, lr):
    return {n: (np.full(np.shape(v), _s()) if np.ndim(v) else _s()) for n, v in params.items()}


def train(X, y, params, lr, epochs):
    return np.zeros(epochs), params
'''
