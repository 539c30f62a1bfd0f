"""Confinement applied inside the sandbox: a seccomp filter, and a fresh IPC namespace plus a full
drop of privileges for each notebook's process.

Standard library only: this module runs inside the sandbox, where the grader's modules are absent.

Two filters, built from the same rules:
- the non-strict one is handed to bubblewrap (`--seccomp FD`, see `autograder.engine.isolation.seccomp_file`)
  and so covers every process of the sandbox, the zygote included. It must still let the zygote
  unshare(CLONE_NEWIPC) for each notebook, so it leaves unshare and clone's namespace flags alone;
- the strict one is installed by each notebook's process (`new_notebook_namespace`) on top of it
  (filters stack: the most restrictive answer wins), and also refuses new namespaces.

Both deny, with EPERM, the system calls learner code has no use for and that are the kernel's
usual attack surface or a way to reach other processes (keyrings, ptrace, bpf, io_uring, mounts,
modules...). Anything else is allowed: the filter is a deny list on purpose, so numpy, subprocess,
threads and fork keep working on whatever kernel and C library the host has.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

# seccomp_data (linux/seccomp.h): int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
_NR, _ARCH, _ARG0_LOW = 0, 4, 16  # both supported architectures are little-endian: args[0]'s low word is at 16

# classic BPF opcodes (linux/filter.h)
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K (unsigned)
_JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET = 0x06  # BPF_RET | BPF_K

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
X32_SYSCALL_BIT = 0x40000000

# The namespace flags of clone(2): NEWNS 0x20000, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
# (0x02000000..0x40000000), and NEWTIME 0x80. In clone(2) (not clone3) the low byte is the exit
# signal, so 0x80 there only ever comes with an invalid signal number: denying it costs nothing.
CLONE_NAMESPACES = 0x7E020000 | 0x80
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000

# personality(2) values allowed (Docker's default profile allows the same ones): PER_LINUX, PER_LINUX32,
# UNAME26, PER_LINUX32 | UNAME26, and 0xffffffff, which only asks the current value. Others are
# refused because they switch off exploit mitigations for the programs the process executes next
# (ADDR_NO_RANDOMIZE turns off ASLR, READ_IMPLIES_EXEC makes readable memory executable); no learner
# code needs them. The kernel reads the argument as an unsigned int, so only the low word is compared.
PERSONALITIES = (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF)

# Why each call is refused (EPERM), in both filters.
DENIED = {
    # Kernel keyrings are not namespaced by our user: a process could read or plant keys others
    # rely on, and the keyring code has had privilege-escalation bugs.
    "add_key": "keyrings", "keyctl": "keyrings", "request_key": "keyrings",
    # Reading or writing another process's memory: the zygote, a later notebook's process.
    "ptrace": "another process's memory", "process_vm_readv": "another process's memory",
    "process_vm_writev": "another process's memory", "kcmp": "compares other processes' kernel objects",
    # Large kernel attack surfaces learner code never needs.
    "bpf": "attack surface", "perf_event_open": "attack surface, side channels",
    "userfaultfd": "stalls the kernel at will (race exploitation)",
    "io_uring_setup": "attack surface; its operations bypass this filter",
    "io_uring_enter": "attack surface", "io_uring_register": "attack surface",
    # Leaving the sandbox's namespaces or changing what its mounts show.
    "setns": "joining other namespaces", "mount": "mounts", "umount2": "mounts", "pivot_root": "mounts",
    "move_mount": "mounts", "open_tree": "mounts", "open_tree_attr": "mounts", "fsopen": "mounts",
    "fsmount": "mounts", "fsconfig": "mounts", "fspick": "mounts", "mount_setattr": "mounts",
    # The machine itself (all need privileges the process lacks; refused here as well, in depth).
    "kexec_load": "machine", "kexec_file_load": "machine", "init_module": "machine", "finit_module": "machine",
    "delete_module": "machine", "swapon": "machine", "swapoff": "machine", "reboot": "machine",
    "acct": "machine", "quotactl": "machine", "quotactl_fd": "machine", "syslog": "kernel log",
    "iopl": "I/O ports", "ioperm": "I/O ports", "lookup_dcookie": "kernel profiling",
    # Opening files by handle walks around the mount namespace (the "shocker" escape).
    "name_to_handle_at": "file handles", "open_by_handle_at": "file handles",
    "fanotify_init": "watches the whole file system",
}

# Syscall numbers: linux/arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h
# (aarch64 has no iopl/ioperm). Only the calls the filter names.
SYSCALLS = {
    "x86_64": {
        "add_key": 248, "keyctl": 250, "request_key": 249, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "kcmp": 312, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "setns": 308, "mount": 165,
        "umount2": 166, "pivot_root": 155, "move_mount": 429, "open_tree": 428, "open_tree_attr": 467,
        "fsopen": 430, "fsmount": 432, "fsconfig": 431, "fspick": 433, "mount_setattr": 442, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176, "swapon": 167,
        "swapoff": 168, "reboot": 169, "acct": 163, "quotactl": 179, "quotactl_fd": 443, "syslog": 103,
        "iopl": 172, "ioperm": 173, "lookup_dcookie": 212, "name_to_handle_at": 303, "open_by_handle_at": 304,
        "fanotify_init": 300, "personality": 135, "unshare": 272, "clone": 56, "clone3": 435, "seccomp": 317,
    },
    "aarch64": {
        "add_key": 217, "keyctl": 219, "request_key": 218, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "kcmp": 272, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "setns": 268, "mount": 40,
        "umount2": 39, "pivot_root": 41, "move_mount": 429, "open_tree": 428, "open_tree_attr": 467,
        "fsopen": 430, "fsmount": 432, "fsconfig": 431, "fspick": 433, "mount_setattr": 442, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106, "swapon": 224,
        "swapoff": 225, "reboot": 142, "acct": 89, "quotactl": 60, "quotactl_fd": 443, "syslog": 116,
        "lookup_dcookie": 18, "name_to_handle_at": 264, "open_by_handle_at": 265, "fanotify_init": 262,
        "personality": 92, "unshare": 97, "clone": 220, "clone3": 435, "seccomp": 277,
    },
}
AUDIT_ARCH = {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64}
_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def machine_arch(arch: str | None = None) -> str:
    """The filter's architecture name for `arch` (or this machine); ValueError if unsupported,
    rather than a filter whose syscall numbers would mean other calls."""
    name = _MACHINES.get((arch or platform.machine()).lower())
    if name is None:
        raise ValueError(f"no seccomp filter for architecture {arch or platform.machine()!r} (x86_64 and aarch64 only)")
    return name


def _assemble(program: list[tuple]) -> bytes:
    """Classic BPF with named labels. Items: ("label", name), ("ld", offset), ("ret", value),
    (jump_opcode, k, jt, jf) where jt/jf are label names or None (the next instruction).
    Jumps go forward only and at most 255 instructions (the instruction format's limit)."""
    where, index = {}, 0
    for item in program:
        if item[0] == "label":
            where[item[1]] = index
        else:
            index += 1
    out, index = [], 0
    for item in program:
        if item[0] == "label":
            continue
        if item[0] == "ld":
            out.append(struct.pack("=HBBI", _LD_W_ABS, 0, 0, item[1]))
        elif item[0] == "ret":
            out.append(struct.pack("=HBBI", _RET, 0, 0, item[1]))
        else:
            code, k, jt, jf = item
            offsets = [0 if target is None else where[target] - index - 1 for target in (jt, jf)]
            if not all(0 <= offset <= 255 for offset in offsets):
                raise ValueError(f"BPF jump out of range at instruction {index}: {offsets}")
            out.append(struct.pack("=HBBI", code, offsets[0], offsets[1], k & 0xFFFFFFFF))
        index += 1
    return b"".join(out)


def seccomp_program(strict: bool, arch: str | None = None) -> bytes:
    """The filter as an array of struct sock_filter (8 bytes each), ready for bubblewrap's
    `--seccomp FD` or for `install`. `arch`: "x86_64" or "aarch64" (default: this machine)."""
    name = machine_arch(arch)
    nr = SYSCALLS[name]
    eperm = SECCOMP_RET_ERRNO | errno.EPERM
    program: list[tuple] = [
        # Another architecture's calls (int 0x80 on x86_64 makes i386 calls, with other numbers):
        # the numbers below would mean other calls, so such a process is killed outright.
        ("ld", _ARCH), (_JEQ, AUDIT_ARCH[name], None, "kill"),
        ("ld", _NR),
    ]
    if name == "x86_64":
        # The x32 ABI reaches the same kernel functions with numbers | 0x40000000: refuse it whole.
        program.append((_JGE, X32_SYSCALL_BIT, "eperm", None))
    for call in sorted(DENIED, key=lambda c: nr.get(c, -1)):
        if call in nr:  # aarch64 has no iopl/ioperm
            program.append((_JEQ, nr[call], "eperm", None))
    program.append((_JEQ, nr["personality"], "personality", None))
    if strict:
        # A notebook's process creates no namespace: no user namespace (where it would be root and
        # reach kernel code written for root), no IPC or mount namespace of its own.
        program.append((_JEQ, nr["unshare"], "eperm", None))
        # clone3 passes its flags in memory, which a seccomp filter cannot read. ENOSYS makes glibc
        # (fork, posix_spawn, pthread_create) fall back to clone(2), whose flags it can read.
        program.append((_JEQ, nr["clone3"], "enosys", None))
        program.append((_JEQ, nr["clone"], "clone", None))
    program.append(("ret", SECCOMP_RET_ALLOW))
    program += [("label", "personality"), ("ld", _ARG0_LOW)]
    program += [(_JEQ, value, "allow", None) for value in PERSONALITIES]
    program.append(("ret", eperm))
    if strict:
        # clone(2)'s flags are its first argument; namespace flags all sit in the low word (the
        # kernel itself keeps only the low 32 bits of them).
        program += [("label", "clone"), ("ld", _ARG0_LOW), (_JSET, CLONE_NAMESPACES, "eperm", "allow")]
    program += [
        ("label", "kill"), ("ret", SECCOMP_RET_KILL_PROCESS),
        ("label", "eperm"), ("ret", eperm),
        ("label", "enosys"), ("ret", SECCOMP_RET_ERRNO | errno.ENOSYS),
        ("label", "allow"), ("ret", SECCOMP_RET_ALLOW),
    ]
    return _assemble(program)


PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_IS_SET = 1
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> int:
    if result == -1:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return result


def _prctl(option: int, *args: int) -> int:
    values = [ctypes.c_ulong(a) for a in args] + [ctypes.c_ulong(0)] * (4 - len(args))
    return _c().prctl(ctypes.c_int(option), *values)


def install(strict: bool) -> None:
    """Install the filter on the calling process, for good (filters cannot be removed).

    no_new_privs first: the kernel requires it of a process without CAP_SYS_ADMIN, and it keeps a
    later execve from gaining privileges (setuid files, file capabilities, uid 0's capabilities).
    The seccomp(2) call with SECCOMP_FILTER_FLAG_TSYNC rather than prctl: it puts the filter on every
    thread of the process at once (a library may have started one, e.g. a BLAS pool), or fails
    without installing anything if one cannot take it. prctl, which filters the calling thread only,
    is the fallback where seccomp(2) does not exist, and only for a single-threaded process."""
    program = seccomp_program(strict)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "prctl(PR_SET_NO_NEW_PRIVS)")
    number = SYSCALLS[machine_arch()]["seccomp"]
    result = _c().syscall(ctypes.c_long(number), ctypes.c_long(SECCOMP_SET_MODE_FILTER),
                          ctypes.c_long(SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(fprog))
    if result == -1 and ctypes.get_errno() == errno.ENOSYS:
        if len(os.listdir("/proc/self/task")) != 1:
            raise OSError(errno.ENOSYS, "seccomp(2) is missing and prctl would filter one thread of several")
        result = _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
    _check(result, "seccomp(SECCOMP_SET_MODE_FILTER)")
    if result != 0:  # TSYNC: the id of a thread that could not be synchronised; nothing was installed
        raise OSError(errno.EAGAIN, f"seccomp filter not installed: thread {result} could not take it")


def _capabilities_left() -> list[str]:
    """The capability sets that are not empty (effective, permitted, inheritable, ambient)."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_c().capget(ctypes.byref(header), data), "capget")
    left = [name for name in ("effective", "permitted", "inheritable") if any(getattr(d, name) for d in data)]
    for cap in range(64):
        answer = _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap)
        if answer == -1:  # EINVAL past the kernel's last capability
            break
        if answer == 1:
            left.append("ambient")
            break
    return left


def new_notebook_namespace(uid: int | None) -> None:
    """Called in a fresh fork of the zygote (uid 0 in the sandbox's user namespace, with
    CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID there) before it runs a notebook: give it its own IPC
    namespace, then take every privilege away, then the strict filter.

    The IPC namespace: System V shared memory, semaphores and message queues, and POSIX message
    queues, live in it; a fresh one per notebook means nothing one notebook leaves there is seen by
    the next, and it all disappears with the notebook's last process.

    `uid` (root mode: the sandbox maps a second uid): become it for good, with setgroups([]) first
    (the zygote's supplementary groups would stay otherwise). Leaving uid 0 for a uid that is not 0
    in all of real, effective and saved makes the kernel clear the permitted, effective and ambient
    sets (not the inheritable one: capset then empties them all, in both cases).
    `uid` None (one uid mapped, the process stays uid 0 in the namespace): only the ambient clear and
    capset. Staying uid 0 is then harmless: no_new_privs (set by `install`) keeps an execve from
    handing uid 0 its capabilities back.

    Raises OSError if any step fails or any capability is left: the caller must not run the
    notebook then."""
    _check(_c().unshare(ctypes.c_int(CLONE_NEWIPC)), "unshare(CLONE_NEWIPC)")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    # Then (in both cases) every set emptied outright: setresuid leaves the inheritable set as it was.
    _check(_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)")
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_c().capset(ctypes.byref(header), data), "capset")
    left = _capabilities_left()
    if left:
        raise OSError(errno.EPERM, f"capabilities left after the drop: {', '.join(left)}")
    install(strict=True)
