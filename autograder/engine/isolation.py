"""Isolation primitives the grader sets up around a bubblewrap sandbox (the sandbox's own side is
`autograder.sandboxed.confine`).

- `seccomp_file`: the non-strict seccomp filter in a file descriptor, for `bwrap --seccomp FD`.
- `SandboxIdentity` (root): a user namespace whose uid 1000 is a host uid no other live sandbox
  has, so learner code in one sandbox cannot signal, trace or open the files of another sandbox's
  processes, nor those of its zygote (uid 0 inside, host root), nor the grader's.
- `CpuGroup` (root, writable cgroups): one CPU at most for a sandbox's whole process tree, a process
  cap, CPU time counted for the whole tree (exited processes included) and, on close, nothing left.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import itertools
import os
import secrets
import signal
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from autograder.sandboxed.confine import seccomp_program

MFD_CLOEXEC = 0x1
MFD_ALLOW_SEALING = 0x2
CLONE_NEWUSER = 0x10000000


def seccomp_file(strict: bool = False) -> int:
    """A descriptor, positioned at 0, of a sealed memfd holding `seccomp_program(strict)`.

    For `bwrap --seccomp FD` with `subprocess.Popen(..., pass_fds=(fd,))`: bubblewrap reads it to the
    end, so each bwrap needs its own descriptor (the offset is shared with the child). The caller
    closes it once bwrap has started. Sealed so that nothing holding it can change the program.
    The non-strict filter is the one for bubblewrap: the zygote it starts must still unshare an IPC
    namespace for each notebook; the strict one is installed by each notebook's process."""
    program = seccomp_program(strict)
    try:
        fd = os.memfd_create("backprop-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING)
    except (AttributeError, OSError):  # no memfd: an unlinked temporary file does as well
        fd = os.dup(tempfile.TemporaryFile().fileno())  # the dup outlives the file object
    try:
        os.write(fd, program)
        try:
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
        except (AttributeError, OSError):
            pass  # the temporary-file fallback: not sealable, still private to this process
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


LOCK_DIRS = ("/run/backprop-sandbox", f"{tempfile.gettempdir()}/backprop-sandbox-{os.geteuid()}")


def _private_dir(path: str) -> str:
    """`path`, created if need be, after checking that only we can write in it: a folder someone
    else controls could hold our slots' locks or swap their files."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise PermissionError(errno.EPERM, f"{path} is not a folder only uid {os.geteuid()} can use (mode 0700, its own)")
    return path


def _uids_in_use(low: int, high: int) -> set[int]:
    """Host uids in [low, high) that a live process has (real, effective, saved or file-system uid):
    a slot whose lock was released by a grader that died is not reused while its processes live."""
    used = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        used.update(u for u in map(int, line.split()[1:]) if low <= u < high)
                        break
        except (OSError, ValueError):
            continue
    return used


def _write(path: str, data: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, data.encode())  # one write: uid_map and gid_map take their whole content at once
    finally:
        os.close(fd)


def _user_namespace(mapping: str) -> int:
    """A new user namespace with `mapping` as its uid_map and gid_map, as an open /proc/<pid>/ns/user.

    A forked child unshares it (the grader may have threads, and a threaded process cannot) and waits;
    we write its maps from here, where we hold CAP_SETUID/CAP_SETGID over it (which maps host root
    needs), keep a descriptor of the namespace, and let the child go. The namespace lives as long as
    the descriptor (bubblewrap joins it with --userns)."""
    unshare = ctypes.CDLL(None, use_errno=True).unshare  # looked up before the fork
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only the unshare, one byte of answer, then wait to be told to exit
        try:
            os.close(ready_r)
            os.close(go_w)
            failed = unshare(ctypes.c_int(CLONE_NEWUSER)) != 0
            os.write(ready_w, bytes([min(ctypes.get_errno(), 255) if failed else 0]))
            os.read(go_r, 1)
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(go_r)
    try:
        answer = os.read(ready_r, 1)
        if answer != b"\0":
            code = answer[0] if answer else errno.ECHILD
            raise OSError(code, f"unshare(CLONE_NEWUSER) failed: {os.strerror(code)}")
        _write(f"/proc/{pid}/uid_map", mapping)
        _write(f"/proc/{pid}/setgroups", "allow")  # the zygote's children call setgroups([])
        _write(f"/proc/{pid}/gid_map", mapping)
        return os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(go_w)
        os.close(ready_r)
        os.waitpid(pid, 0)


class SandboxIdentity:
    """Root mode: a user namespace for one sandbox, mapping inside uid/gid 0 to host root and inside
    1000 to a host uid K that no other live sandbox on this host has.

    Inside uid 0 is for bubblewrap's setup (it reads host root's Python, which may live in root's
    0700 home) and for the zygote, which never runs learner code; learner code becomes 1000, that is
    host K: unable to signal, trace or read the memory of processes of any other uid (other
    sandboxes, the zygote, the grader), and with its own RLIMIT_NPROC count.

    K comes from a slot: slot i is uid FIRST_UID + i, held by an flock on <lock folder>/<i>.lock for
    as long as this object is open (the lock goes with the process if it dies), and skipped while a
    live process still has that uid. Lock files are never removed: removing one would let two
    processes lock two different files under the same name.

    Use: `with SandboxIdentity() as ident: Popen([bwrap, *ident.bwrap_args(), ...], pass_fds=ident.pass_fds)`,
    with bwrap's --cap-drop ALL --cap-add CAP_SYS_ADMIN --cap-add CAP_SETUID --cap-add CAP_SETGID and
    without --unshare-user, --uid or --gid."""

    FIRST_UID = 1_500_000_000
    SLOTS = 65536
    INSIDE_UID = 1000

    def __init__(self, lock_dir: str | None = None) -> None:
        if os.geteuid() != 0:
            raise PermissionError(errno.EPERM, "SandboxIdentity needs root (it maps host uids into a user namespace)")
        self._lock_fd: int | None = None
        self.userns_fd: int | None = None
        self.uid = self._claim(lock_dir)
        try:
            self.userns_fd = _user_namespace(f"0 0 1\n{self.INSIDE_UID} {self.uid} 1\n")
        except BaseException:
            self.close()
            raise

    def _claim(self, lock_dir: str | None) -> int:
        folder = None
        for candidate in ([lock_dir] if lock_dir else LOCK_DIRS):
            try:
                folder = _private_dir(candidate)
                break
            except FileNotFoundError:
                continue
            except PermissionError:
                if lock_dir:
                    raise
                continue
        if folder is None:
            raise PermissionError(errno.EPERM, f"no private folder for the uid slots' locks among {LOCK_DIRS}")
        in_use = _uids_in_use(self.FIRST_UID, self.FIRST_UID + self.SLOTS)
        for slot in range(self.SLOTS):
            if self.FIRST_UID + slot in in_use:
                continue
            fd = os.open(f"{folder}/{slot}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # per open file: a second object in this process fails too
            except BlockingIOError:
                os.close(fd)
                continue
            self._lock_fd = fd
            return self.FIRST_UID + slot
        raise OSError(errno.EAGAIN, f"all {self.SLOTS} sandbox uids are in use")

    def bwrap_args(self) -> list[str]:
        """bubblewrap's arguments to start the sandbox in this user namespace."""
        return ["--userns", str(self.userns_fd)]

    @property
    def pass_fds(self) -> tuple[int, ...]:
        """For subprocess.Popen(pass_fds=...): the descriptor `bwrap_args` names."""
        return (self.userns_fd,)

    def close(self) -> None:
        """Drop the namespace descriptor and free the slot. Only once the sandbox is gone: a slot
        freed with its processes alive is skipped by the next claim, not reused."""
        for name in ("userns_fd", "_lock_fd"):
            fd = getattr(self, name)
            if fd is not None:
                setattr(self, name, None)
                os.close(fd)

    def __enter__(self) -> SandboxIdentity:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _cgroup_mounts() -> dict[str, str]:
    """Mount point of each cgroup v1 controller ("cpu", "cpuacct", "pids", ...) and of the v2
    hierarchy ("cgroup2"), from /proc/self/mountinfo (the first mount of each)."""
    found: dict[str, str] = {}
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return found
    for line in lines:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        point = fields[4].replace("\\040", " ")
        if tail[0] == "cgroup2":
            found.setdefault("cgroup2", point)
        elif tail[0] == "cgroup":
            for option in tail[2].split(","):
                found.setdefault(option, point)
    return found


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _enable(subtree_control: str, controllers: tuple[str, ...]) -> None:
    """Enable `controllers` for a v2 cgroup's children (if not already)."""
    have = set(_read(subtree_control).split())
    missing = [c for c in controllers if c not in have]
    if missing:
        _write(subtree_control, " ".join(f"+{c}" for c in missing))


