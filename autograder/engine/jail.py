"""Run one submission's code in a bubblewrap sandbox; record it from here, by value.

The sandbox sees a read-only view of the system and of the Python installation, the learner host
(`autograder/sandboxed/`: it runs learner code and nothing else) and an empty scratch folder (a
size-capped tmpfs) into which the submission's regular files are written. It has no network, no view
of the course directory (gradebook, source/, other learners' work), of the home directory, or of the
grader's own modules (recorders, hidden points, stand-ins, oracle, mistakes, hidden checks), and runs
under limits on wall clock, CPU time, memory, processes, file size and output size.

The recorders run in the grader's process (`engine/session.py`) and ask the host, over two pipes,
to call the learner's functions (`engine/remote.py`): what comes back is the learner's answer
and nothing more.
"""

from __future__ import annotations

import base64
import os
import resource
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine import isolation, session, wire
from autograder.engine.remote import LearnerHost

PACKAGE = Path(__file__).resolve().parents[1]  # autograder/
SANDBOXED = PACKAGE / "sandboxed"


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60.0
    cpu_seconds: int = 60
    memory_bytes: int = 2 * 1024**3
    processes: int = 64
    file_bytes: int = 16 * 1024**2
    scratch_bytes: int = 64 * 1024**2
    output_bytes: int = 8 * 1024**2
    submission_bytes: int = 20 * 1024**2

    def describe(self, what: str) -> str:
        return {
            "wall": f"ran longer than {self.wall_seconds:g} s",
            "cpu": f"used more than {self.cpu_seconds} s of CPU time",
            "memory": f"used more than {self.memory_bytes / 1024**3:g} GB of memory",
            "processes": "started too many processes",
            "output": f"wrote more than {self.output_bytes // 1024**2} MB of recorded data",
        }[what]


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create its namespaces here."""


@dataclass
class Outcome:
    """What came back from the sandbox: the recorded messages, and why it stopped early if it did."""
    messages: list[dict] = field(default_factory=list)
    stopped: str | None = None  # a sentence for the learner's feedback, or None
    seconds: float = 0.0


def _parents(path: str) -> list[str]:
    """World-readable parent folders for a mount point (bubblewrap would make them 0700, which
    the unprivileged user the runner becomes could not enter)."""
    args = []
    for parent in reversed(Path(path).parents[:-1]):
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _ro_binds() -> list[str]:
    """The read-only system: /usr and friends, /etc, the Python installation and its packages."""
    args: list[str] = []
    for path in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"):
        p = Path(path)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), path]
        elif p.is_dir():
            args += ["--ro-bind", path, path]
    seen: set[str] = set()
    for path in (sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
                 str(Path(sys.executable).resolve().parent.parent)):
        real = str(Path(path).resolve())
        if real in seen or real.startswith(("/usr/", "/etc/")) or not Path(real).is_dir():
            continue
        inside = any(str(Path(path).parent.resolve()).startswith(done + os.sep) or str(Path(path).parent.resolve()) == done
                     for done in seen)
        seen.add(real)
        args += _parents(real) + ["--ro-bind", real, real]
        if path != real and not inside:  # a link inside a folder mounted above is there already (backprop-course hub's Python)
            args += ["--symlink", real, path]
    return args


def _grader_binds() -> list[str]:
    """Only the learner host's package: not the recorders, the stand-ins, the oracle, the mistakes or the hidden checks."""
    args = ["--perms", "0755", "--dir", "/grader", "--perms", "0755", "--dir", "/grader/autograder",
            "--ro-bind", str(PACKAGE / "__init__.py"), "/grader/autograder/__init__.py",
            "--perms", "0755", "--dir", "/grader/autograder/sandboxed"]
    for f in sorted(SANDBOXED.glob("*.py")):
        args += ["--ro-bind", str(f), f"/grader/autograder/sandboxed/{f.name}"]
    return args


