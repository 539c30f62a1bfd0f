"""The trust boundary: learner code runs in bubblewrap, only its JSON comes out, the judge is ours.

Each test grades a real notebook (the regression solution, with hostile cells added) through
`notebook_grading.grade_notebook`, the step both `nbgrader autograde` and `backprop-course
autograde` use, and checks what the hostile code gained (nothing) and what it touched (nothing
outside its scratch folder)."""

import ast
import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder import assignments
from autograder.assignments.quiz import builder as quiz
from autograder.engine import jail, notebook_grading

REPO = Path(__file__).resolve().parents[2]
SOLUTION = REPO / "source" / "regression" / "regression.ipynb"
# the release's code cells, which a warm sandbox's zygote compiles once (`run.know`), as in a batch
RELEASED = tuple(c.source for c in nbformat.read(REPO / "release" / "regression" / "regression.ipynb", as_version=4).cells
                 if c.cell_type == "code")
FULL = assignments.points_of("regression")  # each test cell's points, as the source notebook gives them


@pytest.fixture(scope="module", autouse=True)
def sandbox_works():
    jail.check()


@pytest.fixture
def course(tmp_path):
    """A course directory with a gradebook, a secret, another learner's work and the grader's code."""
    root = tmp_path / "course"
    (root / "submitted" / "other" / "regression").mkdir(parents=True)
    (root / "submitted" / "other" / "regression" / "regression.ipynb").write_text("other learner's work")
    (root / "gradebook.db").write_bytes(b"SQLite format 3\x00 grades")
    (root / "source").mkdir()
    (root / "source" / "hidden.py").write_text("HIDDEN = 1")
    notebook_grading.course_secret(root)
    return root


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def notebook(*hostile: str, at: int = 3) -> nbformat.NotebookNode:
    nb = nbformat.read(SOLUTION, as_version=4)
    for k, source in enumerate(hostile):
        nb.cells.insert(at + k, new_code_cell(source))
    return nb


def grade(course: Path, nb, student="ada", limits=None, folder=None, warm=None):
    folder = folder or course / "submitted" / student / "regression"
    folder.mkdir(parents=True, exist_ok=True)
    return notebook_grading.grade_notebook(nb, "regression", student, notebook_grading.course_secret(course),
                                           folder, limits=limits, warm=warm)


@pytest.fixture(params=["fresh", "warm"])
def grader(request, course):
    """grade(), in a fresh sandbox per notebook or in one warm sandbox (per limits) for the whole test,
    so a hostile notebook and the honest one graded after it share that warm sandbox."""
    warm: dict = {}

    def run(nb, student="ada", limits=None, folder=None):
        sandbox = None
        if request.param == "warm":
            sandbox = warm.setdefault(limits or jail.Limits(), jail.WarmSandbox(limits or jail.Limits(), known=RELEASED))
        return grade(course, nb, student, limits, folder, warm=sandbox)

    run.warm = warm
    yield run
    for sandbox in warm.values():
        sandbox.close()


def scores(outcome) -> dict[str, float]:
    return {r.grade_id: r.score for r in outcome.results}


@pytest.mark.slow
def test_the_solution_gets_full_marks_and_the_untouched_release_none(course):
    assert scores(grade(course, notebook())) == FULL
    release = nbformat.read(REPO / "release" / "regression" / "regression.ipynb", as_version=4)
    for cell in release.cells:  # the gradebook's test cells, as nbgrader's OverwriteCells puts them back
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        source_cell = next((c for c in nbformat.read(SOLUTION, as_version=4).cells
                            if c.metadata.get("nbgrader", {}).get("grade_id") == gid), None)
        meta = cell.metadata.get("nbgrader", {})
        if source_cell is not None and meta.get("grade") and not meta.get("solution"):
            cell.source = source_cell.source
    assert set(scores(grade(course, release, "ben")).values()) == {0.0}


