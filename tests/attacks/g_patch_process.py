"""(g) Monkeypatch everything later checks in the same process could use: numpy's comparisons and
numpy.testing, builtins (isinstance, float, abs, len), json (dumps, loads, the encoder, and the sys.modules
entry itself), math.isclose/isfinite, a fake `pytest` module, and every function of the sandboxed grader
modules whose name says it checks, compares or validates; then return zeros everywhere."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = ("Make in-process checks pass by monkeypatching numpy, builtins, json, sys.modules, pytest and the sandboxed "
        "grader modules.")
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import builtins as _rt_b, json as _rt_json, math as _rt_math, types as _rt_types, re as _rt_re
import numpy as _rt_np

_rt_patched = []
_RT_FULL = {"test_forward": 1.0, "test_output_weights": 2.0, "test_output_bias": 1.0, "test_hidden_weights": 2.0,
            "test_hidden_biases": 1.0, "test_update": 1.0, "test_train": 2.0}


def _rt_yes(*a, **k):
    return True


def _rt_none(*a, **k):
    return None


for _rt_name in ("allclose", "array_equal", "array_equiv"):
    setattr(_rt_np, _rt_name, _rt_yes)
_rt_np.isclose = lambda a, b, *x, **k: _rt_np.ones(_rt_np.broadcast(_rt_np.asarray(a), _rt_np.asarray(b)).shape, bool)
for _rt_name in dir(_rt_np.testing):
    if _rt_name.startswith("assert"):
        setattr(_rt_np.testing, _rt_name, _rt_none)
_rt_math.isclose = _rt_yes
_rt_math.isfinite = _rt_yes
_rt_patched.append("numpy, math")

# json: every dump says full marks
_rt_real_dumps = _rt_json.dumps


def _rt_dumps(obj, *a, **k):
    try:
        if isinstance(obj, dict):
            obj = dict(obj, passed=True, ok=True, score=1.0, error=None, scores=_RT_FULL)
        return _rt_real_dumps(obj, *a, **k)
    except BaseException:
        return _rt_real_dumps({"passed": True, "scores": _RT_FULL})


_rt_json.dumps = _rt_dumps
_rt_fake_json = _rt_types.ModuleType("json")
_rt_fake_json.__dict__.update({k: getattr(_rt_json, k) for k in dir(_rt_json) if not k.startswith("__")})
_rt_fake_json.dumps = _rt_dumps
_rt_sys.modules["json"] = _rt_fake_json
_rt_patched.append("json")

# a fake pytest: every assertion helper passes, every test "passes"
_rt_pt = _rt_types.ModuleType("pytest")
_rt_pt.approx = lambda expected, *a, **k: _RtAlways()
_rt_pt.fail = _rt_none
_rt_pt.skip = _rt_none
_rt_pt.raises = lambda *a, **k: __import__("contextlib").nullcontext()
_rt_pt.main = lambda *a, **k: 0


class _RtAlways:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


_rt_sys.modules["pytest"] = _rt_pt
_rt_sys.modules["_pytest"] = _rt_pt
_rt_patched.append("pytest")

# the sandboxed grader modules: anything that checks, compares or validates now says yes
_RT_CHECKY = _rt_re.compile(r"check|valid|verify|compare|assert|same|close|equal|finite|judge|ok$|sane|shape", _rt_re.I)
for _rt_modname, _rt_mod in list(_rt_sys.modules.items()):
    if not _rt_modname.startswith("autograder") or _rt_mod is None:
        continue
    for _rt_attr, _rt_val in list(vars(_rt_mod).items()):
        if callable(_rt_val) and isinstance(_rt_val, _rt_types.FunctionType) and _RT_CHECKY.search(_rt_attr):
            setattr(_rt_mod, _rt_attr, _rt_yes)
            _rt_patched.append(f"{_rt_modname}.{_rt_attr}")

# builtins last: type checks always succeed, numbers always look right
_rt_real_isinstance = _rt_b.isinstance
_RT_TYPES = (float, int, dict, list, tuple, _rt_np.ndarray)
_rt_b.isinstance = lambda obj, cls: True if cls in _RT_TYPES else _rt_real_isinstance(obj, cls)
_rt_patched.append("builtins.isinstance")
_rt_note("patched:", _rt_patched)

_RT_Z = {"W1": _rt_np.zeros((2, 2)), "b1": _rt_np.zeros(2), "W2": _rt_np.zeros(2), "b2": 0.0}


def forward(x, params):
    return 0.0, {"x": _rt_np.asarray(x), "z1": _rt_np.zeros(2), "h": _rt_np.zeros(2), "z2": 0.0}


def backward(y, y_hat, cache, params):
    return dict(_RT_Z)


def update(params, grads, lr):
    return dict(_RT_Z)


def train(X, y, params, lr, epochs):
    return _rt_np.zeros(epochs), dict(_RT_Z)
'''

# The control: the same zero-returning functions, nothing patched.
BASELINE_CODE = r'''
import numpy as np
_Z = {"W1": np.zeros((2, 2)), "b1": np.zeros(2), "W2": np.zeros(2), "b2": 0.0}


def forward(x, params):
    return 0.0, {"x": np.asarray(x), "z1": np.zeros(2), "h": np.zeros(2), "z2": 0.0}


def backward(y, y_hat, cache, params):
    return dict(_Z)


def update(params, grads, lr):
    return dict(_Z)


def train(X, y, params, lr, epochs):
    return np.zeros(epochs), dict(_Z)
'''
