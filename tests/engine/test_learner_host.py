"""The learner host holds nothing worth taking, and what it says is only the learner's answer.

Every test grades real notebooks through the real sandbox (`notebook_grading.grade_notebook`, the
step both doors use): a hostile notebook, then an honest one in the same warm sandbox where it
matters, and checks what the hostile code found (no correct implementation, no seed, no grader
module), what it gained (nothing) and whom it harmed (no one)."""

import json
import os
import textwrap

import numpy as np
import pytest
from nbformat.v4 import new_code_cell

from autograder import grading
from autograder.assignments.two_layer import standin_backward as two_layer_backward
from autograder.engine import jail, notebook_grading
from tests.conftest import REPO
from tests.engine.test_sandbox import FULL, RELEASED, notebook, scores

STANDIN_LINE = "dz2 = y_hat - y if network == \"classification\" else -2.0 * (y - y_hat)"


@pytest.fixture
def course(tmp_path):
    """A course directory with its secret and a gradebook."""
    root = tmp_path / "course"
    root.mkdir()
    (root / "gradebook.db").write_bytes(b"SQLite format 3\x00 grades")
    notebook_grading.course_secret(root)
    return root


@pytest.fixture(params=["per-uid", "userns"])
def mode(request, monkeypatch):
    """Both ways a sandbox gets its user namespace: as root, its own with a host uid of its own for
    learner code; bubblewrap's own one-uid namespace (what a user without root gets)."""
    if request.param == "userns":
        monkeypatch.setenv(jail.Isolation.MODE_VARIABLE, "userns")
    elif os.getuid() != 0:
        pytest.skip("a host uid per sandbox needs root")
    return request.param


@pytest.fixture
def warm(mode):
    with jail.WarmSandbox(known=RELEASED) as sandbox:
        yield sandbox


def grade(course, nb, student, warm=None):
    folder = course / "submitted" / student / "regression"
    folder.mkdir(parents=True, exist_ok=True)
    return notebook_grading.grade_notebook(nb, "regression", student, notebook_grading.course_secret(course), folder,
                                           warm=warm)


def appended(*sources: str):
    """The regression solution with these cells at its end (after every function is defined)."""
    nb = notebook()
    nb.cells += [new_code_cell(source) for source in sources]
    return nb


def feedback(outcome) -> str:
    return "\n".join(r.feedback for r in outcome.results) + str(outcome.cell_problems) + str(outcome.stopped)


WALKER = textwrap.dedent('''
    import gc, inspect, sys
    _seen_train = train

    def train(X, y, params, lr, epochs):
        found = {"modules": set(), "code": set(), "ints": set(), "answers": []}
        frame = sys._getframe()
        while frame is not None:  # every frame up the stack, and every object the collector knows
            for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
                if isinstance(value, int) and not isinstance(value, bool) and value > 2**40:
                    found["ints"].add(value)
            frame = frame.f_back
        for obj in gc.get_objects():
            if inspect.isfunction(obj) and obj.__module__ != "__main__":
                found["code"].add(f"{obj.__module__}.{obj.__qualname__}")
                if not str(obj.__module__).startswith("autograder"):
                    continue  # (numpy's and Python's own: nothing of the course there)
                try:
                    source = inspect.getsource(obj)
                except (OSError, TypeError):
                    source = ""
                if "y_hat - y" in source or "dz2 =" in source:
                    found["answers"].append(source)
            elif inspect.ismodule(obj) and obj.__name__.startswith("autograder"):
                found["modules"].add(obj.__name__)
            elif isinstance(obj, dict):
                found["ints"] |= {v for v in list(obj.values()) if isinstance(v, int) and not isinstance(v, bool)
                                  and v > 2**40}
        found["code"] = sorted(c for c in found["code"] if c.startswith("autograder") and ".sandboxed." not in c)
        found["modules"] = sorted(found["modules"])
        found["ints"] = sorted(found["ints"])[:20]
        found["forward"] = [forward.__module__, forward.__qualname__]
        print({k: found[k] for k in ("forward", "answers", "code", "ints", "modules")})
        return _seen_train(X, y, params, lr, epochs)
''')


