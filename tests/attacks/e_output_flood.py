"""(e) Print megabytes: 20 MB through print() and sys.stdout, 10 MB as one line with no end, 10 MB straight into
file descriptors 1 and 2, 10 MB on stderr, 100,000 warnings, and 2 MB more at every graded call (the
notebook is otherwise a correct solution)."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Flood stdout, stderr and warnings with tens of megabytes, in cells and in every graded call."
WITH_SOLUTION = True

CODE = prelude(ASSIGNMENT) + r'''
import warnings as _rt_warnings

_RT_LINE = "flood " * 170 + "\n"
for _rt_k in range(20 * 1024):
    print(_RT_LINE, end="")
_rt_sys.stdout.write("E" * (10 * 2 ** 20))
for _rt_fd in (1, 2):
    try:
        _rt_os.write(_rt_fd, b"F" * (10 * 2 ** 20))
    except OSError:
        pass
_rt_sys.stderr.write("G" * (10 * 2 ** 20))
for _rt_k in range(100000):
    _rt_warnings.warn(f"warning {_rt_k}")


def _rt_flood(name):
    print(("H" * 1023 + "\n") * 2048)
    _rt_sys.stderr.write("I" * (2 ** 20))


_rt_hooks.append(_rt_flood)
'''
