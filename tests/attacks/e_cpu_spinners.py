"""(e) 40 CPU-spinning children (each in its own session, no pipes held) while the attacker's notebook takes
its time (a cell of 14 s, a short sleep in each call): learners graded meanwhile by the other worker share
the machine with 40 busy processes. Aimed at the XOR assignment, whose honest training is the slowest."""

from tests.attacks._common import prelude

ASSIGNMENT = "xor"
GOAL = "Starve learners graded in parallel of CPU with 40 spinning children so that their calls time out."
WITH_SOLUTION = True

CODE = prelude(ASSIGNMENT) + r'''
import time as _rt_time

_rt_kids = []
for _rt_k in range(40):
    try:
        _rt_pid = _rt_os.fork()
    except OSError as _rt_exc:
        _rt_note("fork failed after", _rt_k, _rt_exc)
        break
    if _rt_pid == 0:
        try:
            _rt_os.setsid()
            for fd in range(0, 1024):
                try:
                    _rt_os.close(fd)
                except OSError:
                    pass
            _rt_end = _rt_time.time() + 300
            while True:  # spin
                if _rt_time.time() > _rt_end:
                    break
        finally:
            _rt_os._exit(0)
    _rt_kids.append(_rt_pid)
_rt_note("spinning children:", len(_rt_kids))
_rt_time.sleep(14)


def _rt_slow(name):
    _rt_time.sleep(0.5)


_rt_hooks.append(_rt_slow)
'''