RUNNER = "from autograder.sandboxed.run import main; main()"
ZYGOTE = "from autograder.sandboxed.warm import serve; serve"  # called with the modules to preload


LEARNER_UID = isolation.SandboxIdentity.INSIDE_UID  # what learner code becomes inside, as root (host uid: per sandbox)


def command(limits: Limits, entry: str = RUNNER, isolated: list[str] = ()) -> list[str]:
    """bubblewrap's command line. `isolated`: the user namespace and seccomp arguments (`Isolation`)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: `apt-get install bubblewrap` (Debian/Ubuntu)")
    cmd = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
           "--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv", *isolated]
    # /tmp first: a Python installation under /tmp (a CI clone's venv) is then mounted on top of it.
    cmd += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(limits.scratch_bytes), "--tmpfs", "/tmp",
            "--perms", "1777", "--size", str(limits.scratch_bytes), "--tmpfs", "/scratch"]
    cmd += _ro_binds()
    cmd += _grader_binds()
    for key, value in (("HOME", "/scratch"), ("PATH", "/usr/bin:/bin"), ("PYTHONPATH", "/grader"),
                       ("MPLBACKEND", "Agg"), ("MPLCONFIGDIR", "/tmp"), ("XDG_CACHE_HOME", "/tmp"),
                       ("PYTHONDONTWRITEBYTECODE", "1"),
                       ("PYTHONHASHSEED", "0"), ("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1"),
                       ("MKL_NUM_THREADS", "1"), ("LANG", "C.UTF-8")):
        cmd += ["--setenv", key, value]
    cmd += ["--chdir", "/scratch", "--", sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, '/grader'); {entry}"]
    return cmd


class Isolation:
    """What sets one sandbox apart from the host and from every other sandbox, as root too:
    - a user namespace of its own: as root (`isolation.SandboxIdentity`) its learner processes run as a
      host uid no other live sandbox has; otherwise bubblewrap's namespace, which maps only our uid;
    - a seccomp filter (`sandboxed/confine.py`): no kernel keyrings, ptrace, process_vm_*, bpf,
      perf_event_open, userfaultfd, io_uring, mount or setns, for the whole sandbox; each notebook's
      process adds the strict one (no unshare) after it took a fresh IPC namespace;
    - as root with writable cgroups (`isolation.CpuGroup`): one CPU at most for its whole process tree,
      a process cap, and its CPU time counted across the tree, exited processes included.
    The zygote keeps CAP_SYS_ADMIN (for each notebook's IPC namespace), and as root CAP_SETUID and
    CAP_SETGID (to become the learner uid), inside its own user namespace only."""

    MODE_VARIABLE = "BACKPROP_SANDBOX_MODE"  # "userns": as root too, bubblewrap's own one-uid namespace (tests)

    def __init__(self, limits: Limits) -> None:
        per_uid = os.getuid() == 0 and os.environ.get(self.MODE_VARIABLE, "") != "userns"
        self.identity = isolation.SandboxIdentity() if per_uid else None
        self.group = isolation.CpuGroup(pids_max=limits.processes + 16) \
            if self.identity is not None and isolation.CpuGroup.available() else None
        self.seccomp = isolation.seccomp_file(strict=False)
        self.learner_uid = LEARNER_UID if self.identity is not None else None

    def args(self) -> list[str]:
        caps = ["--cap-drop", "ALL", "--cap-add", "CAP_SYS_ADMIN"]
        if self.identity is not None:
            return [*self.identity.bwrap_args(), *caps, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                    "--seccomp", str(self.seccomp)]
        return ["--unshare-user", "--uid", "0", "--gid", "0", *caps, "--seccomp", str(self.seccomp)]

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return (self.seccomp, *(self.identity.pass_fds if self.identity else ()))

    def started(self) -> None:
        """bubblewrap has read its filter: the descriptor is no longer needed here."""
        if self.seccomp is not None:
            os.close(self.seccomp)
            self.seccomp = None

    def cpu_seconds(self) -> float | None:
        return self.group.cpu_seconds() if self.group is not None else None

    def close(self) -> None:
        """After the sandbox's processes are gone: anything left in its group is killed, its uid freed."""
        self.started()
        if self.group is not None:
            self.group.close()
        if self.identity is not None:
            self.identity.close()


def _limit(limits: Limits, group=None):
    def apply() -> None:
        if group is not None:
            group.enter_fn()()
        for which, value in ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                             (resource.RLIMIT_NPROC, limits.processes), (resource.RLIMIT_FSIZE, limits.file_bytes),
                             (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, 256)):
            resource.setrlimit(which, (value, value))
    return apply