class CpuGroup:
    """A cgroup for one sandbox's whole process tree: one CPU at most (a notebook's forty spinning
    processes slow only themselves, not the other sandboxes nor the grader), at most `pids_max`
    processes, and its CPU time counted by the kernel for the whole tree, processes already exited
    included (summing /proc misses those).

    cgroup v1 (cpu, cpuacct and pids hierarchies, <mount>/backprop/<name> in each) or v2 (when its
    hierarchy offers cpu and pids: <mount>/backprop/<name>). The "backprop" parent folder is shared
    by all sandboxes and stays (empty); each sandbox's group is removed by `close`.

    Start the sandbox with `Popen(..., preexec_fn=group.enter_fn())`: bwrap and everything it starts
    are then in the group (children inherit it). `close()` kills whatever is left and removes the group."""

    PARENT = "backprop"
    PERIOD_US = 100_000
    _count = itertools.count()

    def __init__(self, name: str | None = None, cpus: float = 1.0, pids_max: int = 256) -> None:
        self.name = name or f"{os.getpid()}-{next(self._count)}-{secrets.token_hex(3)}"
        if "/" in self.name or self.name in ("", ".", ".."):
            raise ValueError(f"bad cgroup name {self.name!r}")
        layout = self._layout()
        if layout is None:
            raise OSError(errno.ENOTSUP, "no writable cgroup hierarchy with cpu and pids controllers")
        self.version, roots = layout
        self.dirs: list[str] = []  # one per hierarchy (v1: cpu, cpuacct and pids, fewer if co-mounted)
        try:
            for root in roots:
                parent = self._prepare(self.version, root)
                path = os.path.join(parent, self.name)
                os.mkdir(path, 0o755)  # FileExistsError: the name is another live group's
                self.dirs.append(path)
            self.set_cpus(cpus)
            _write(self._file("pids.max"), str(pids_max))
        except BaseException:
            self.close()
            raise

    @classmethod
    def _layout(cls) -> tuple[int, list[str]] | None:
        """(2, [v2 mount]) or (1, [cpu, cpuacct, pids mounts, deduplicated]), whichever is usable here."""
        mounts = _cgroup_mounts()
        v2 = mounts.get("cgroup2")
        if v2:
            try:
                offered = set(_read(os.path.join(v2, "cgroup.controllers")).split())
            except OSError:
                offered = set()
            if {"cpu", "pids"} <= offered:
                return 2, [v2]
        if all(c in mounts for c in ("cpu", "cpuacct", "pids")):
            return 1, list(dict.fromkeys(mounts[c] for c in ("cpu", "cpuacct", "pids")))
        return None

    @classmethod
    def _prepare(cls, version: int, root: str) -> str:
        """The shared "backprop" parent under a hierarchy's mount, made if need be. On v2 the cpu and
        pids controllers must be enabled in the subtree_control of the mount's cgroup and of the
        parent for its children to have them (which the kernel refuses, EBUSY, if the mount's cgroup
        is not the root and has processes of its own: a container's; then there is no CpuGroup)."""
        parent = os.path.join(root, cls.PARENT)
        if version == 2:
            _enable(os.path.join(root, "cgroup.subtree_control"), ("cpu", "pids"))
        os.makedirs(parent, mode=0o755, exist_ok=True)
        if version == 2:
            _enable(os.path.join(parent, "cgroup.subtree_control"), ("cpu", "pids"))
        return parent

    @classmethod
    def available(cls) -> bool:
        """Whether groups can be made here: root, the controllers mounted, and their "backprop"
        parent made (or already there) and writable. Makes that parent: the only way to know."""
        if os.geteuid() != 0:
            return False
        layout = cls._layout()
        if layout is None:
            return False
        version, roots = layout
        try:
            for root in roots:
                parent = cls._prepare(version, root)
                if not os.access(os.path.join(parent, "cgroup.procs"), os.W_OK):
                    return False
        except OSError:
            return False
        return True

    def set_cpus(self, cpus: float) -> None:
        """At most `cpus` CPUs for the whole tree from now on (a quota per 100 ms period; at least 1 ms)."""
        quota = max(1000, int(cpus * self.PERIOD_US))
        if self.version == 2:
            _write(self._file("cpu.max"), f"{quota} {self.PERIOD_US}")
        else:
            _write(self._file("cpu.cfs_period_us"), str(self.PERIOD_US))
            _write(self._file("cpu.cfs_quota_us"), str(quota))

    def _file(self, name: str) -> str:
        """The group's control file `name`, in whichever hierarchy has it."""
        for folder in self.dirs:
            path = os.path.join(folder, name)
            if os.path.exists(path):
                return path
        raise FileNotFoundError(errno.ENOENT, f"no {name} in {self.dirs}")

    def enter_fn(self) -> Callable[[], None]:
        """A function for subprocess's preexec_fn that moves the calling process into the group (in
        every hierarchy) before it executes: writing "0" to cgroup.procs moves the writer. It opens
        and writes files only (no allocation-heavy Python between fork and exec)."""
        paths = [os.path.join(folder, "cgroup.procs").encode() for folder in self.dirs]

        def enter() -> None:
            for path in paths:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, b"0")
                finally:
                    os.close(fd)

        return enter

    def add(self, pid: int) -> None:
        """Move an already running process (and its threads) into the group."""
        for folder in self.dirs:
            _write(os.path.join(folder, "cgroup.procs"), str(pid))

    def pids(self) -> list[int]:
        """The processes in the group now (in any of its hierarchies)."""
        found: set[int] = set()
        for folder in self.dirs:
            try:
                found.update(int(p) for p in _read(os.path.join(folder, "cgroup.procs")).split())
            except FileNotFoundError:
                continue
        return sorted(found)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used by every process that has been in the group, exited ones included."""
        if self.version == 2:
            for line in _read(self._file("cpu.stat")).splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
            raise OSError(errno.EIO, "cpu.stat has no usage_usec")
        return int(_read(self._file("cpuacct.usage"))) / 1e9

    def _kill_all(self) -> None:
        """SIGKILL every process in the group. v2's cgroup.kill does it atomically; otherwise each pid
        is opened as a pidfd and checked to still be in the group before the signal, so a pid reused
        by an unrelated process since cgroup.procs was read is never killed."""
        if self.version == 2:
            try:
                _write(self._file("cgroup.kill"), "1")
                return
            except OSError:
                pass  # before Linux 5.14
        for pid in self.pids():
            try:
                pidfd = os.pidfd_open(pid)
            except OSError:
                continue
            try:
                if self._holds(pid):
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            except OSError:
                pass
            finally:
                os.close(pidfd)

    def _holds(self, pid: int) -> bool:
        try:
            memberships = _read(f"/proc/{pid}/cgroup").splitlines()
        except OSError:
            return False
        mine = f"/{self.PARENT}/{self.name}"
        return any(line.split(":", 2)[2] == mine or line.split(":", 2)[2].endswith(mine) for line in memberships)

    def close(self, timeout: float = 5.0) -> None:
        """Kill every process in the group, until none is left, and remove the group's folders.
        OSError if that has not happened after `timeout` seconds (a process stuck in the kernel)."""
        deadline = time.monotonic() + timeout
        while self.dirs:
            self._kill_all()
            for folder in list(self.dirs):
                try:
                    os.rmdir(folder)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        raise
                    continue  # processes still exiting
                self.dirs.remove(folder)
            if self.dirs:
                if time.monotonic() > deadline:
                    raise OSError(errno.EBUSY, f"cgroup {self.name} still has processes {self.pids()}")
                time.sleep(0.002)

    @classmethod
    def sweep(cls) -> list[str]:
        """Remove the groups of graders that died without closing them (the name starts with the
        creator's pid, and no such process exists); returns their names. Only for groups named by
        default, and only when every grader on this host shares our pid namespace."""
        layout = cls._layout()
        if layout is None:
            return []
        removed = []
        for root in layout[1]:
            parent = Path(root) / cls.PARENT
            if not parent.is_dir():
                continue
            for folder in parent.iterdir():
                owner = folder.name.split("-", 1)[0]
                if not folder.is_dir() or not owner.isdigit() or Path(f"/proc/{owner}").exists():
                    continue
                stale = object.__new__(cls)
                stale.name, stale.version, stale.dirs = folder.name, layout[0], [str(folder)]
                stale.close()
                removed.append(folder.name)
        return sorted(set(removed))

    def __enter__(self) -> CpuGroup:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