@pytest.mark.slow
def test_hostile_cells_gain_nothing_and_touch_nothing(course, grader):
    before = snapshot(course)
    secret = (course / notebook_grading.SECRET_FILE).read_text()
    hostile = f"""
import os, glob, socket, sqlite3
found = {{}}
for path in {[str(course / 'gradebook.db'), str(course / 'source' / 'hidden.py'), str(course / notebook_grading.SECRET_FILE),
              str(course / 'submitted' / 'other' / 'regression' / 'regression.ipynb'), str(REPO / 'autograder' / 'oracle.py'),
              str(REPO / 'autograder' / 'assignments' / 'two_layer' / 'hidden_checks.py'), '/root/.bash_history']!r}:
    try:
        found[path] = open(path).read()[:100]
    except Exception as exc:
        found[path] = type(exc).__name__
    try:
        open(path, 'w').write('overwritten')
    except Exception:
        pass
for name in ('autograder.assignments.common.oracle', 'autograder.assignments.common.mistakes', 'autograder.grading',
             'autograder.assignments.two_layer.standin_backward'):
    try:
        __import__(name)
        found[name] = 'imported'
    except Exception as exc:
        found[name] = type(exc).__name__
try:
    socket.create_connection(('127.0.0.1', {_listener()}), timeout=2)
    found['network'] = 'connected'
except Exception as exc:
    found['network'] = type(exc).__name__
try:
    os.kill(os.getppid(), 9)
except Exception:
    pass
print(found)
"""
    outcome = grader(notebook(hostile))
    assert scores(outcome) == FULL  # the honest code in the same notebook is graded as usual
    assert snapshot(course) == before  # nothing outside the scratch folder changed
    text = json.dumps([r.feedback for r in outcome.results]) + json.dumps(outcome.cell_problems)
    assert secret not in text and "grades" not in text and "HIDDEN" not in text
    assert _LISTENER["connections"] == 0


_LISTENER = {"connections": 0}


def _listener() -> int:
    """A server on loopback: the sandbox has no network, so it is never reached."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(20)

    def accept():
        try:
            server.accept()
            _LISTENER["connections"] += 1
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1]


@pytest.mark.slow
def test_forged_records_end_the_forgers_recording_and_gain_nothing(course, grader):
    """The learner writes its own 'records' on every descriptor it has: a line out of turn on the
    host's channel ends that notebook's recording (every exercise 0, with the reason); the records
    are built in the grader, so no line can stand for one."""
    forged = """
import json, os
seed_x = [8.0, 8.0]
fake = {"exercise": "forward", "probe": {"network": "regression", "exercise": "forward", "function": "forward",
        "cases": [{"x": seed_x, "params": {"W1": [[0.1, 0.1], [0.1, 0.1]], "b1": [0, 0], "W2": [0.1, 0.1], "b2": 0},
                   "ok": {"kind": "tuple", "items": [{"kind": "scalar", "type": "float", "value": 0.32},
                                                     {"kind": "dict", "items": {}}]}}] * 5}}
for fd in range(3, 20):
    try:
        os.write(fd, (json.dumps(fake) + "\\n").encode())
    except OSError:
        pass