def check(limits: Limits | None = None) -> None:
    """Raise SandboxUnavailable with the reason and the fix if bubblewrap cannot run here."""
    limits = limits or Limits()
    isolated = None
    try:
        isolated = Isolation(limits)
        cmd = command(limits, isolated=isolated.args())
        probe = cmd[: cmd.index("--") + 1] + ["/bin/true"]
        done = subprocess.run(probe, capture_output=True, timeout=30, preexec_fn=_limit(limits), check=False,
                              pass_fds=isolated.pass_fds)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bubblewrap could not start: {exc}") from None
    finally:
        if isolated is not None:
            isolated.close()
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise SandboxUnavailable(
            f"bubblewrap cannot create its sandbox here ({reason[-1] if reason else 'exit ' + str(done.returncode)}). "
            "It needs user namespaces (on Debian/Ubuntu: `sysctl kernel.unprivileged_userns_clone=1`; in a container, "
            "run it with user namespaces allowed) or root. `--no-sandbox` runs without it (unsafe)."
        )


SKIPPED_DIRS = {".ipynb_checkpoints", "__pycache__", "feedback"}  # nbgrader's CourseDirectory.ignore


def submission_files(folder: Path, limits: Limits) -> dict[str, str]:
    """A folder's regular files but notebooks, base64: symlinks, hard links and special files are
    skipped, never followed (os.walk does not enter linked folders; O_NOFOLLOW guards the open). The
    doors stage through `autograder.engine.staging` instead (only the course's files; refusals noted)."""
    files, total = {}, 0
    for here, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            path = Path(here) / name
            if name.endswith((".ipynb", ".pyc")):
                continue  # notebooks reach the sandbox as cells, after nbgrader restored the test cells
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_size > limits.file_bytes:
                continue
            total += info.st_size
            if total > limits.submission_bytes:
                return files
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            with os.fdopen(fd, "rb") as fh:
                files[str(path.relative_to(folder))] = base64.b64encode(fh.read()).decode()
    return files


def run(job: dict, limits: Limits | None = None, sandbox: bool = True) -> Outcome:
    """Record `job` in a new sandbox (a warm sandbox used once), or, with sandbox=False (--no-sandbox,
    unsafe), in a host process started here without isolation."""
    limits = limits or Limits()
    if sandbox:
        with WarmSandbox(limits) as warm:
            return warm.run(job)
    scratch = tempfile.mkdtemp(prefix="backprop-nosandbox-")
    cmd = [sys.executable, "-I", "-c",
           f"import sys; sys.path.insert(0, {str(PACKAGE.parent)!r}); from autograder.sandboxed.run import main; main()"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            preexec_fn=_limit(limits), start_new_session=True, cwd=scratch)
    try:
        host = LearnerHost(lambda data: _write_all(proc.stdin.fileno(), data), proc.stdout.fileno(), limits.wall_seconds,
                           limits.output_bytes)
        ran = session.record_notebook(job, host)
        host.close()
    finally:
        _kill_group(proc)
        proc.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    return Outcome(ran["messages"], ran["stopped"], time.monotonic() - started)


