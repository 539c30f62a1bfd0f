"""Only the grader's own copy of regular files reaches a sandbox, and collect never copies a link's target.

A learner's submission folder holds a symbolic link to the course secret, hard links to the secret and
to the gradebook, and a symbolic link to a classmate's notebook, and the learner's code tries to print
all four into its feedback; another learner's notebook is itself a link to the classmate's. Through both
doors (`nbgrader autograde` with the course's configuration; `backprop-course autograde`) nothing of
them reaches the sandbox, the autograded notebook or the feedback, the feedback says what was left out,
and the honest classmate graded in the same run keeps full marks. Real nbgrader commands on real course
copies."""

import json
import os
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import assignments
from autograder.engine import batch, notebook_grading
from autograder.instruments.samples import SAMPLES, Sample, prepend, replace
from autograder.tools.course import Course

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "regression"
FULL = sum(assignments.points_of(ASSIGNMENT).values())
MARKER = "pia-private-7731"  # in the honest classmate's notebook only; the hostile code never spells it

# Reads each planted file and prints what it found from inside `forward` (what a function prints is
# quoted in the feedback). The classmate's marker is found without being spelled out here.
LEAK = '''
_leak = []
for _n in ("secret.txt", "secret_hard.txt", "gradebook.db", "classmate.txt"):
    try:
        _b = open(_n, "rb").read()
        _i = _b.find(b"pia-" + b"private")
        _leak.append(_n + "=" + repr(_b[:80] if _i < 0 else _b[_i:_i + 16]))
    except Exception as _e:
        _leak.append(_n + " " + type(_e).__name__)
'''
HOSTILE = Sample("mal", "reads the links it planted", edits={ASSIGNMENT: (
    prepend("forward", LEAK), replace("forward", "z1 = x @", 'print("\\n".join(_leak))\n    z1 = x @'))})
NOTES = {
    "secret.txt": "`secret.txt` in your submission is a symbolic link; links are not graded and were left out.",
    "classmate.txt": "`classmate.txt` in your submission is a symbolic link; links are not graded and were left out.",
    "secret_hard.txt": "`secret_hard.txt` in your submission is a hard link",
    "gradebook.db": "`gradebook.db` in your submission is a hard link",
}


