"""(a) Giant and malformed output: a 10 MB JSON line, 10 MB of small lines, a line with no end, invalid
UTF-8, NUL bytes, lone surrogates, a 100,000-digit integer, NaN and Infinity tokens, duplicate keys; written
into every pipe early and during calls, and returned by the learner's functions."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = ("Crash, stall or confuse the grader's reader with 10 MB lines, invalid UTF-8, NUL bytes, huge integers, "
        "NaN and unterminated lines.")
WITH_SOLUTION = False
POSITION = "start"

CODE = prelude(ASSIGNMENT) + r'''
import threading as _rt_threading
_RT_EX = ["forward", "backward", "update", "train", "output_weights", "hidden_weights", "test_forward", "test_train"]


def _rt_payloads():
    big = b'{"exercise": "forward", "value": "' + b"A" * (10 * 2 ** 20) + b'", "score": 1}\n'
    many = b"".join(b'{"exercise": "%s", "score": 1.0, "passed": true}\n' % e.encode() for e in _RT_EX) * 20000
    bad = [b'{"exercise": "forward", "value": "\xff\xfe\xc3\x28 invalid utf-8"}\n',
           b'{"exercise": "backward", "value": "nul\x00byte", "score": 1}\n',
           b'{"exercise": "update", "value": "\\ud800 lone surrogate", "score": 1}\n',
           b'{"exercise": "train", "value": 1' + b"0" * 100000 + b', "score": 1}\n',
           b'{"exercise": "forward", "value": NaN, "other": Infinity, "neg": -Infinity, "big": 1e999}\n',
           b'{"exercise": "forward", "exercise": "train", "score": 1, "score": 99}\n',
           b"\xef\xbb\xbf" + b'{"exercise": "forward", "bom": true}\n',
           b'{"exercise": "forward", "value": [1, 2,\n',
           b"\x1b[2J\x1b[31m terminal escapes \r\n",
           b'{"exercise": "train", "unterminated": "' + b"B" * (2 ** 20)]
    return [big, many] + bad


def _rt_pipes():
    out = []
    for fd in range(0, 256):
        try:
            if _rt_os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                out.append(fd)
        except OSError:
            pass
    return out


_rt_times = [0]


def _rt_flood(tag):
    if _rt_times[0] > 3:
        return
    _rt_times[0] += 1
    def go():
        n = 0
        for fd in _rt_pipes():
            for p in _rt_payloads():
                try:
                    n += _rt_os.write(fd, p)
                except OSError:
                    break
        _rt_note("flooded", tag, n, "bytes")
    t = _rt_threading.Thread(target=go, daemon=True)
    t.start()
    t.join(4)


_rt_flood("early")
_rt_hooks.append(lambda name: _rt_flood("call " + name))
'''

CODE_END = r'''
class _RtBadRepr(float):
    def __repr__(self):
        return "\udcff" + "9" * 5000
    __str__ = __repr__


def forward(x, params):
    return 10 ** 100000, {"x": "\x00\udcff" * 1000, "z1": float("nan"), "h": "C" * (10 * 2 ** 20), "z2": _RtBadRepr(1.0)}


def backward(y, y_hat, cache, params):
    return {"W1": float("inf"), "b1": b"\xff\xfe" * 1000, "W2": 10 ** 5000, "b2": float("nan")}


def update(params, grads, lr):
    return {"W1": "\ud800", "b1": [float("nan")] * 1000000, "W2": -10 ** 4400, "b2": _RtBadRepr(2.0)}


def train(X, y, params, lr, epochs):
    return "D" * (10 * 2 ** 20), {"W1": 10 ** 100000}
'''
