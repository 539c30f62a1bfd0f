"""The warm sandbox: one bubblewrap sandbox that records many notebooks, one at a time, each in a
fresh fork of a process that has already imported Python's and numpy's modules.

    python -c "from autograder.sandboxed.warm import serve; serve()"   (started by jail.WarmSandbox)

Starting Python and importing numpy costs ≈ 0.15 s, five times what recording a notebook costs;
a fork costs a few milliseconds. The zygote (this process) never runs learner code and never sees a
job: the grader sends it, over its control socket (stdin), only "run" with two new pipe ends, and
"end". For "run" it forks a child that takes a fresh IPC namespace, drops every privilege (as root:
becomes the learner uid, a host uid of this sandbox's own) and adds the strict seccomp filter
(`confine.new_notebook_namespace`), then serves the notebook as the learner host on those pipes
(`run.main`), and says "started"; the grader holds the other ends, so nothing a child leaves behind
can reach a later child's pipes. For "end" it restores the sandbox before it answers "ready":
- every process but itself is killed (`kill(-1)`; as root the zygote forks a helper that becomes
  the learner uid to do it: the zygote itself may not signal them, nor they it) and it waits until
  none is left;
- every writable mount (the scratch folder, /tmp, and whatever else is writable) is put back as it
  was when the zygote started: entries created since are removed, and a changed or missing original
  entry, or a System V IPC object left behind, makes the answer "not ready";
- the zygote is not dumpable, so a child can neither trace it nor open its descriptors through /proc.
Whenever the answer is not "ready", or does not come in time, the grader kills this sandbox and
starts a new one: a child can break its own recording, never a later one's.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import select
import signal
import socket
import stat
import sys
import time

from autograder.sandboxed import confine, run

PR_SET_DUMPABLE = 4
GONE_SECONDS = 2.0


def _not_dumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def _writable_mounts() -> list[str]:
    """Mount points mounted read-write, but /proc and what is under it (per process, not files)."""
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            point, options = fields[4], fields[5].split(",")
            if "rw" in options and not (point == "/proc" or point.startswith("/proc/")):
                points.append(point)
    return points


def _entries(mount: str) -> dict[str, tuple]:
    """Every entry on `mount`'s file system (not crossing into other mounts): path → what identifies it."""
    out: dict[str, tuple] = {}
    try:
        device = os.lstat(mount).st_dev
    except OSError:
        return out
    stack = [mount]
    while stack:
        folder = stack.pop()
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if info.st_dev != device:
                continue  # another mount (recorded on its own if it is writable)
            kind = stat.S_IFMT(info.st_mode)
            regular = stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)
            out[path] = (kind, info.st_ino, stat.S_IMODE(info.st_mode), info.st_uid,
                         info.st_size if regular else 0, info.st_mtime_ns if regular else 0)
            if stat.S_ISDIR(info.st_mode):
                stack.append(path)
    return out


def _remove(path: str) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        os.chmod(path, 0o700)
        for name in os.listdir(path):
            _remove(os.path.join(path, name))
        os.rmdir(path)
    else:
        os.unlink(path)


def _ipc_left() -> bool:
    for kind in ("shm", "msg", "sem"):
        try:
            with open(f"/proc/sysvipc/{kind}", encoding="utf-8") as f:
                if len(f.read().strip().splitlines()) > 1:
                    return True
        except OSError:
            pass
    return False


def _others(keep: set[int]) -> list[int]:
    """Processes of this sandbox still alive (not zombies) but `keep` and PID 1 (bubblewrap's init)."""
    alive = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in keep or name == "1":
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            alive.append(int(name))
    return alive


