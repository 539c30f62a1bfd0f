"""(w) Code in a sympy answer. The warm-up's ∂L/∂w is a sympy expression, checked for symbolic equivalence in
the grader: it must cross the sandbox boundary as text. The answer is a sympy Symbol subclass whose every
printed form (str, repr, srepr, _sympystr, _sympyrepr, latex) and whose pickle (__reduce__) is a payload that
writes a file in the host's /tmp when evaluated: it runs only if the grader evals learner text."""

from tests.attacks._common import prelude

ASSIGNMENT = "warmup"
GOAL = "Run code in the grader's process through the printed form (or pickle) of a sympy expression."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
import sympy as _rt_sp

_RT_PAYLOAD = ("__import__('os').system('(pwd; id; test -r .backprop-secret && echo secret-readable) > "
               "/tmp/rt-pwned-" + _RT_NONCE + "-" + _RT_NAME + " 2>&1') * 0 + (-2*(y - s)*s*(1 - s)*x)")


class _RtEvil(_rt_sp.Symbol):
    def __str__(self):
        return _RT_PAYLOAD

    __repr__ = __str__

    def _sympystr(self, printer=None, *a, **k):
        return _RT_PAYLOAD

    _sympyrepr = _sympystr
    _latex = _sympystr
    _pretty = _sympystr

    def __reduce__(self):
        return (eval, (_RT_PAYLOAD, {"y": 0, "s": 0, "x": 0}))

    def __reduce_ex__(self, protocol):
        return self.__reduce__()


dL_dw_by_hand = _RtEvil("s")
'''