@pytest.mark.slow
def test_a_frame_and_object_walker_finds_no_answer_no_seed_and_no_grader_module(course, mode):
    """While `train` is recorded, the correct forward/backward/update are offered to it: the learner's
    process holds them only as proxies that ask the grader for a value. It walks every frame and
    every object: no stand-in source, no grader module but the host's, no seed."""
    outcome = grade(course, appended(WALKER), "walker")
    printed = feedback(outcome)
    seed = notebook_grading.seed_for(notebook_grading.course_secret(course), "regression", "walker")
    assert "'modules': ['autograder', 'autograder.sandboxed" in printed  # the walker ran, and printed into feedback
    assert "autograder.engine" not in printed and "autograder.assignments" not in printed
    assert "'answers': [], 'code': []" in printed and STANDIN_LINE not in printed
    assert str(seed) not in printed and notebook_grading.course_secret(course).decode() not in printed
    assert "'forward': ['autograder.sandboxed.run', 'forward']" in printed
    assert scores(outcome) == FULL  # its own functions are right: walking costs nothing, gains nothing
    with open(two_layer_backward.__file__, encoding="utf-8") as f:
        assert STANDIN_LINE in f.read()  # (the line the walker looked for is the stand-in's)


def _forger(line: str) -> str:
    """Cells that write `line` on every pipe the learner's process holds, while `forward` is called."""
    return textwrap.dedent(f'''
        import os, stat
        _own_forward = forward

        def forward(x, params):
            for fd in range(3, 64):
                try:
                    if stat.S_ISFIFO(os.fstat(fd).st_mode):
                        os.write(fd, {line!r}.encode() + b"\\n")
                except OSError:
                    pass
            return _own_forward(x, params)
    ''')


@pytest.mark.parametrize("line,reason", [
    (json.dumps({"id": 1, "ok": {"kind": "none"}}), "out of turn"),  # an answer nobody asked for yet
    (json.dumps({"id": 1, "callback": "backward", "args": []}), "did not offer"),  # a block nobody offered
    ("[" * 200_000 + "]" * 200_000, "levels deep, more than"),  # a line whose parsing would exhaust the stack
    ("x" * (9 * 1024**2), "longer than 4 MB"),  # a giant line
    ("\xff\xfe not utf-8", "not an answer"),
])
@pytest.mark.slow
def test_a_line_out_of_turn_ends_the_forgers_recording_and_no_one_elses(course, warm, line, reason):
    honest_before = grade(course, notebook(), "before", warm)
    forger = grade(course, appended(_forger(line)), "forger", warm)
    honest_after = grade(course, notebook(), "after", warm)
    assert scores(honest_before) == scores(honest_after) == FULL
    assert forger.stopped and reason in forger.stopped, forger.stopped
    assert scores(forger)["test_forward"] == 0.0 and sum(scores(forger).values()) < sum(FULL.values())


@pytest.mark.slow
def test_a_value_nested_past_the_limit_is_only_its_authors_problem(course, warm):
    deep = "def forward(x, params):\n    v = []\n    for _ in range(100_000):\n        v = [v]\n    return v, {}\n"
    outcome = grade(course, appended(deep), "deep", warm)
    after = grade(course, notebook(), "after", warm)
    assert scores(after) == FULL
    assert scores(outcome)["test_forward"] == 0.0 and scores(outcome)["test_update"] == 1.0


def _layers_namespace(**replacements: str) -> dict:
    """The layers solution's namespace with some functions replaced (in this process: the recorders
    and checks are the same code that grades in the sandbox)."""
    import nbformat


    nb = nbformat.read(REPO / "source" / "layers" / "layers.ipynb", as_version=4)
    ns: dict = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not (meta.get("grade") and not meta.get("solution")):
            exec(cell.source, ns)  # noqa: S102  (the instructor's own solution)
    for source in replacements.values():
        exec(textwrap.dedent(source), ns)  # noqa: S102
    return ns


REMEMBERING_CHECKER = '''
    import numpy as np
    _first = []

    def numerical_gradient(f, params, h=1e-5):
        return {k: np.zeros_like(v) for k, v in params.items()}

    def gradient_check(f, params, grads, h=1e-5):
        """Computes nothing: takes the first gradients it is given for the truth."""
        if not _first:
            _first.append({k: np.array(v, dtype=float) for k, v in grads.items()})
        truth = _first[0]
        return {k: float(np.max(np.abs(grads[k] - truth[k]) / np.maximum(np.abs(grads[k]) + np.abs(truth[k]), 1e-8)))
                for k in grads}
'''