class _Control:
    """The grader's end of the warm sandbox's control socket: what its zygote says, one message at a time."""

    def __init__(self, sock: socket.socket) -> None:
        self.socket, self.returncode, self.ready, self.started = sock, None, None, False
        self.why, self.gone = "", False

    def receive(self) -> dict:
        try:
            data = self.socket.recv(4096)
        except OSError:  # ECONNRESET: the zygote died with our last request unread
            self.gone = True
            raise
        if not data:
            self.gone = True
            raise EOFError("the warm sandbox is gone")
        try:
            message = wire.loads_capped(data, wire.LINE_DEPTH, 4096)
        except wire.WireError:
            message = {}
        message = message if isinstance(message, dict) else {}
        if "exited" in message and isinstance(message["exited"], int):
            self.returncode = message["exited"]
        if "ready" in message:
            self.ready, self.why = message["ready"] is True, str(message.get("why", ""))[:300]
        if message.get("started") is True:
            self.started = True
        return message


class WarmSandbox:
    """One bubblewrap sandbox that records notebooks one after another, each in a fresh fork of a
    process that has already imported numpy (`sandboxed/warm.py`): the same isolation from the
    course, the same runner and limits, without starting Python for every notebook. Between two
    recordings its zygote kills every other process and restores every writable mount; when it cannot
    say so in time, the sandbox is killed and the next recording gets a new one."""

    READY_SECONDS = 5.0
    START_SECONDS = 30.0

    KNOWN_BYTES = 96 * 1024  # public cells passed on the zygote's command line, at most (Linux: 128 KiB an argument)

    def __init__(self, limits: Limits | None = None, preload: tuple[str, ...] = (),
                 known: tuple[str, ...] = ()) -> None:
        self.limits, self.preload = limits or Limits(), tuple(str(name) for name in preload)
        known = tuple(str(source) for source in known)
        self.known = known if len(repr(known).encode()) <= self.KNOWN_BYTES else ()  # a speed-up only
        self.proc: subprocess.Popen | None = None
        self.control: _Control | None = None
        self.isolation: Isolation | None = None
        self.recordings = 0
        self.restarts = 0

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.isolation = Isolation(self.limits)
            entry = f"{ZYGOTE}({self.preload!r}, {self.known!r}, {self.isolation.learner_uid!r})"
            self.proc = subprocess.Popen(command(self.limits, entry, self.isolation.args()), stdin=theirs,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         preexec_fn=_limit(self.limits, self.isolation.group), start_new_session=True,
                                         pass_fds=self.isolation.pass_fds)
        except OSError as exc:
            ours.close()
            if self.isolation is not None:
                self.isolation.close()
                self.isolation = None
            raise SandboxUnavailable(f"bubblewrap could not start: {exc}") from None
        finally:
            theirs.close()
        self.isolation.started()
        self.control = _Control(ours)
        if not self._wait_ready(self.START_SECONDS):
            self.close()
            raise SandboxUnavailable("the warm sandbox did not start")

    def _wait_ready(self, seconds: float) -> bool:
        self.control.ready = None
        return self._wait_for(lambda: self.control.ready is not None, seconds) and self.control.ready

    def _wait_for(self, done, seconds: float) -> bool:
        """Read the zygote's messages until done() or `seconds` pass; False if it is silent or gone."""
        deadline = time.monotonic() + seconds
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            readable, _, _ = select.select([self.control.socket], [], [], left)
            if not readable:
                return False
            try:
                self.control.receive()
            except (EOFError, OSError):
                return False
        return True

    def _launch(self) -> tuple[int, int] | None:
        """Have the zygote fork a recording: (the job's write end, the records' read end), or None
        if it does not answer (then this sandbox is replaced and the recording tried once more)."""
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                self.close()
                self.restarts += 1
            self._start()
        job_r, job_w = os.pipe()
        out_r, out_w = os.pipe()
        self.control.started, self.control.returncode = False, None
        try:
            socket.send_fds(self.control.socket, [b'{"op": "run"}'], [job_r, out_w])
            launched = self._wait_for(lambda: self.control.started, self.READY_SECONDS)
        except OSError:
            launched = False
        finally:
            os.close(job_r)
            os.close(out_w)
        if not launched:
            os.close(job_w)
            os.close(out_r)
            self.close()
            self.restarts += 1
            return None
        return job_w, out_r

    def close(self) -> None:
        if self.proc is not None:
            _kill_group(self.proc)
            self.proc.wait()
        if self.control is not None:
            self.control.socket.close()
        if self.isolation is not None:
            self.isolation.close()
        self.proc, self.control, self.isolation = None, None, None

    def __enter__(self) -> WarmSandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, job: dict) -> Outcome:
        """Record `job` with a fork of the zygote as its learner host. If the zygote itself died before
        the recording was done, it is recorded once more in a new sandbox: a sandbox killed from outside
        costs no learner a grade (one whose code kills it loses the second try too)."""
        outcome, died = self._run_once(job)
        if died:
            outcome, _ = self._run_once(job)
        return outcome

    def _run_once(self, job: dict) -> tuple[Outcome, bool]:
        pipes = self._launch() or self._launch()
        if pipes is None:
            raise SandboxUnavailable("the warm sandbox does not answer")
        job_w, out_r = pipes
        started = time.monotonic()
        ran = {"messages": [], "stopped": None}
        counted = self.isolation.cpu_seconds() if self.isolation is not None else None
        cpu_used = (lambda: self.isolation.cpu_seconds() - counted) if counted is not None else None
        host = LearnerHost(lambda data: _write_all(job_w, data), out_r, self.limits.wall_seconds, self.limits.output_bytes,
                           cpu_seconds=self.limits.cpu_seconds, cpu_used=cpu_used, control=self.control,
                           why_exited=lambda code: _why_it_died(code, self.limits))
        try:
            ran = session.record_notebook(job, host)
        finally:
            host.close()
            os.close(job_w)
            os.close(out_r)
            clean = False
            try:
                self.control.socket.send(b'{"op": "end"}')
                clean = self._wait_ready(self.READY_SECONDS)
            except OSError:
                self.control.gone = True
            gone = self.control.gone  # the zygote itself died, not only the recording
            if not clean:  # whatever the recording left could reach the next one: a new sandbox
                self.close()
                self.restarts += 1
            self.recordings += 1
        done = any(m.get("done") for m in ran["messages"])
        return Outcome(ran["messages"], ran["stopped"], time.monotonic() - started), gone and not done