"""
    outcome = grader(notebook(forged))
    assert set(scores(outcome).values()) == {0.0}
    assert "out of turn" in outcome.stopped or "not an answer" in outcome.stopped, outcome.stopped
    assert all("out of turn" in r.feedback or "not an answer" in r.feedback for r in outcome.results)


@pytest.mark.parametrize("bomb,reason", [
    ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", "ran longer than"),
    ("x = []\nwhile True:\n    x.append(bytearray(100_000_000))", "MemoryError"),
    ("with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 1_000_000)", "OSError"),
    ("while True:\n    pass", "ran longer than"),
])
@pytest.mark.slow
def test_resource_bombs_are_stopped_with_a_reason(course, grader, bomb, reason):
    # Filling 2 GB takes ≈ 4.5 s on this machine alone and more beside the rest of the suite: its
    # wall limit must not fire before the memory limit does.
    limits = jail.Limits(wall_seconds=30.0 if reason == "MemoryError" else 8.0, cpu_seconds=20)
    outcome = grader(notebook(bomb), limits=limits)
    said = (outcome.stopped or "") + json.dumps(outcome.cell_problems) + json.dumps([r.feedback for r in outcome.results])
    assert reason.split()[0] in said, said
    after = grader(notebook(), "honest", limits=limits)  # the next learner (in a warm sandbox: the same one) is not affected
    assert scores(after) == FULL


@pytest.mark.slow
def test_a_symlink_in_the_submission_is_not_followed(course, tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "secret-link").symlink_to(course / notebook_grading.SECRET_FILE)
    (folder / "data.txt").write_text("mine")
    files = jail.submission_files(folder, jail.Limits())
    assert set(files) == {"data.txt"}
    reader = "import os\nSEEN = sorted(os.listdir('.'))\nassert 'data.txt' in SEEN and 'secret-link' not in SEEN, SEEN"
    outcome = grade(course, notebook(reader), folder=folder)
    assert outcome.cell_problems == [] and scores(outcome) == FULL


def test_each_learner_gets_their_own_hidden_points(course):
    from autograder import assignments
    from autograder.assignments.common import points
    from autograder.assignments.two_layer.recorder import record

    secret = notebook_grading.course_secret(course)

    def drawn(student):
        with points.seeded(notebook_grading.seed_for(secret, "regression", student)):
            return record("regression", "hidden_weights", {"backward": lambda *a: None}, assignments.all_standins())

    a, b = drawn("a"), drawn("b")
    assert a["cases"][0] == b["cases"][0]  # the seed example the notebook shows
    assert a["cases"][1]["x"] != b["cases"][1]["x"] and a["cases"][1]["params"] != b["cases"][1]["params"]


def test_code_beside_learner_code_imports_nothing_of_the_grader():
    """autograder/sandboxed/ may import numpy, the standard library and itself: never the oracle,
    the mistake catalogue, the hidden checks, nor any other grader module."""
    for path in (REPO / "autograder" / "sandboxed").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                assert top in {"numpy", "autograder", "__future__"} or top in _stdlib(), f"{path}: imports {name}"
                if top == "autograder":
                    assert name.startswith("autograder.sandboxed"), f"{path}: imports {name}"


def _stdlib() -> set[str]:
    import sys
    return set(sys.stdlib_module_names)


def test_without_bubblewrap_the_grader_refuses_with_a_reason(monkeypatch):
    monkeypatch.setattr(jail.shutil, "which", lambda name: None)
    with pytest.raises(jail.SandboxUnavailable, match="apt-get install bubblewrap"):
        jail.check()
    monkeypatch.undo()
    assert os.path.exists(jail.shutil.which("bwrap"))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["warmup", "classification", "xor", "layers", "why", "quiz"])
def test_every_solution_gets_full_marks_through_the_sandbox(course, assignment):
    """Every assignment's recorders, stand-in gates and judge, through the real sandbox."""
    nb = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    folder = course / "submitted" / "ada" / assignment
    folder.mkdir(parents=True)
    if assignment == "quiz":  # ada's own numbers, shown by the helper beside the notebook
        quiz.solve(nb, "ada")
        nb.cells[1].source = nb.cells[1].source.replace('LEARNER_ID = ""', 'LEARNER_ID = "ada"')
        shutil.copy(REPO / "release" / "quiz" / quiz.HELPER, folder)
    outcome = notebook_grading.grade_notebook(nb, assignment, "ada", notebook_grading.course_secret(course), folder)
    assert outcome.stopped is None and outcome.cell_problems == []
    cells = notebook_grading.test_cells(nb)
    assert len(outcome.results) == len(cells) > 0
    assert {r.grade_id: r.score for r in outcome.results} == {c.grade_id: c.points for c in cells}


OBSERVER = """
import os
_left = sorted(n for n in os.listdir('/tmp') + os.listdir('.') if 'planted' in n)
_others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getppid(), os.getpid())]
if _left or _others:
    def forward(*args):
        raise RuntimeError(f"left behind: {_left} {_others}")
"""

PLANTER = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(0.5)
        for _ in range(3000):
            try:
                open('/tmp/planted-later', 'w').write('x')
            except Exception:
                pass
            time.sleep(0.01)
    os._exit(0)
