"""(h) An update rule that returns no dict: a read-only mapping proxy, and a class that claims to be a dict
(`__class__` says dict, so isinstance(x, dict) is True) while it is not, its values computed on demand. The
docstring asks for a new dict; the control is the untouched release."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Earn the update point while returning something that is not a dict (a mapping proxy or a class pretending to be dict)."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import types as _rt_types


class _RtNotADict:
    """Claims to be a dict; every value computed when asked."""

    def __init__(self, params, grads, lr):
        self._p, self._g, self._lr = params, grads, lr

    @property
    def __class__(self):
        return dict

    def keys(self):
        return list(self._p)

    def __iter__(self):
        return iter(list(self._p))

    def __len__(self):
        return len(self._p)

    def __contains__(self, k):
        return k in self._p

    def __getitem__(self, k):
        return self._p[k] - self._lr * self._g[k]

    def get(self, k, default=None):
        return self[k] if k in self else default

    def items(self):
        return [(k, self[k]) for k in self._p]

    def values(self):
        return [self[k] for k in self._p]

    def copy(self):
        return self


_rt_n = [0]


def update(params, grads, lr):
    _rt_n[0] += 1
    if _rt_n[0] % 2:
        return _RtNotADict(params, grads, lr)
    return _rt_types.MappingProxyType({k: params[k] - lr * grads[k] for k in params})
'''

# The control: an update that returns a new dict of new (wrong) arrays: what the non-dict earns beyond it is the finding.
BASELINE_CODE = r'''
import numpy as np


def update(params, grads, lr):
    return {k: np.zeros(np.shape(v)) if np.ndim(v) else 0.0 for k, v in params.items()}
'''