LOSS_COUNTING_CHECKER = '''
    import numpy as np
    _losses = {}

    def numerical_gradient(f, params, h=1e-5):
        return {k: np.zeros_like(v) for k, v in params.items()}

    def gradient_check(f, params, grads, h=1e-5):
        """Computes nothing: the first gradients seen with a loss function are the truth for it."""
        truth = _losses.setdefault(id(f), {k: np.array(v, dtype=float) for k, v in grads.items()})
        return {k: float(np.max(np.abs(grads[k] - truth[k]) / np.maximum(np.abs(grads[k]) + np.abs(truth[k]), 1e-8)))
                for k in grads}
'''


@pytest.mark.slow
@pytest.mark.parametrize("cheat", [REMEMBERING_CHECKER, LOSS_COUNTING_CHECKER], ids=["first-call", "per-loss"])
def test_a_gradient_checker_that_remembers_instead_of_computing_earns_nothing(cheat):
    """(On main before this change, the first-call cheat scored 1.33 / 2: the right gradients came first,
    with the same loss function each time.)"""
    assert grading.grade("layers", "gradient_check", _layers_namespace(), 2) == 2.0
    assert grading.grade("layers", "gradient_check", _layers_namespace(cheat=cheat), 2) == 0.0


def test_an_update_that_returns_no_parameters_earns_nothing(learner):
    ns = learner("regression", "ada")
    assert grading.grade("regression", "update", ns, 1) == 1.0
    exec("def update(params, grads, lr):\n    return 0.0\n", ns)  # noqa: S102
    assert grading.grade("regression", "update", ns, 1) == 0.0  # (0.5 before: "leaves its inputs alone")


def test_the_learner_host_is_told_no_seed_no_student_and_no_plan():
    from autograder.engine import session

    job = {"cells": [], "files": {}, "cache": {}, "seed": 123456789123, "assignment": "regression",
           "phases": [], "judging": {"learner": "ada"}}
    sent = []

    class Recorder:
        stopped = "stopped on purpose"

        def start(self, message):
            sent.append(message)
            from autograder.engine.remote import HostStopped
            raise HostStopped(self.stopped)

    session.record_notebook(job, Recorder())
    assert sent == [{"cells": [], "files": {}, "cache": {}}]


def test_values_cross_exactly_and_hostile_ones_are_refused():
    from autograder.engine import wire
    from autograder.sandboxed import values

    value = {"W1": np.arange(6.0).reshape(2, 3) / 7, "b2": np.float64(0.1), "t": (1, [2.5, float("inf")], None, "s"),
             "mask": np.array([True, False]), "n": np.int64(3)}
    back = values.unpack(values.loads(values.dumps(values.pack(value))))
    np.testing.assert_array_equal(back["W1"], value["W1"], strict=True)
    assert type(back["b2"]) is np.float64 and back["b2"] == value["b2"] and back["t"] == value["t"]
    assert back["mask"].dtype == np.bool_ and type(back["n"]) is np.int64
    for hostile in (b"[" * 100_000 + b"]" * 100_000, b'{"$a": "float64", "shape": [1000000000], "data": []}',
                    b'{"$a": "float64", "shape": [2], "data": ["x", 1]}', b'{"$zz": 1}', b"\xff"):
        with pytest.raises(ValueError):  # wire.WireError or values.Unpackable: both ValueErrors
            values.unpack(wire.loads_capped(hostile, wire.LINE_DEPTH, 4 * 1024**2))


def _solution_code() -> str:
    """The regression solution's own function cells: what a writer would carry to a classmate."""
    import nbformat

    nb = nbformat.read(notebook_grading.Path(__file__).resolve().parents[2] / "source" / "regression" /
                       "regression.ipynb", as_version=4)
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "code" and "BEGIN SOLUTION" in c.source)


