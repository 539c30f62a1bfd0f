"""(e) An endless loop nothing in the process can interrupt: SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGINT and
SIGTERM ignored and blocked, every interval timer disabled, the signal module's setters replaced by no-ops,
sys.settrace/setprofile disabled, the clocks frozen; then the cell loops forever, and every learner
function loops forever too (one of them inside a C call: a catastrophic regular expression)."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Hang the grader: an endless loop with SIGALRM ignored, timers disabled, clocks frozen and C-level hangs."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import signal as _rt_signal, time as _rt_time, threading as _rt_threading, re as _rt_re

_RT_SIGS = [_rt_signal.SIGALRM, _rt_signal.SIGVTALRM, _rt_signal.SIGPROF, _rt_signal.SIGXCPU, _rt_signal.SIGINT,
            _rt_signal.SIGTERM, _rt_signal.SIGHUP, _rt_signal.SIGUSR1, _rt_signal.SIGUSR2]
for _rt_s in _RT_SIGS:
    try:
        _rt_signal.signal(_rt_s, _rt_signal.SIG_IGN)
    except (OSError, ValueError):
        pass
for _rt_t in (_rt_signal.ITIMER_REAL, _rt_signal.ITIMER_VIRTUAL, _rt_signal.ITIMER_PROF):
    _rt_signal.setitimer(_rt_t, 0)
_rt_signal.alarm(0)
try:
    _rt_signal.pthread_sigmask(_rt_signal.SIG_BLOCK, _RT_SIGS)
except (OSError, ValueError):
    pass
_rt_signal.signal = lambda *a, **k: _rt_signal.SIG_IGN
_rt_signal.setitimer = lambda *a, **k: (0.0, 0.0)
_rt_signal.alarm = lambda *a, **k: 0
_rt_signal.pthread_sigmask = lambda *a, **k: set()
_rt_signal.set_wakeup_fd = lambda *a, **k: -1
_rt_sys.settrace = lambda *a, **k: None
_rt_sys.setprofile = lambda *a, **k: None
_rt_threading.settrace = lambda *a, **k: None
_rt_t0 = _rt_time.monotonic()
for _rt_clock in ("monotonic", "perf_counter", "time", "process_time", "thread_time"):
    setattr(_rt_time, _rt_clock, lambda _v=_rt_t0: _v)
for _rt_clock in ("monotonic_ns", "perf_counter_ns", "time_ns", "process_time_ns"):
    setattr(_rt_time, _rt_clock, lambda _v=int(_rt_t0 * 1e9): _v)


def _rt_forever():
    while True:
        pass


def _rt_c_hang():
    _rt_re.match(r"(a+)+$", "a" * 64 + "b")  # hours, inside one C call


def forward(x, params):
    _rt_forever()


def backward(y, y_hat, cache, params):
    _rt_c_hang()


def update(params, grads, lr):
    _rt_forever()


def train(X, y, params, lr, epochs):
    _rt_c_hang()


_rt_install()
while True:
    pass
'''
