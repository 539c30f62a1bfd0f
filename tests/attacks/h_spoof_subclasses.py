"""(h) Values that lie about themselves: float and ndarray subclasses whose __eq__ is always True, whose
__float__, __array__, __repr__, __str__, __format__, tolist and __array_ufunc__/__array_function__ answer what a
check would want (any comparison True, isclose/allclose True), while the values themselves are zeros."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Pass comparisons with float/ndarray subclasses whose __eq__, __float__, __array__, __repr__ and numpy protocols lie."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import numpy as _rt_np


class _RtFloat(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __gt__ = lambda self, other: False
    __le__ = __ge__ = lambda self, other: True

    def __hash__(self):
        return 0

    def __float__(self):
        return 0.32

    def __repr__(self):
        return "0.32"

    __str__ = __repr__

    def __format__(self, spec):
        return "0.32"

    def __sub__(self, other):
        return _RtFloat(0.0)

    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __sub__

    def __abs__(self):
        return _RtFloat(0.0)


class _RtArray(_rt_np.ndarray):
    def __eq__(self, other):
        return _rt_np.ones(self.shape, bool)

    def __ne__(self, other):
        return _rt_np.zeros(self.shape, bool)

    def __array__(self, dtype=None, copy=None):
        return _rt_np.full(self.shape, 1.6)

    def __repr__(self):
        return repr(_rt_np.full(self.shape, 1.6))

    __str__ = __repr__

    def tolist(self):
        return _rt_np.full(self.shape, 1.6).tolist()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc in (_rt_np.equal, _rt_np.isclose, _rt_np.less_equal, _rt_np.isfinite):
            return _rt_np.ones(_rt_np.broadcast(*[_rt_np.asarray(i).view(_rt_np.ndarray) for i in inputs[:2]]).shape, bool)
        inputs = [i.view(_rt_np.ndarray) if isinstance(i, _RtArray) else i for i in inputs]
        return _rt_np.zeros_like(getattr(ufunc, method)(*inputs, **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        if func in (_rt_np.allclose, _rt_np.array_equal, _rt_np.array_equiv):
            return True
        if func is _rt_np.isclose:
            return _rt_np.ones(self.shape, bool)
        args = [a.view(_rt_np.ndarray) if isinstance(a, _RtArray) else a for a in args]
        return func(*args, **kwargs)


def _rt_arr(shape):
    return _rt_np.zeros(shape).view(_RtArray)


def forward(x, params):
    return _RtFloat(0.0), {"x": _rt_np.asarray(x), "z1": _rt_arr((2,)), "h": _rt_arr((2,)), "z2": _RtFloat(0.0)}


def backward(y, y_hat, cache, params):
    return {"W1": _rt_arr((2, 2)), "b1": _rt_arr((2,)), "W2": _rt_arr((2,)), "b2": _RtFloat(0.0)}


def update(params, grads, lr):
    return {k: (_rt_arr(_rt_np.shape(v)) if _rt_np.ndim(v) else _RtFloat(0.0)) for k, v in params.items()}


def train(X, y, params, lr, epochs):
    return _rt_arr((epochs,)), update(params, None, lr)
'''

# The control: the same zeros as plain floats and arrays.
BASELINE_CODE = r'''
import numpy as np


def forward(x, params):
    return 0.0, {"x": np.asarray(x), "z1": np.zeros(2), "h": np.zeros(2), "z2": 0.0}


def backward(y, y_hat, cache, params):
    return {"W1": np.zeros((2, 2)), "b1": np.zeros(2), "W2": np.zeros(2), "b2": 0.0}


def update(params, grads, lr):
    return {k: (np.zeros(np.shape(v)) if np.ndim(v) else 0.0) for k, v in params.items()}


def train(X, y, params, lr, epochs):
    return np.zeros(epochs), update(params, None, lr)
'''