open('/tmp/planted.py', 'w').write('X = 1')
open('planted-here', 'w').write('x')
os.makedirs('planted-dir/deeper')
open('planted-dir/deeper/f', 'w').write('x')
os.chmod('planted-dir/deeper', 0)
os.chmod('planted-dir', 0o500)
"""


@pytest.mark.slow
def test_a_warm_sandbox_leaves_the_next_learner_nothing(course):
    """What one recording leaves in a warm sandbox (a detached process still writing, files in the
    scratch folder and /tmp, a folder it cannot be entered) is gone before the next one starts."""
    with jail.WarmSandbox() as warm:
        assert scores(grade(course, notebook(OBSERVER, at=10**6), "first", warm=warm)) == FULL  # the observer is fair
        grade(course, notebook(PLANTER), "planter", warm=warm)
        after = grade(course, notebook(OBSERVER, at=10**6), "next", warm=warm)
        assert scores(after) == FULL, [r.feedback for r in after.results if r.score < r.points]
        assert (warm.recordings, warm.restarts) == (3, 0)  # cleaned in place, not by starting again


@pytest.mark.slow
def test_a_warm_sandbox_that_dies_is_replaced_without_losing_a_grade(course):
    killer = ("import os, signal\nfor _ in range(200):\n    try:\n        os.kill(-1, signal.SIGKILL)\n"
              "    except OSError:\n        pass")
    with jail.WarmSandbox() as warm:
        grade(course, notebook(killer), "killer", warm=warm)  # kills what it may: itself, never the zygote (root)
        assert scores(grade(course, notebook(OBSERVER, at=10**6), "next", warm=warm)) == FULL
        os.killpg(warm.proc.pid, 9)  # the whole sandbox gone, as if a recording had broken it
        assert scores(grade(course, notebook(OBSERVER, at=10**6), "after", warm=warm)) == FULL
        assert warm.restarts == 1


def test_a_zygote_that_dies_with_our_request_unread_counts_as_gone():
    """The race behind a once-flaky CI run: the sandbox killed from outside, its zygote still reports
    the recording's death, then dies with our "end" unread. recv then fails with ECONNRESET, not
    EOF; that too must mark the sandbox gone, or the learner would lose the retry (and the grade)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    control = jail._Control(ours)
    theirs.send(b'{"exited": -9}')
    assert control.receive() == {"exited": -9} and not control.gone
    ours.send(b'{"op": "end"}')
    theirs.close()  # with "end" unread
    with pytest.raises(OSError):
        control.receive()
    assert control.gone
    ours.close()


@pytest.mark.slow
def test_a_warm_sandbox_stops_an_endless_loop_and_grades_the_next(course):
    limits = jail.Limits(wall_seconds=3.0)
    with jail.WarmSandbox(limits) as warm:
        looping = grade(course, notebook("while True:\n    pass"), "loop", limits=limits, warm=warm)
        assert looping.stopped == limits.describe("wall")
        assert scores(grade(course, notebook(OBSERVER, at=10**6), "next", limits=limits, warm=warm)) == FULL
        assert warm.restarts == 0


@pytest.mark.slow
def test_warm_and_fresh_sandboxes_record_the_same(course):
    nb = notebook()
    job, _ = notebook_grading.recording_job(nb, "regression", "ada", notebook_grading.course_secret(course), {})
    fresh = notebook_grading.record(job)
    with jail.WarmSandbox() as warm:
        warmed = [notebook_grading.record(job, warm=warm) for _ in range(2)]
    with jail.WarmSandbox(known=RELEASED) as warm:
        warmed += [notebook_grading.record(job, warm=warm) for _ in range(2)]
    assert [w["messages"] for w in warmed] == [fresh["messages"]] * 4


@pytest.mark.slow
def test_known_cells_too_large_for_a_command_line_are_left_out(course):
    """The release's cells reach the zygote on its command line (at most 128 KiB an argument on Linux):
    just under the limit they are kept and the sandbox starts and records; over it they are left out,
    a speed-up lost, never a sandbox that cannot start."""
    near = ("x = 1\n# " + "a" * (jail.WarmSandbox.KNOWN_BYTES - 100),)
    over = ("s = '∂∂∂∂'\n" * 8_000,)  # fewer characters than the limit, more bytes once quoted
    assert sum(map(len, over)) < jail.WarmSandbox.KNOWN_BYTES
    assert jail.WarmSandbox(known=over).known == ()
    job, _ = notebook_grading.recording_job(notebook(), "regression", "ada", notebook_grading.course_secret(course), {})
    with jail.WarmSandbox(known=near) as warm:
        assert warm.known == near
        assert any(m.get("done") for m in notebook_grading.record(job, warm=warm)["messages"])
        assert warm.restarts == 0


