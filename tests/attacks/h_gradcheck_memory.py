"""(h) A gradient checker that computes nothing. numerical_gradient returns gradients found in its callers'
frames (a dict shaped like params that is not params) or remembered from an earlier gradient_check call at the
same params; gradient_check answers 0 the first time it sees some params and, later, flags exactly the
parameters whose gradients differ from the first ones it saw. The control computes nothing either and has
no memory: zeros everywhere. (On b0cc934 the frames alone suffice: while the grader's recorder calls the
learner's numerical_gradient, a caller's frame holds the right gradients in a local.)"""

from tests.attacks._common import prelude

ASSIGNMENT = "layers"
GOAL = "Earn the gradient-checker points with a checker that computes no finite difference, from memory and the callers' frames."
WITH_SOLUTION = False

BASELINE_CODE = r'''
import numpy as np


def numerical_gradient(f, params, h=1e-5):
    return {k: np.zeros_like(np.asarray(v, dtype=float)) for k, v in params.items()}


def gradient_check(f, params, grads, h=1e-5):
    return {k: 0.0 for k in grads}
'''

CODE = prelude(ASSIGNMENT) + r'''
import numpy as _rt_np

_rt_first = {}   # params fingerprint -> the first grads seen
_rt_calls = []


def _rt_key(params):
    try:
        return tuple(sorted((k, _rt_np.asarray(v, dtype=float).tobytes()) for k, v in params.items()))
    except BaseException:
        return id(params)


def _rt_like(d, params):
    try:
        return (isinstance(d, dict) and d is not params and set(d) == set(params)
                and all(_rt_np.shape(d[k]) == _rt_np.shape(params[k]) for k in params)
                and not all(_rt_np.array_equal(d[k], params[k]) for k in params))
    except BaseException:
        return False


def numerical_gradient(f, params, h=1e-5):
    key = _rt_key(params)
    if key in _rt_first:
        _rt_note("numerical_gradient from memory")
        return {k: _rt_np.array(v, dtype=float) for k, v in _rt_first[key].items()}
    frame = _rt_sys._getframe(1)
    while frame is not None:
        for name, v in list(frame.f_locals.items()):
            if _rt_like(v, params):
                _rt_note("numerical_gradient from the caller's local", name, "in", frame.f_code.co_name)
                _rt_mark("LEAK", "grads-in-frame", f"{name} in {frame.f_code.co_name}")
                return {k: _rt_np.array(v[k], dtype=float) for k in params}
        frame = frame.f_back
    return {k: _rt_np.zeros_like(_rt_np.asarray(v, dtype=float)) for k, v in params.items()}


def gradient_check(f, params, grads, h=1e-5):
    key = _rt_key(params)
    _rt_calls.append(key)
    if key not in _rt_first:
        _rt_first[key] = {k: _rt_np.array(g, dtype=float) for k, g in grads.items()}
        return {k: 0.0 for k in grads}
    first = _rt_first[key]
    return {k: (0.0 if k in first and _rt_np.shape(first[k]) == _rt_np.shape(g) and _rt_np.allclose(first[k], g)
                else 1.0) for k, g in grads.items()}
'''