def _clean(snapshot: dict[str, dict[str, tuple]], keep: set[int]) -> str | None:
    """Kill every other process, put the writable mounts back; None if the sandbox is as it was."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + GONE_SECONDS
    while _others(keep):
        if time.monotonic() > deadline:
            return "a process of the last recording could not be stopped"
        time.sleep(0.002)
    for mount, before in snapshot.items():
        now = _entries(mount)
        for path in sorted(set(now) - set(before), key=len):
            _remove(path)
        for path, identity in before.items():
            if now.get(path) != identity:
                return f"{path} was changed"
    if _ipc_left():
        return "System V IPC objects were left behind"
    return None


def _clean_as(uid: int, snapshot: dict[str, dict[str, tuple]]) -> str | None:
    """As root: a helper that becomes the children's user kills them and cleans (the zygote has no
    right to signal them, on purpose: they cannot signal it either)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(reader)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            problem = _clean(snapshot, {os.getpid(), os.getppid()})
            os.write(writer, (problem or "").encode()[:500])
        finally:
            os._exit(0)
    os.close(writer)
    problem = os.read(reader, 600).decode(errors="replace")
    os.close(reader)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return "the clean-up was stopped"
    return problem or None


def _close_inherited(keep: set[int]) -> None:
    """Close every descriptor bubblewrap let through but ours (it keeps the user namespace's open)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # (the listing's own descriptor, already gone)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(control: socket.socket, fds: list[int], learner_uid: int | None) -> None:
    """In the fork: the job's pipes become stdin and stdout, then exactly what a fresh sandbox runs
    (and the exit status a fresh sandbox's Python would have: 1 if the runner itself failed)."""
    code = 1
    try:
        control.close()
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        for fd in fds:
            os.close(fd)
        import numpy as np

        np.random.seed()  # as a fresh process: learner code calling np.random unseeded gets its own draws
        confine.new_notebook_namespace(learner_uid)  # its own IPC namespace, no privilege, the strict filter
        run.main()
        code = 0
    except BaseException:  # noqa: BLE001  (whatever happens, the fork never returns into the zygote's loop)
        pass
    finally:
        os._exit(code)


def serve(preload: tuple[str, ...] = (), known: tuple[str, ...] = (), learner_uid: int | None = None) -> None:
    """The zygote's loop: "run" (with two descriptors) forks a recording; "end" kills and cleans.
    `preload`: installed packages the assignment's notebook imports (sympy for the warm-up), imported
    here once rather than by every recording. `known`: the release's code cells (public), compiled
    here once rather than by every recording (`run.know`)."""
    control = socket.socket(fileno=os.dup(0))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    _close_inherited(keep={control.fileno(), null})
    import numpy.random  # noqa: F401  (each recording seeds it: numpy imports it lazily, ≈ 13 ms a fork)

    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001  (a speed-up only: the recording imports it itself)
            pass
    run.know(known)
    _not_dumpable()
    snapshot = {m: _entries(m) for m in _writable_mounts()}

    def say(message: dict) -> None:
        control.sendall(json.dumps(message).encode())

    say({"ready": True})
    child, pidfd = None, None
    while True:
        watched = [control] + ([pidfd] if pidfd is not None else [])
        ready, _, _ = select.select(watched, [], [])
        if pidfd is not None and pidfd in ready:
            _, status = os.waitpid(child, 0)
            os.close(pidfd)
            child, pidfd = None, None
            say({"exited": os.waitstatus_to_exitcode(status)})
            continue
        message, fds, _, _ = socket.recv_fds(control, 4096, 2)
        if not message:
            return  # the grader is gone
        op = json.loads(message).get("op")
        if op == "run" and child is None and len(fds) == 2:
            child = os.fork()
            if child == 0:
                _child(control, fds, learner_uid)
            for fd in fds:
                os.close(fd)
            pidfd = os.pidfd_open(child)
            say({"started": True})
        elif op == "end":
            for fd in fds:
                os.close(fd)
            problem = _clean_as(learner_uid, snapshot) if learner_uid is not None else _clean(snapshot, {os.getpid()})
            if pidfd is not None:
                os.close(pidfd)
                child, pidfd = None, None
            _reap()
            say({"ready": problem is None, **({"why": problem} if problem else {})})
        else:
            for fd in fds:
                os.close(fd)
            say({"ready": False, "why": f"unexpected request {op!r}"})


if __name__ == "__main__":
    serve()
    sys.exit(0)