def test_a_known_cell_is_compiled_once_and_runs_as_the_notebook_s_own_cell(monkeypatch):
    """The zygote compiles the release's cells once (`run.know`): a recording that finds one unchanged
    runs that code under the cell's own name (its functions' too, so errors say where) without
    compiling it; an edited cell is compiled as always."""
    from autograder.sandboxed import run

    monkeypatch.setattr(run, "_KNOWN", {})
    given = "import math\n%matplotlib inline\ndef f(x):\n    return math.log(x)\n"
    run.know((given, "def broken(:\n"))  # one that does not compile is left to fail where it runs

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(run, "compile", no_compile, raising=False)
    monkeypatch.setattr(run.drawing, "without_drawing", no_compile)
    namespace: dict = {}
    exec(run.compile_cell(given, "<cell given>"), namespace)  # noqa: S102
    assert namespace["f"].__code__.co_filename == "<cell given>"
    with pytest.raises(ValueError) as raised:
        namespace["f"](0.0)
    assert raised.traceback[-1].frame.code.raw.co_filename == "<cell given>"
    with pytest.raises(AssertionError, match="compiled again"):
        run.compile_cell(given + "x = 1\n", "<cell edited>")
    with pytest.raises(AssertionError, match="compiled again"):
        run.compile_cell("def broken(:\n", "<cell broken>")


@pytest.mark.slow
def test_hidden_points_are_those_of_drawing_one_candidate_at_a_time():
    """points._spread draws candidates in batches, but its values and every later draw must be those of
    the one-by-one rejection loop: stored results and learners' hidden points do not move."""
    import numpy as np

    from autograder.assignments.common import points

    def one_by_one(rng, low, high, size, min_gap):
        while True:
            v = rng.uniform(low, high, size)
            flat = np.sort(v.reshape(-1))
            if flat.size < 2 or np.min(np.diff(flat)) >= min_gap:
                return v

    for seed in range(200):
        for low, high, size, gap in ((-0.8, 0.8, 9, 0.04), (0.5, 9.5, 2, 0.7), (0.0, 1.0, 1, 0.5), (-1.0, 1.0, 6, 0.05),
                                  (0.0, 1.0, 5, 0.15)):  # the last: a fit in ≈ 1 % of draws, so several batches
            ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
            np.testing.assert_array_equal(points._spread(ours, low, high, size, gap),
                                          one_by_one(theirs, low, high, size, gap), strict=True)
            assert ours.uniform() == theirs.uniform()  # the generator is left where the loop leaves it


@pytest.mark.slow
def test_a_warm_sandbox_preloads_what_the_assignment_imports(course):
    """The warm sandbox imports the slow packages of the assignment's own notebook (sympy for the
    warm-up) once, in the zygote: each recording starts with them loaded (here seen by the notebook)."""
    before, after = "import sys\n_preloaded = 'sympy' in sys.modules", "if not _preloaded:\n    forward = None"
    nb = notebook(before, at=0)
    nb.cells.append(new_code_cell(after))
    with jail.WarmSandbox(preload=("sympy",)) as warm:
        assert scores(grade(course, nb, warm=warm)) == FULL
    with jail.WarmSandbox() as warm:
        assert scores(grade(course, nb, warm=warm))["test_forward"] == 0.0


@pytest.mark.slow
def test_warm_recordings_draw_their_own_random_numbers(course):
    """The zygote imports numpy.random once (every recording seeds it), yet each recording's unseeded
    draws, numpy's and Python's, are its own, as in a fresh process."""
    draw = "import random, numpy as np\nraise ValueError(repr((float(np.random.rand()), random.random())))"
    job, _ = notebook_grading.recording_job(notebook(draw, at=0), "regression", "ada",
                                            notebook_grading.course_secret(course), {})
    with jail.WarmSandbox() as warm:
        draws = [notebook_grading.record(job, warm=warm)["messages"][0]["cells"][0]["error"] for _ in range(3)]
    assert all(d.startswith("ValueError: (") for d in draws), draws
    numpy_draws, python_draws = zip(*(ast.literal_eval(d.removeprefix("ValueError: ")) for d in draws), strict=True)
    assert len(set(numpy_draws)) == 3 and len(set(python_draws)) == 3, draws


def test_a_reaped_sandbox_process_group_is_never_signalled(monkeypatch):
    """Once reaped, a sandbox's PID may already be another process's: killing its group then would
    hit a stranger (PIDs wrap at 32768 here). A live one is killed."""
    sent = []
    monkeypatch.setattr(jail.os, "killpg", lambda pid, sig: sent.append(pid))
    done = subprocess.Popen(["true"], start_new_session=True)
    done.wait()
    jail._kill_group(done)
    assert sent == []
    alive = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        jail._kill_group(alive)
        assert sent == [alive.pid]
    finally:
        alive.kill()
        alive.wait()