_THREAD = threading.local()


PRELOADABLE = frozenset({"sympy", "scipy", "pandas"})  # slow to import, installed, and never the grader's


def warm_sandbox(preload: tuple[str, ...] = (), known: tuple[str, ...] = ()) -> WarmSandbox:
    """This thread's warm sandbox for recordings that import `preload` (a grading worker's, kept for
    all it records; it starts on first use). Only PRELOADABLE modules are preloaded. `known`: public
    code cells (the release's) its zygote compiles once for all recordings."""
    key = (tuple(sorted(set(preload) & PRELOADABLE)), tuple(known))
    sandboxes = _THREAD.__dict__.setdefault("warm", {})
    if key not in sandboxes:
        sandboxes[key] = WarmSandbox(preload=key[0], known=key[1])
    return sandboxes[key]


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group `proc` leads, unless `proc` was already reaped: its number may then
    be another process's (PIDs wrap at 32768 on many machines)."""
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _why_it_died(returncode: int | None, limits: Limits) -> str:
    """What the learner reads when their host exited during the recording (the zygote's exit status:
    minus the signal that killed it)."""
    if returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGKILL):
        return limits.describe("cpu")
    if returncode is None:
        return "stopped before it finished: it crashed, exited or exhausted a limit"
    return f"stopped before it finished (exit status {returncode}): it crashed, exited or exhausted a limit"