def _plant(course: Course) -> str:
    """pia (honest, her notebook holds MARKER), mal (hostile, with the links), sly (her notebook is a link
    to pia's). Returns the course secret."""
    root = course.root
    secret = notebook_grading.course_secret(root).decode()
    release, source = root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    pia = root / "submitted" / "pia" / ASSIGNMENT
    pia.mkdir(parents=True)
    SAMPLES["ada"].make(ASSIGNMENT, release, source, pia / f"{ASSIGNMENT}.ipynb")
    nb = json.loads((pia / f"{ASSIGNMENT}.ipynb").read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "forward")
    cell["source"] = f"# {MARKER}\n" + "".join(cell["source"])
    (pia / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))
    mal = root / "submitted" / "mal" / ASSIGNMENT
    mal.mkdir(parents=True)
    HOSTILE.make(ASSIGNMENT, release, source, mal / f"{ASSIGNMENT}.ipynb")
    (mal / "secret.txt").symlink_to(root / notebook_grading.SECRET_FILE)
    os.link(root / notebook_grading.SECRET_FILE, mal / "secret_hard.txt")
    os.link(root / "gradebook.db", mal / "gradebook.db")
    (mal / "classmate.txt").symlink_to(Path("..", "..", "pia", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"))
    sly = root / "submitted" / "sly" / ASSIGNMENT
    sly.mkdir(parents=True)
    (sly / f"{ASSIGNMENT}.ipynb").symlink_to(pia / f"{ASSIGNMENT}.ipynb")
    return secret


def _seen(course: Course, secret: str) -> dict:
    """Per student: (the autograded notebook's text, the feedback page's text, the gradebook score, the
    files of their autograded/ and feedback/ folders holding the secret, the gradebook or MARKER)."""
    course.feedback(ASSIGNMENT)
    scores = batch.scores(course.root, ASSIGNMENT)
    out = {}
    for sid in ("pia", "mal", "sly"):
        graded = course.root / "autograded" / sid / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        page = course.root / "feedback" / sid / ASSIGNMENT / f"{ASSIGNMENT}.html"
        leaked = sorted(str(f.relative_to(course.root)) for step in ("autograded", "feedback")
                        for f in (course.root / step / sid).rglob("*") if f.is_file()
                        and any(bad in f.read_bytes() for bad in (secret.encode(), b"SQLite format", MARKER.encode())))
        out[sid] = (graded.read_text() if graded.exists() else None, page.read_text() if page.exists() else None,
                    scores.get(sid), leaked)
    return out


def _first_test_output(notebook_text: str) -> str:
    nb = json.loads(notebook_text)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("grade") and cell.get("outputs"):
            text = cell["outputs"][0]["text"]
            return "".join(text) if isinstance(text, list) else text
    raise AssertionError("no graded test cell")


@pytest.fixture(scope="module")
def doors(tmp_path_factory):
    course = Course.create(tmp_path_factory.mktemp("staging") / "course")
    course.generate(ASSIGNMENT)
    secret = _plant(course)
    course.autograde(ASSIGNMENT)  # door 2: nbgrader autograde, with the course's configuration
    second = _seen(course, secret)
    for name in ("autograded", "feedback", ".backprop-grader"):  # door 1 from scratch on the same gradebook
        shutil.rmtree(course.root / name)
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = None
        gb.db.commit()
    summary = batch.autograde(course.root, ASSIGNMENT, jobs=2, progress=False)  # door 1
    first = _seen(course, secret)
    return secret, {"nbgrader autograde": second, "backprop-course autograde": first}, summary


@pytest.mark.slow
@pytest.mark.parametrize("door", ["nbgrader autograde", "backprop-course autograde"])
def test_links_in_a_submission_never_reach_the_sandbox_nor_the_feedback(doors, door):
    secret, seen, summary = doors
    graded, page, score, leaked = seen[door]["mal"]
    assert graded is not None and page is not None
    assert leaked == []  # nor nbgrader's copies beside them (autograde copies other files through links)
    for text in (graded, page):
        assert secret not in text
        assert "SQLite format" not in text
        assert MARKER not in text
    said = _first_test_output(graded)
    assert said.startswith("About your submission:"), said
    for note in NOTES.values():
        assert note in said, said
        assert note.split(";")[0].replace("`", "") in page.replace("`", ""), note
    assert "secret.txt FileNotFoundError" in said  # the learner's code ran and found nothing there
    assert score == FULL  # the hostile learner's own (correct) code is still graded
    pia_graded, pia_page, pia_score, _ = seen[door]["pia"]
    assert pia_score == FULL and "About your submission" not in pia_graded  # the honest classmate: full marks, no note
    assert summary["problems"] == [] and summary["regraded"] == 0, summary  # the doors agree on what was staged


@pytest.mark.slow
def test_a_notebook_that_is_a_link_to_a_classmate_s_is_not_graded(doors):
    """sly's notebook is a link to pia's: nbgrader autograde reads through it, but nothing of pia's work is
    run, written into sly's autograded notebook or feedback; she scores 0 and is told why. The parallel
    door does not take a linked notebook at all."""
    _, seen, _ = doors
    graded, page, score, leaked = seen["nbgrader autograde"]["sly"]
    assert MARKER not in graded and MARKER not in page and leaked == []
    assert "`regression.ipynb` in your submission is a symbolic link" in _first_test_output(graded)
    assert score == 0.0
    assert seen["nbgrader autograde"]["pia"][2] == FULL
    assert seen["backprop-course autograde"]["sly"][:2] == (None, None)


@pytest.mark.slow
def test_collect_copies_no_planted_link_target(tmp_path):
    """Links a learner plants in the world-writable inbound folder: inside a real submission (to a file
    outside, to a folder of the course, a hard link) and as a whole fake submission (a link to a folder
    outside). `nbgrader collect` with the course's configuration copies none of their targets, still
    collects the real files, and logs what it left out."""
    course = Course.create(tmp_path / "course")
    inbound = course.exchange / "backprop" / "inbound"
    inbound.mkdir(parents=True)
    inbound.chmod(0o2733)  # as release_assignment makes it: anyone may write, no one but the instructor list
    # mal's submission as `nbgrader submit` lays it out (the student-side commands cost ≈ 6 s each)
    submission = inbound / "mal+regression+2030-01-01 10:00:00.000000 UTC+AbCdEfGhIjKl"
    submission.mkdir()
    for name in (f"{ASSIGNMENT}.ipynb", "test_notebook.py"):
        shutil.copy(REPO / "release" / ASSIGNMENT / name, submission / name)
    (submission / "timestamp.txt").write_text("2030-01-01 10:00:00.000000 UTC")
    submission.chmod(0o777)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target.txt").write_text("OUTSIDE-TARGET-CONTENT\n")
    (outside / f"{ASSIGNMENT}.ipynb").write_text("OUTSIDE-NOTEBOOK")
    (outside / "hard.txt").write_text("OUTSIDE-HARD-CONTENT\n")
    (submission / "planted.txt").symlink_to(outside / "target.txt")
    (submission / "linked_dir").symlink_to(course.root / "source")
    os.link(outside / "hard.txt", submission / "hard.txt")
    fake = inbound / (submission.name.replace("mal+", "eve+", 1))
    fake.symlink_to(outside, target_is_directory=True)

    log = course.run("collect", ASSIGNMENT)

    collected = course.root / "submitted" / "mal" / ASSIGNMENT
    names = {p.relative_to(collected).as_posix() for p in collected.rglob("*")}
    assert {f"{ASSIGNMENT}.ipynb", "test_notebook.py", "timestamp.txt"} <= names, names
    assert not {"planted.txt", "hard.txt", "linked_dir"} & names, names
    for path in collected.rglob("*"):
        assert not path.is_symlink()
        if path.is_file():
            assert b"OUTSIDE-" not in path.read_bytes(), path
    assert json.loads((collected / f"{ASSIGNMENT}.ipynb").read_text())["cells"]  # the real notebook, whole
    assert not (course.root / "submitted" / "eve").exists()
    for what in ("planted.txt: a symbolic link", "linked_dir: a symbolic link", "hard.txt: a hard link", "eve+"):
        assert what in log, log


def test_stage_refuses_links_and_special_files_anywhere_and_follows_none(tmp_path):
    """staging.stage on a submission folder under a course root: every kind of entry that is not a
    regular file with one link gets a note (a FIFO is never opened: nothing blocks), linked folders are
    not entered, the learner's own regular files are not staged, and a submission folder reached through
    a link is refused whole."""
    from autograder.engine import staging

    root = tmp_path / "course"
    shutil.copytree(REPO / "source" / "quiz", root / "source" / "quiz")
    (root / ".backprop-secret").write_text("s3cret")
    folder = root / "submitted" / "mal" / "quiz"
    (folder / "deep" / "er").mkdir(parents=True)
    (folder / "quiz.ipynb").write_text("{}")
    (folder / "mine.py").write_text("x = 1")
    (folder / "quiz_variants.py").write_text("FORGED = True")  # the course's copy wins
    (folder / "deep" / "er" / "up.txt").symlink_to(root / ".backprop-secret")
    (folder / "linked").symlink_to(root / "source", target_is_directory=True)
    os.link(root / ".backprop-secret", folder / "deep" / "hard")
    os.mkfifo(folder / "pipe")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "x").symlink_to(root / ".backprop-secret")  # nbgrader ignores the folder

    staged = staging.stage(root, "quiz", folder)
    assert set(staged.files) == {"quiz_variants.py"}
    assert b"FORGED" not in __import__("base64").b64decode(staged.files["quiz_variants.py"])
    assert staged.refused == [
        "`deep/er/up.txt` in your submission is a symbolic link; links are not graded and were left out.",
        "`deep/hard` in your submission is a hard link (one of 2 names of the same file); links are not graded and "
        "were left out.",
        "`linked` in your submission is a symbolic link; links are not graded and were left out.",
        "`pipe` in your submission is a named pipe (FIFO); only regular files are graded and it was left out.",
    ]
    assert staged.owns("quiz")

    (root / "submitted" / "sly").mkdir()
    (root / "submitted" / "sly" / "quiz").symlink_to(folder, target_is_directory=True)
    via_link = staging.stage(root, "quiz", root / "submitted" / "sly" / "quiz")
    assert via_link.refused == ["Your submission folder is a link or not a folder; links are not graded and it was "
                                "left out."]
    assert not via_link.owns("quiz")
    (folder / "quiz.ipynb").unlink()
    (folder / "quiz.ipynb").symlink_to(root / "source" / "quiz" / "quiz.ipynb")
    assert not staging.stage(root, "quiz", folder).owns("quiz")

    for k in range(30):
        (folder / f"l{k:02}").symlink_to("/etc/passwd")
    many = staging.stage(root, "quiz", folder).refused
    assert len(many) == staging.MAX_NOTES + 1 and many[-1].startswith("25 more entries")


def test_only_the_course_files_a_notebook_names_are_staged_and_never_through_a_link(tmp_path):
    from autograder.engine import staging

    assert {a: set(staging.stage(REPO, a, None).files) for a in ("warmup", "regression", "quiz")} == {
        "warmup": {"name_the_mistake.py"}, "regression": {"name_the_mistake.py"},  # the setup cell imports it
        "quiz": {"quiz_variants.py"}}  # test_notebook.py and mistakes_at_example.json are named by no cell
    root = tmp_path / "course"
    shutil.copytree(REPO / "source" / "quiz", root / "source" / "quiz")
    helper = root / "source" / "quiz" / "quiz_variants.py"
    helper.unlink()
    helper.symlink_to(REPO / "source" / "quiz" / "quiz_variants.py")
    with pytest.raises(staging.StagingError, match="symbolic link"):
        staging.stage(root, "quiz", None)


def test_a_changed_set_of_refused_entries_changes_the_result_key():
    import nbformat

    from autograder.engine import results

    nb = nbformat.read(REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    keys = {results.key(nb, ASSIGNMENT, "mal", b"s", {}, refused) for refused in ([], ["a"], ["a", "b"])}
    assert len(keys) == 3
