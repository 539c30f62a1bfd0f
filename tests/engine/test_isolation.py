"""The isolation primitives on the real kernel, with real bubblewrap: the seccomp filters, the
per-notebook IPC namespace and privilege drop (`sandboxed/confine.py`), the per-sandbox host uid and
the per-sandbox cgroup (`isolation.py`).

Each denial is checked three ways, so that a test can fail for the right reason: the same probe on
the host without a filter does NOT get EPERM (the kernel would allow it, or refuse it otherwise), on
the host under the strict filter it gets EPERM (the filter is what refuses it), and in a notebook's
process of a real sandbox it gets EPERM (the whole stack: bubblewrap's filter, the drop, the strict filter).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import mmap
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.engine import isolation, jail
from autograder.sandboxed import confine
from tests.conftest import REPO

BWRAP = shutil.which("bwrap")
ROOT = os.geteuid() == 0
ARCH = confine.machine_arch()


def need_bwrap() -> None:
    if BWRAP is None:
        pytest.skip("bubblewrap (bwrap) is not installed")


def need_root() -> None:
    if not ROOT:
        pytest.skip("root mode: needs root (host uid mapping, cgroups)")


# ---------------------------------------------------------------- probes (run on the host and in sandboxes)

PROBES = r'''
import ctypes, errno, json, os, subprocess, sys, threading
from autograder.sandboxed.confine import SYSCALLS, machine_arch

_libc = ctypes.CDLL(None, use_errno=True)
_NR = SYSCALLS[machine_arch()]


def _call(number, *args):
    """errno of the raw system call, 0 if it succeeded (its result is then returned as second value)."""
    values = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    result = _libc.syscall(ctypes.c_long(number), *values)
    return (ctypes.get_errno() if result == -1 else 0), result


def forked(fn):
    """fn() in a fork (its effects stay there); what it returned, through a pipe, as JSON."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            try:
                out = fn()
            except BaseException as exc:
                out = {"error": repr(exc)}
            os.write(w, json.dumps(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return json.loads(data) if data else {"died": status}


def probe_add_key():
    return _call(_NR["add_key"], ctypes.c_char_p(b"user"), ctypes.c_char_p(b"probe"), ctypes.c_char_p(b"x"), 1, -2)[0]


def probe_keyctl():  # KEYCTL_GET_KEYRING_ID of the process keyring, created
    return _call(_NR["keyctl"], 0, -2, 1)[0]


def probe_ptrace_absent():  # PTRACE_ATTACH to a pid above any pid_max: ESRCH unless refused first
    return _call(_NR["ptrace"], 16, 0x3FFFFFFF, 0, 0)[0]


def probe_ptrace_parent():  # PTRACE_ATTACH to the zygote (only ever run in a sandbox)
    return _call(_NR["ptrace"], 16, os.getppid(), 0, 0)[0]


class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def probe_process_vm_readv():  # reading our own memory: allowed by the kernel
    source, dest = ctypes.create_string_buffer(b"12345678"), ctypes.create_string_buffer(8)
    local, remote = _Iovec(ctypes.addressof(dest), 8), _Iovec(ctypes.addressof(source), 8)
    return _call(_NR["process_vm_readv"], os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)[0]


def probe_bpf():  # BPF_MAP_CREATE with an all-zero attribute: EINVAL (map type 0) for root
    attr = ctypes.create_string_buffer(72)
    return _call(_NR["bpf"], 0, attr, 72)[0]


def probe_io_uring_setup():
    params = ctypes.create_string_buffer(120)
    code, fd = _call(_NR["io_uring_setup"], 1, params)
    if code == 0:
        os.close(fd)
    return code


def probe_unshare_user():
    return forked(lambda: _call(_NR["unshare"], 0x10000000)[0])


def probe_clone_newuser():  # clone(CLONE_NEWUSER | SIGCHLD): the child, if any, leaves at once
    def attempt():
        code, pid = _call(_NR["clone"], 0x10000000 | 17, 0, 0, 0, 0)
        if code == 0 and pid == 0:
            os._exit(0)
        if code == 0:
            os.waitpid(pid, 0)
        return code
    return forked(attempt)


def probe_clone3():  # clone3(NULL, 0): EINVAL from the kernel (size too small), ENOSYS from the strict filter
    return _call(_NR["clone3"], None, 0)[0]


def probe_personality_no_aslr():  # ADDR_NO_RANDOMIZE, in a fork
    return forked(lambda: _call(_NR["personality"], 0x0040000)[0])


def probe_personality_query():
    return _call(_NR["personality"], 0xFFFFFFFF)[0]


def probe_x32():  # x32 getpid
    return _call(0x40000000 | 39)[0] if machine_arch() == "x86_64" else errno.EPERM


HOST_PROBES = {name[len("probe_"):]: fn for name, fn in dict(globals()).items()
               if name.startswith("probe_") and name != "probe_ptrace_parent"}


def probe_all(parent=False):
    out = {name: fn() for name, fn in HOST_PROBES.items()}
    if parent:
        out["ptrace_parent"] = probe_ptrace_parent()
    return out


def status():
    with open("/proc/self/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def works():
    """What learner code must still be able to do under the strict filter."""
    out = {}
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    out["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    done = subprocess.run([sys.executable, "-c", "print(open('/proc/self/status').read())"],
                          capture_output=True, text=True, timeout=20)
    child = dict(line.split(":\t", 1) for line in done.stdout.splitlines() if ":\t" in line)
    out["subprocess"] = {key: child.get(key, "").strip() for key in ("CapEff", "CapPrm", "CapAmb", "NoNewPrivs")}
    seen = []
    thread = threading.Thread(target=lambda: seen.append(threading.get_native_id()))
    thread.start()
    thread.join()
    out["thread"] = len(seen)
    import numpy as np
    out["numpy"] = float((np.arange(6.0).reshape(2, 3) @ np.ones(3)).sum() + np.linalg.inv(2 * np.eye(3)).trace())
    return out
'''


def _host_probes(strict: bool | None) -> dict:
    """The probes in a fork of this process: without a filter (None), or under confine's filter."""
    space: dict = {}
    exec(PROBES, space)

    def run() -> dict:
        if strict is not None:
            confine.install(strict)
        return space["probe_all"]()

    return space["forked"](run)


@pytest.fixture(scope="module")
def host() -> dict:
    return {"none": _host_probes(None), "strict": _host_probes(True), "loose": _host_probes(False)}


# ---------------------------------------------------------------- sandboxes

def _binds() -> list[str]:
    """jail's read-only system and Python, and this checkout's package at /grader/autograder."""
    return jail._ro_binds() + ["--ro-bind", str(REPO / "autograder"), "/grader/autograder"]


MODES = {  # bubblewrap's user-namespace arguments, and the uid new_notebook_namespace is given
    # root mode: SandboxIdentity's namespace (inside 1000 = a host uid of its own)
    "root": (None, 1000),
    # one uid mapped (what an unprivileged grader gets): uid 0 inside, capabilities only in the namespace
    "one-uid": (["--unshare-user", "--uid", "0", "--gid", "0"], None),
}
CAPS = ["--cap-drop", "ALL", "--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]


def sandbox(script: str, argument: object, userns: list[str], fds: tuple[int, ...], pid_namespace: bool = True,
            seccomp: bool = True, **popen) -> subprocess.Popen:
    """python -c PROBES + script, in bubblewrap with the non-strict filter (as the grader will start it)."""
    seccomp_fd = isolation.seccomp_file(strict=False) if seccomp else None
    cmd = [BWRAP, "--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session",
           "--clearenv", "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "PATH", "/usr/bin:/bin",
           *(["--unshare-pid"] if pid_namespace else []), *userns, *CAPS,
           *(["--seccomp", str(seccomp_fd)] if seccomp else []),
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", *_binds(), "--chdir", "/tmp",
           "--", sys.executable, "-I", "-c", "import sys; sys.path.insert(0, '/grader')\n" + PROBES + script,
           json.dumps(argument)]
    try:
        return subprocess.Popen(cmd, pass_fds=fds + ((seccomp_fd,) if seccomp else ()), **popen)
    finally:
        if seccomp_fd is not None:
            os.close(seccomp_fd)


NOTEBOOKS = r'''
from autograder.sandboxed import confine
uid = json.loads(sys.argv[1])
out = {"zygote": status()}
# control: a fork of the zygote, before any drop, can still make a user namespace (the non-strict filter allows it)
out["before"] = forked(lambda: {"unshare_user": probe_unshare_user()})

def notebook():
    confine.new_notebook_namespace(uid)
    return {"status": status(), "uid": os.getuid(), "probes": probe_all(parent=True), "works": works()}

out["notebook"] = forked(notebook)

# IPC: notebook A creates a POSIX message queue and a System V shared memory segment and stays alive;
# a process of A's namespace sees them; notebook B, forked next by the same zygote, must not.
libc = ctypes.CDLL(None, use_errno=True)
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
QUEUE, KEY = b"/backprop-probe", 0x5EED

def visible():
    fd = libc.mq_open(QUEUE, os.O_RDONLY, 0, None)
    queue = ctypes.get_errno() if fd == -1 else 0
    if fd != -1:
        os.close(fd)
    segment = libc.shmget(KEY, 0, 0)
    return {"mq": queue, "shm": ctypes.get_errno() if segment == -1 else 0}

ready_r, ready_w = os.pipe()
release_r, release_w = os.pipe()
a = os.fork()
if a == 0:
    confine.new_notebook_namespace(uid)
    made = {"mq": libc.mq_open(QUEUE, os.O_RDWR | os.O_CREAT, 0o600, None) >= 0,
            "shm": libc.shmget(KEY, 4096, 0o1600) >= 0}  # IPC_CREAT | 0600
    made["same namespace"] = forked(visible)
    os.write(ready_w, json.dumps(made).encode())
    os.read(release_r, 1)
    os._exit(0)
os.close(ready_w)
made = json.loads(os.read(ready_r, 4096))
out["ipc"] = {"created": made, "next notebook": forked(lambda: (confine.new_notebook_namespace(uid), visible())[1])}
os.write(release_w, b"x")
os.waitpid(a, 0)
print(json.dumps(out))
'''


@pytest.fixture(scope="module", params=list(MODES))
def notebooks(request) -> dict:
    """What a notebook's process of a real sandbox could and could not do, in each mode."""
    need_bwrap()
    userns, uid = MODES[request.param]
    identity = None
    if userns is None:
        need_root()
        identity = isolation.SandboxIdentity()
        userns = identity.bwrap_args()
    elif subprocess.run([BWRAP, "--ro-bind", "/", "/", *userns, "--", "/bin/true"], capture_output=True).returncode:
        pytest.skip("bubblewrap cannot create a user namespace here")
    try:
        proc = sandbox(NOTEBOOKS, uid, userns, identity.pass_fds if identity else (),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate(timeout=60)
    finally:
        if identity:
            identity.close()
    assert proc.returncode == 0, err
    return {"mode": request.param, "uid": identity.uid if identity else None, **json.loads(out)}


DENIED_PROBES = ["add_key", "keyctl", "ptrace_absent", "process_vm_readv", "bpf", "io_uring_setup", "x32",
                 "personality_no_aslr"]


@pytest.mark.slow
@pytest.mark.parametrize("name", DENIED_PROBES)
def test_the_filter_refuses(name, host, notebooks):
    assert host["strict"][name] == errno.EPERM
    assert host["loose"][name] == errno.EPERM
    assert notebooks["notebook"]["probes"][name] == errno.EPERM
    if host["none"][name] == errno.EPERM:
        pytest.skip(f"without a filter this kernel refuses {name} to this user as well (EPERM): "
                    "the probe cannot tell that the filter is what refused it")


def test_a_notebook_cannot_trace_its_zygote(notebooks):
    assert notebooks["notebook"]["probes"]["ptrace_parent"] == errno.EPERM


def test_namespaces_are_refused_only_by_the_strict_filter(host, notebooks):
    assert host["none"]["unshare_user"] == 0 and host["none"]["clone_newuser"] == 0
    assert host["loose"]["unshare_user"] == 0 and host["loose"]["clone_newuser"] == 0  # what bubblewrap's filter allows
    assert host["strict"]["unshare_user"] == errno.EPERM and host["strict"]["clone_newuser"] == errno.EPERM
    assert notebooks["before"]["unshare_user"] == 0  # the zygote's fork, before the drop
    assert notebooks["notebook"]["probes"]["unshare_user"] == errno.EPERM
    assert notebooks["notebook"]["probes"]["clone_newuser"] == errno.EPERM


def test_clone3_says_enosys_under_the_strict_filter_only(host, notebooks):
    assert host["none"]["clone3"] == errno.EINVAL and host["loose"]["clone3"] == errno.EINVAL
    assert host["strict"]["clone3"] == errno.ENOSYS
    assert notebooks["notebook"]["probes"]["clone3"] == errno.ENOSYS


def test_personality_queries_are_allowed(host, notebooks):
    assert host["strict"]["personality_query"] == 0
    assert notebooks["notebook"]["probes"]["personality_query"] == 0


def test_the_notebook_process_has_no_privilege_left(notebooks):
    zygote, mine = notebooks["zygote"], notebooks["notebook"]["status"]
    assert int(zygote["CapEff"], 16) != 0  # the zygote had some: the drop is what removed them
    for key in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
        assert int(mine[key], 16) == 0, key
    assert mine["NoNewPrivs"] == "1" and mine["Seccomp"] == "2"
    assert mine["Seccomp_filters"] == "2"  # bubblewrap's and the strict one
    assert notebooks["notebook"]["uid"] == (1000 if notebooks["mode"] == "root" else 0)


def test_fork_subprocess_threads_and_numpy_still_work(notebooks):
    works = notebooks["notebook"]["works"]
    assert works["fork"] == 7
    assert works["thread"] == 1
    assert works["numpy"] == pytest.approx(15.0 + 1.5)
    # a program it executes (as uid 0 in the one-uid mode) gets no capability back
    assert works["subprocess"] == {"CapEff": "0000000000000000", "CapPrm": "0000000000000000",
                                   "CapAmb": "0000000000000000", "NoNewPrivs": "1"}


def test_each_notebook_has_its_own_ipc_namespace(notebooks):
    ipc = notebooks["ipc"]
    assert ipc["created"]["mq"] and ipc["created"]["shm"]
    assert ipc["created"]["same namespace"] == {"mq": 0, "shm": 0}  # they exist, and are visible where made
    assert ipc["next notebook"] == {"mq": errno.ENOENT, "shm": errno.ENOENT}


@pytest.mark.skipif(ARCH != "x86_64", reason="int 0x80 (i386 system calls) exists on x86_64 only")
def test_a_foreign_architecture_call_kills_the_process():
    # mov eax, 20 (i386 getpid); int 0x80; ret
    code = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"

    def i386_getpid(strict: bool | None) -> int:
        pid = os.fork()
        if pid == 0:
            try:
                if strict is not None:
                    confine.install(strict)
                page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
                page.write(code)
                address = ctypes.addressof(ctypes.c_char.from_buffer(page))
                answer = ctypes.CFUNCTYPE(ctypes.c_int)(address)()
                os._exit(0 if answer == os.getpid() else 1)
            finally:
                os._exit(2)
        return os.waitpid(pid, 0)[1]

    control = i386_getpid(None)
    if not os.WIFEXITED(control) or os.WEXITSTATUS(control) != 0:
        pytest.skip(f"this kernel runs no i386 system calls (status {control:#x}): nothing to refuse")
    for strict in (False, True):
        status = i386_getpid(strict)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS


# ---------------------------------------------------------------- the filter on paper (both architectures)

def _run_bpf(program: bytes, nr: int, arch: int, arg0: int = 0) -> int:
    """A classic-BPF interpreter for the instructions confine emits, over one seccomp_data."""
    data = struct.pack("=iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    code = [struct.unpack_from("=HBBI", program, i) for i in range(0, len(program), 8)]
    pc, acc = 0, 0
    for _ in range(len(code)):
        op, jt, jf, k = code[pc]
        if op == 0x20:
            acc, pc = struct.unpack_from("=I", data, k)[0], pc + 1
        elif op == 0x06:
            return k
        elif op in (0x15, 0x35, 0x45):
            taken = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[op]
            pc += 1 + (jt if taken else jf)
        else:
            raise AssertionError(f"unexpected opcode {op:#x}")
    raise AssertionError("no return")


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_the_program_for_each_architecture(arch):
    numbers = confine.SYSCALLS[arch]
    audit = confine.AUDIT_ARCH[arch]
    eperm, enosys = confine.SECCOMP_RET_ERRNO | errno.EPERM, confine.SECCOMP_RET_ERRNO | errno.ENOSYS
    allow, kill = confine.SECCOMP_RET_ALLOW, confine.SECCOMP_RET_KILL_PROCESS
    for strict in (False, True):
        program = confine.seccomp_program(strict, arch)
        assert len(program) % 8 == 0 and len(program) // 8 < 4096  # BPF_MAXINSNS
        for call in confine.DENIED:
            if call in numbers:
                assert _run_bpf(program, numbers[call], audit) == eperm, call
        other = confine.AUDIT_ARCH["aarch64" if arch == "x86_64" else "x86_64"]
        assert _run_bpf(program, numbers["keyctl"], other) == kill
        assert _run_bpf(program, 0, audit) == allow  # read / io_setup
        assert _run_bpf(program, numbers["clone"], audit, 0x01200011) == allow  # fork's flags
        assert _run_bpf(program, numbers["clone"], audit, 0x003D0F00) == allow  # pthread_create's
        assert _run_bpf(program, numbers["personality"], audit, 0xFFFFFFFF) == allow
        assert _run_bpf(program, numbers["personality"], audit, 0x0040000) == eperm
        assert _run_bpf(program, numbers["unshare"], audit, 0x08000000) == (eperm if strict else allow)
        assert _run_bpf(program, numbers["clone3"], audit) == (enosys if strict else allow)
        for flag in (0x20000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000):
            assert _run_bpf(program, numbers["clone"], audit, flag | 17) == (eperm if strict else allow)
        if arch == "x86_64":
            assert _run_bpf(program, 0x40000000 | 39, audit) == eperm


def test_an_unknown_architecture_is_refused():
    with pytest.raises(ValueError):
        confine.seccomp_program(False, "riscv64")


def test_seccomp_file_holds_the_program_from_its_start():
    fd = isolation.seccomp_file(strict=False)
    try:
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0
        assert os.read(fd, 1 << 16) == confine.seccomp_program(False)
        with pytest.raises(OSError):
            os.pwrite(fd, b"\0" * 8, 0)  # sealed
    finally:
        os.close(fd)


# ---------------------------------------------------------------- SandboxIdentity (root)

def _uids(pid: int) -> list[int]:
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        return next(list(map(int, line.split()[1:])) for line in f if line.startswith("Uid:"))


def test_identities_get_different_host_uids_and_free_them(tmp_path):
    need_root()
    locks = str(tmp_path / "locks")  # a folder of our own: a grader running meanwhile does not take our slots
    with isolation.SandboxIdentity(locks) as a, isolation.SandboxIdentity(locks) as b:
        assert a.uid != b.uid
        assert a.uid >= isolation.SandboxIdentity.FIRST_UID and b.uid >= isolation.SandboxIdentity.FIRST_UID
        other = subprocess.run([sys.executable, "-c", "import sys; from autograder.engine.isolation import SandboxIdentity as S; "
                                "print(S(sys.argv[1]).uid)", locks], capture_output=True, text=True, timeout=20,
                               cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert other.returncode == 0, other.stderr
        assert int(other.stdout) not in (a.uid, b.uid)  # another process's claim
        held = a.uid
        assert os.readlink(f"/proc/self/fd/{a.userns_fd}").startswith("user:[")
        assert os.stat(locks).st_mode & 0o777 == 0o700
    fd = os.open(f"{locks}/{held - isolation.SandboxIdentity.FIRST_UID}.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released on close (BlockingIOError otherwise)
    finally:
        os.close(fd)
    with isolation.SandboxIdentity(locks) as again:  # the first free slot again, unless a live process has its uid
        assert again.uid == held or isolation._uids_in_use(held, held + 1)


def test_a_lock_folder_others_can_write_is_refused(tmp_path):
    need_root()
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(PermissionError):
        isolation.SandboxIdentity(str(shared))


def test_a_uid_still_running_is_not_handed_out(tmp_path):
    need_root()
    first, locks = isolation.SandboxIdentity.FIRST_UID, str(tmp_path / "locks")
    with isolation.SandboxIdentity(locks) as probe:
        free = probe.uid
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a process left behind as that uid (its grader died)
        try:
            os.close(w)
            os.setresuid(free, free, free)
            os.read(r, 1)
        finally:
            os._exit(0)
    os.close(r)
    try:
        deadline = time.monotonic() + 5
        while _uids(pid)[0] != free and time.monotonic() < deadline:
            time.sleep(0.005)
        with isolation.SandboxIdentity(locks) as ident:
            assert ident.uid != free and ident.uid >= first
    finally:
        os.close(w)
        os.waitpid(pid, 0)


HOLDER = r'''
from autograder.sandboxed import confine
print(json.dumps({"zygote": os.getpid()}), flush=True)
child_r, child_w = os.pipe()
child = os.fork()
if child == 0:
    confine.new_notebook_namespace(1000)
    mate = os.fork()
    if mate == 0:
        os.close(child_w)  # so that the read ends when the child does
        os.read(child_r, 1)
        os._exit(0)
    print(json.dumps({"child": os.getpid(), "mate": mate}), flush=True)
    targets = json.loads(sys.stdin.readline())
    answers = {}
    for name, pid in targets.items():
        try:
            os.kill(pid, 0)
            answers[name] = 0
        except OSError as exc:
            answers[name] = exc.errno
    print(json.dumps(answers), flush=True)
    os.write(child_w, b"x")
    sys.stdin.readline()
    os._exit(0)
os.waitpid(child, 0)
'''


def test_learner_processes_of_two_sandboxes_are_different_host_users():
    need_root()
    need_bwrap()
    with isolation.SandboxIdentity() as a, isolation.SandboxIdentity() as b:
        procs = []
        try:
            for ident in (a, b):  # no pid namespace: the pids are the host's, so each could name the other's
                procs.append(sandbox(HOLDER, None, ident.bwrap_args(), ident.pass_fds, pid_namespace=False,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            seen = []
            for proc in procs:
                info = json.loads(proc.stdout.readline())
                info.update(json.loads(proc.stdout.readline()))
                seen.append(info)
            for ident, info in zip((a, b), seen, strict=True):
                assert _uids(info["child"]) == [ident.uid] * 4  # real, effective, saved, fs: host uid K
                assert _uids(info["zygote"]) == [0] * 4
            for k, proc in enumerate(procs):
                mine, theirs = seen[k], seen[1 - k]
                targets = {"own mate": mine["mate"], "own zygote": mine["zygote"],
                           "other learner": theirs["child"], "other zygote": theirs["zygote"]}
                proc.stdin.write(json.dumps(targets) + "\n")
                proc.stdin.flush()
                answers = json.loads(proc.stdout.readline())
                assert answers == {"own mate": 0, "own zygote": errno.EPERM,
                                   "other learner": errno.EPERM, "other zygote": errno.EPERM}
        finally:
            for proc in procs:
                proc.kill()  # bubblewrap, and (--die-with-parent) the zygote; without a pid namespace not its child,
                proc.wait()
                proc.stdin.close()  # which leaves once its stdin ends
                proc.stdout.close()


# ---------------------------------------------------------------- CpuGroup (root, writable cgroups)

@pytest.fixture
def cgroups() -> None:
    need_root()
    if not isolation.CpuGroup.available():
        pytest.skip("no writable cgroup hierarchy with the cpu and pids controllers")


@pytest.fixture
def group(cgroups):
    made = isolation.CpuGroup()
    yield made
    made.close()


def _throttled(group: isolation.CpuGroup) -> int:
    for folder in group.dirs:
        path = Path(folder) / "cpu.stat"
        if path.exists():
            return int(dict(line.split() for line in path.read_text().splitlines())["nr_throttled"])
    raise AssertionError("no cpu.stat")


SPIN = "import os\nfor _ in range(4):\n    if os.fork() == 0:\n        while True:\n            pass\nos.wait()\n"


def _quota(group: isolation.CpuGroup) -> float:
    """The CPUs the group's configuration allows, as the kernel reads it back."""
    for folder in group.dirs:
        if (Path(folder) / "cpu.max").exists():
            quota, period = (Path(folder) / "cpu.max").read_text().split()
            return int(quota) / int(period)
        if (Path(folder) / "cpu.cfs_quota_us").exists():
            return int((Path(folder) / "cpu.cfs_quota_us").read_text()) / int((Path(folder) / "cpu.cfs_period_us").read_text())
    raise AssertionError("no cpu quota file")


@pytest.mark.slow
@pytest.mark.parametrize("cpus", [1.0, 0.05])
def test_a_spinning_tree_in_a_sandbox_is_held_to_its_cpus(cgroups, cpus):
    """Four spinning processes in a sandbox: at most `cpus` CPU-seconds a second. With 1 CPU (the
    default) on a machine other work keeps busy, the tree may get less than a CPU anyway (the group
    weighs as much as one process of the machine's); 0.05 CPU shows the quota at work even then
    (the kernel throttled the group)."""
    need_bwrap()
    group = isolation.CpuGroup()
    fd = isolation.seccomp_file()
    try:
        cmd = [BWRAP, "--unshare-pid", "--die-with-parent", "--dev", "/dev", "--proc", "/proc", *_binds(),
               "--seccomp", str(fd), "--", sys.executable, "-c", SPIN]
        proc = subprocess.Popen(cmd, pass_fds=(fd,), preexec_fn=group.enter_fn())
    finally:
        os.close(fd)
    try:
        assert _quota(group) == 1.0  # the default
        deadline = time.monotonic() + 5
        while len(group.pids()) < 6 and time.monotonic() < deadline:  # bwrap, its init, python, four children
            time.sleep(0.01)
        assert len(group.pids()) >= 6
        if cpus != 1.0:
            group.set_cpus(cpus)  # once started: Python's start would take seconds at 5 % of a CPU
            assert _quota(group) == cpus
        time.sleep(0.1)  # spinning under that quota
        cpu0, wall0, throttled0 = group.cpu_seconds(), time.monotonic(), _throttled(group)
        time.sleep(1.0)
        rate = (group.cpu_seconds() - cpu0) / (time.monotonic() - wall0)
        assert rate <= 1.3 * cpus + 0.05, f"{rate:.2f} CPUs"
        assert rate > 0, "the tree did not spin, the test shows nothing"
        if cpus < 1:
            assert _throttled(group) > throttled0, f"{rate:.2f} CPUs, never throttled"  # the quota held it back
    finally:
        group.close()
        proc.wait(timeout=5)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_cpu_seconds_counts_processes_that_exited(group):
    script = ("import os, time\npid = os.fork()\nif pid == 0:\n    while time.process_time() < 0.3:\n        pass\n"
              "    os._exit(0)\nos.waitpid(pid, 0)\n")
    before = group.cpu_seconds()
    subprocess.run([sys.executable, "-S", "-c", script], preexec_fn=group.enter_fn(), timeout=20, check=True)
    assert group.pids() == []  # all gone
    assert group.cpu_seconds() - before >= 0.3


def test_the_process_cap(group):
    small = isolation.CpuGroup(pids_max=4)
    script = """
import os, time
made = 0
for _ in range(10):
    try:
        if os.fork() == 0:
            os.close(1)
            os.close(2)
            time.sleep(3)
            os._exit(0)
        made += 1
    except BlockingIOError:
        pass
print(made)
os._exit(0)
"""
    try:
        done = subprocess.run([sys.executable, "-S", "-c", script], preexec_fn=small.enter_fn(), capture_output=True,
                              text=True, timeout=20)
        assert int(done.stdout) == 3  # 4 with the parent
    finally:
        small.close()


def test_close_kills_everything_and_leaves_no_group(group):
    # the first process ignores SIGTERM; the second is an orphan (its parent exited) in a session of its own
    script = """
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.fork() == 0:
    if os.fork() == 0:
        os.setsid()
        print(os.getpid(), flush=True)
        time.sleep(60)
    os._exit(0)
time.sleep(60)
"""
    proc = subprocess.Popen([sys.executable, "-S", "-c", script], preexec_fn=group.enter_fn(), stdout=subprocess.PIPE)
    orphan = int(proc.stdout.readline())
    deadline = time.monotonic() + 5
    while len(group.pids()) != 2 and time.monotonic() < deadline:  # until the orphan's parent is gone
        time.sleep(0.01)
    pids = group.pids()
    assert sorted(pids) == sorted([proc.pid, orphan])
    folders = list(group.dirs)
    group.close()
    assert not any(os.path.exists(f) for f in folders)
    proc.wait(timeout=5)
    proc.stdout.close()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            continue
        assert state in ("Z", "X"), (pid, state)  # at most a zombie not yet reaped by init
    group.close()  # twice is harmless


def test_sweep_removes_groups_of_dead_graders(group):
    stale = isolation.CpuGroup(name="999999999-0-dead")  # above any pid_max: that grader is gone
    proc = subprocess.Popen(["sleep", "30"], preexec_fn=stale.enter_fn())
    try:
        assert "999999999-0-dead" in isolation.CpuGroup.sweep()
        assert not any(os.path.exists(f) for f in stale.dirs)
        assert proc.wait(timeout=5) == -signal.SIGKILL
        assert os.path.isdir(group.dirs[0])  # ours (a live pid) stays
    finally:
        proc.kill()
        proc.wait()


def test_available_says_no_without_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert isolation.CpuGroup.available() is False

