"""(f) Read files: walk / for anything named like the secret, the gradebook, other students' folders,
instructor sources, the grader's modules, notebooks that are not this one; try /proc/self/root/...,
/proc/1/root, /proc/<pid>/cwd of every process, ../../.., inherited directory descriptors, /work, /root,
/home. Reading the secret, the gradebook, someone else's notebook or the grader's judging code is a leak."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Read the course secret, the gradebook, other students' notebooks or the grader's hidden code from the file system."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import re as _rt_re, stat as _rt_stat

_RT_NAMES = _rt_re.compile(r"secret|gradebook|submitted|autograded|feedback|hidden_tests|hidden_checks|oracle|mistakes|standins|"
                           r"judge|\.backprop|nbgrader_config|solution|source|\.ipynb$|\.db$", _rt_re.I)
_RT_MINE = {n for n in _rt_os.listdir(".") if n.endswith(".ipynb")}
_rt_found = []


def _rt_peek(path):
    try:
        with open(path, "rb") as f:
            data = f.read(4096)
    except OSError as exc:
        return None, type(exc).__name__
    return data, ""


_RT_SYSTEM = tuple(p for p in {_rt_sys.prefix, _rt_sys.base_prefix, _rt_sys.exec_prefix, "/usr", "/lib", "/etc",
                                "/grader/autograder/sandboxed"} if p)


def _rt_judge(path, data):
    if path.startswith(_RT_SYSTEM) or "/site-packages/" in path:
        return  # the Python installation and the sandboxed recorders are public
    low = path.lower()
    if b"SQLite format" in data[:16]:
        _rt_mark("LEAK", "sqlite", path)
    if "secret" in low:
        _rt_mark("LEAK", "secret-file", f"{path}: {data[:100]!r}")
    if ("BEGIN " + "HIDDEN TESTS").encode() in data or ("BEGIN " + "SOLUTION").encode() in data:
        _rt_mark("LEAK", "instructor-file", path)
    if low.endswith(".ipynb") and _rt_os.path.basename(path) not in _RT_MINE and "/release/" not in path:
        _rt_mark("LEAK", "other-notebook", path)
    if "autograder" in path and "/sandboxed/" not in path and path.endswith(".py"):
        _rt_mark("LEAK", "grader-module", path)


def _rt_walk(top, limit=60000):
    n = 0
    for root, dirs, files in _rt_os.walk(top, followlinks=False):
        dirs[:] = [d for d in dirs if _rt_os.path.join(root, d) not in ("/proc", "/sys", "/dev")]
        for name in dirs + files:
            n += 1
            if n > limit:
                return
            path = _rt_os.path.join(root, name)
            if _RT_NAMES.search(name) or _RT_NAMES.search(root):
                data, err = _rt_peek(path) if name in files else (None, "dir")
                _rt_found.append(path + (" [" + err + "]" if err else ""))
                if data:
                    _rt_judge(path, data)


_rt_walk("/")
for _rt_p in ["/proc/self/root/", "/proc/1/root/", "/proc/2/root/", "/proc/1/cwd/", "/proc/2/cwd/", "../../..",
              "/proc/self/cwd/../..", "/work", "/work/main", "/root", "/home", "/tmp", "/grader", "/grader/autograder",
              "/run", "/mnt", "/media", "/srv", "/opt"]:
    try:
        _rt_found.append(f"ls {_rt_p}: {sorted(_rt_os.listdir(_rt_p))[:30]}")
    except OSError as _rt_exc:
        _rt_found.append(f"ls {_rt_p}: {type(_rt_exc).__name__}")
for _rt_pid in [p for p in _rt_os.listdir("/proc") if p.isdigit()]:
    for _rt_what in ("cwd", "root"):
        try:
            _rt_found.append(f"/proc/{_rt_pid}/{_rt_what} -> {sorted(_rt_os.listdir(f'/proc/{_rt_pid}/{_rt_what}'))[:20]}")
        except OSError:
            pass
    try:
        for _rt_fd in _rt_os.listdir(f"/proc/{_rt_pid}/fd"):
            _rt_t = _rt_os.readlink(f"/proc/{_rt_pid}/fd/{_rt_fd}")
            if _rt_t.startswith("/") and not _rt_t.startswith("/dev/"):
                _rt_found.append(f"/proc/{_rt_pid}/fd/{_rt_fd} -> {_rt_t}")
                _rt_data, _ = _rt_peek(f"/proc/{_rt_pid}/fd/{_rt_fd}")
                if _rt_data:
                    _rt_judge(_rt_t, _rt_data)
    except OSError:
        pass
for _rt_fd in range(0, 256):  # inherited directory descriptors: a way out of the mount namespace
    try:
        if _rt_stat.S_ISDIR(_rt_os.fstat(_rt_fd).st_mode):
            _rt_found.append(f"dir fd {_rt_fd}: {_rt_os.listdir(_rt_fd)[:20]}")
            _rt_mark("BREACH", "dir-fd", f"fd {_rt_fd} is a directory: {_rt_os.listdir(_rt_fd)[:10]}")
    except OSError:
        pass
_rt_note("found:", _rt_found[:200])


def forward(x, params):
    raise NotImplementedError


def backward(y, y_hat, cache, params):
    raise NotImplementedError


def update(params, grads, lr):
    raise NotImplementedError


def train(X, y, params, lr, epochs):
    raise NotImplementedError
'''