CARRIERS = {
    "files": (  # every writable folder: /tmp, /dev/shm, the scratch folder, /dev, ...
        '''
import os
for _top, _dirs, _files in os.walk("/"):
    _dirs[:] = [d for d in _dirs if os.path.join(_top, d) not in ("/proc", "/sys")]
    if os.access(_top, os.W_OK):
        try:
            with open(os.path.join(_top, ".carry"), "wb") as _f:
                _f.write(PAYLOAD)
        except OSError:
            pass
''', '''
import os
for _top, _dirs, _files in os.walk("/"):
    _dirs[:] = [d for d in _dirs if os.path.join(_top, d) not in ("/proc", "/sys")]
    if ".carry" in _files:
        with open(os.path.join(_top, ".carry"), "rb") as _f:
            exec(_f.read().decode(), globals())
        break
'''),
    "keyring": (  # add_key on the user keyring / keyctl search + read (x86_64: 248, 250)
        '''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall(248, b"user", b"backprop-carry", PAYLOAD, len(PAYLOAD), -4)
''', '''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_key = _libc.syscall(250, 10, -4, b"user", b"backprop-carry", 0)
if _key > 0:
    _buf = ctypes.create_string_buffer(65536)
    _n = _libc.syscall(250, 11, _key, _buf, 65536)
    exec(_buf.raw[:_n].decode(), globals())
'''),
    "message queue": (  # a POSIX message queue, which outlives its writer
        '''
import ctypes, os
_rt = ctypes.CDLL("librt.so.1", use_errno=True)
_q = _rt.mq_open(b"/backprop-carry", os.O_CREAT | os.O_RDWR, 0o666, None)
_rt.mq_send(_q, PAYLOAD, len(PAYLOAD), 0)
''', '''
import ctypes, os
_rt = ctypes.CDLL("librt.so.1", use_errno=True)
_q = _rt.mq_open(b"/backprop-carry", os.O_RDONLY | os.O_NONBLOCK, 0, None)
if _q >= 0:
    _buf = ctypes.create_string_buffer(1 << 20)
    _n = _rt.mq_receive(_q, _buf, 1 << 20, None)
    if _n > 0:
        exec(_buf.raw[:_n].decode(), globals())
'''),
    "shared memory": (  # a System V segment, which outlives its writer
        '''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
_id = _libc.shmget(0x5EED, 65536, 0o1666)
_at = _libc.shmat(_id, None, 0)
if _at not in (None, ctypes.c_void_p(-1).value):
    ctypes.memmove(_at, PAYLOAD + b"\\0", len(PAYLOAD) + 1)
''', '''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
_id = _libc.shmget(0x5EED, 0, 0)
if _id >= 0:
    _at = _libc.shmat(_id, None, 0)
    if _at not in (None, ctypes.c_void_p(-1).value):
        exec(ctypes.string_at(_at).decode(), globals())
'''),
}


@pytest.mark.slow
@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@pytest.mark.parametrize("where", ["same warm sandbox", "another sandbox"])
def test_nothing_a_notebook_leaves_in_the_kernel_reaches_a_classmate(course, mode, carrier, where):
    """A learner with the right answers stores them in a kernel object; a classmate whose notebook is
    the untouched release reads them back and defines every function from them. Graded after the
    writer, in the same warm sandbox or in another, the reader must get nothing."""
    write, read = CARRIERS[carrier]
    writer = appended(f"PAYLOAD = {_solution_code().encode()!r}\n" + write)

    def empty(cell: str):
        """A notebook whose solution cells are empty (nothing of the learner's own), and `cell`."""
        nb = notebook()
        for c in nb.cells:
            if c.cell_type == "code" and "BEGIN SOLUTION" in c.source:
                c.source = ""
        nb.cells.append(new_code_cell(cell))
        return nb

    reader = empty(read)
    control = empty(f"exec({_solution_code()!r}, globals())")  # the reader's way of defining them works
    with jail.WarmSandbox(known=RELEASED) as first, jail.WarmSandbox(known=RELEASED) as second:
        assert scores(grade(course, writer, "writer", first)) == FULL
        later = first if where == "same warm sandbox" else second
        assert sum(scores(grade(course, reader, "reader", later)).values()) == 0.0
        assert scores(grade(course, control, "control", later)) == FULL


def test_an_update_that_computes_nothing_earns_nothing(learner):
    """New arrays of zeros leave the inputs alone, yet answer nothing (0.5 / 1 before)."""
    ns = learner("regression", "ada")
    exec("def update(params, grads, lr):\n    return {k: 0 * params[k] for k in params}\n", ns)  # noqa: S102
    assert grading.grade("regression", "update", ns, 1) == 0.0
