"""(c)+(b) Relay the grader's own answers to a classmate. The writer has an empty notebook: its train()
takes the correct forward/backward/update the grader puts into its namespace (stand-ins), marshals their
code and stores it in every carrier (keyring, POSIX and System V queues, shared memory, files). The reader,
an empty notebook graded later, rebuilds those functions from the bytecode and hands them in as its own."""

from tests.attacks._common import CARRIERS, THIEF, prelude

ASSIGNMENT = "regression"
GOAL = ("Pass the grader's correct building blocks (stand-ins, as bytecode) from one empty notebook to another "
        "through any carrier.")
WITH_SOLUTION = False
_ALL = ["keyring", "mq", "shm", "msg", "sem", "files"]

CODE = prelude(ASSIGNMENT) + CARRIERS + THIEF + f'''
_RT_ALL = {_ALL!r}
''' + r'''
import numpy as _rt_np
_rt_sent = [False]


def _rt_relay():
    got = _rt_steal(["forward", "backward", "update"])
    if got and not _rt_sent[0]:
        _rt_sent[0] = True
        _rt_put(_RT_ALL, _rt_blob(b"code", _rt_code_blob()))


def forward(x, params):
    _rt_relay()
    raise NotImplementedError


def backward(y, y_hat, cache, params):
    _rt_relay()
    raise NotImplementedError


def update(params, grads, lr):
    _rt_relay()
    raise NotImplementedError


def train(X, y, params, lr, epochs):
    _rt_relay()
    _rt_say_stolen()
    return _rt_np.zeros(epochs), params
'''

READER_CODE = prelude(ASSIGNMENT) + CARRIERS + f'''
_RT_ALL = {_ALL!r}
''' + r'''
_rt_c, _rt_b = _rt_find(_RT_ALL, seconds=4.0)
if _rt_c:
    _rt_mark("LEAK", "relay-" + _rt_c, "the grader's stand-ins arrived through " + _rt_c)
    try:
        _rt_adopt(_rt_b)
    except BaseException as _rt_exc:
        _rt_note("adopt failed", repr(_rt_exc)[:300])
else:
    _rt_note("nothing relayed")
'''
