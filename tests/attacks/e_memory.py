"""(e) Memory: one 10 GB allocation (bytearray and numpy, touched), then a fan-out: 4 children each
allocating and touching 1.5 GB at the same time. Together more than 2 GB is a broken limit; what each got
is reported."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Allocate 10 GB, then 6 GB across 4 children at once, beyond the sandbox's 2 GB."
WITH_SOLUTION = True

CODE = prelude(ASSIGNMENT) + r'''
import time as _rt_time
import numpy as _rt_np

for _rt_how in ("bytearray", "numpy"):
    try:
        _rt_big = bytearray(10 * 2 ** 30) if _rt_how == "bytearray" else _rt_np.ones(10 * 2 ** 30 // 8)
        _rt_big[:: 4096] = 1 if _rt_how == "numpy" else b"\1" * len(_rt_big[:: 4096])
        _rt_mark("BREACH", "memory-10GB", _rt_how)
        del _rt_big
    except BaseException as _rt_exc:
        _rt_note("10 GB", _rt_how, type(_rt_exc).__name__)

_rt_r, _rt_w = _rt_os.pipe()
_rt_kids = []
for _rt_k in range(4):
    _rt_pid = _rt_os.fork()
    if _rt_pid == 0:
        try:
            _rt_a = _rt_np.ones(int(1.5 * 2 ** 30) // 8)
            _rt_os.write(_rt_w, b"1")
            _rt_time.sleep(8)
        except BaseException:
            _rt_os.write(_rt_w, b"0")
        finally:
            _rt_os._exit(0)
    _rt_kids.append(_rt_pid)
_rt_os.close(_rt_w)
_rt_ok = 0
_rt_end = _rt_time.time() + 20
while _rt_time.time() < _rt_end:
    _rt_b = _rt_os.read(_rt_r, 16)
    if not _rt_b:
        break
    _rt_ok += _rt_b.count(b"1")
for _rt_p in _rt_kids:
    _rt_os.waitpid(_rt_p, 0)
_rt_note("children holding 1.5 GB at once:", _rt_ok)
if _rt_ok * 1.5 > 2:
    _rt_mark("BREACH", "memory", f"{_rt_ok} processes held 1.5 GB each at the same time ({_rt_ok * 1.5} GB > 2 GB)")
'''
