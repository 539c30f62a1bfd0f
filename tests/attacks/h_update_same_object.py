"""(h) An update rule that changes params in place and returns the same dict (against the docstring: a new
dict of new arrays, params untouched), plus patches that hide it from in-process checks: copy.copy and
copy.deepcopy return their argument, numpy's copy and comparisons say "unchanged". The control is the same
in-place update without the patches."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Keep the update point with an in-place update returning the same object, hidden by patching copy and comparisons."
WITH_SOLUTION = False

BASELINE_CODE = r'''
def update(params, grads, lr):
    for k in params:
        params[k] -= lr * grads[k]
    return params
'''

CODE = prelude(ASSIGNMENT) + r'''
import copy as _rt_copy
import numpy as _rt_np

_rt_copy.copy = lambda x: x
_rt_copy.deepcopy = lambda x, memo=None, _nil=[]: x
_rt_np.copy = lambda a, *args, **kwargs: a
_rt_np.array_equal = lambda *a, **k: True
_rt_np.shares_memory = lambda *a, **k: False
_rt_np.may_share_memory = lambda *a, **k: False
_rt_real_id = id
import builtins as _rt_builtins
_rt_builtins.id = lambda x: _rt_real_id(x) ^ 0x5a5a if isinstance(x, dict) else _rt_real_id(x)


def update(params, grads, lr):
    for k in params:
        params[k] -= lr * grads[k]
    return params
'''
