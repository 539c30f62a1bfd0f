"""What goes into a sandbox beside a learner's notebook, and what is refused (the grader's side).

    staged = stage(root, assignment, root / "submitted" / student / assignment)
    staged.files     # name → base64, written into the sandbox's scratch folder
    staged.refused   # sentences for the learner's feedback, one per entry left out

Both doors (`backprop-course autograde`, `nbgrader autograde` with GradeInSandbox) stage through here.

**The rule: the sandbox gets the notebook's cells and the course's own files the assignment needs,
nothing else of the submission.**

- *The course's files.* A regular file of `source/<assignment>/` (not a notebook) is staged when a code
  cell of the assignment's own notebooks in `source/` names it: by its path, its file name or, for a
  Python module, its import name, as a whole word. Today that is `quiz_variants.py` for the quiz
  (`import quiz_variants as my`) and `name_the_mistake.py` for the other six (their setup cells import
  `named` from it; it holds no value, and the values it reads, `mistakes_at_example.json`, are named by
  no cell and not sent); `test_notebook.py`, the learner's local checker, is named by no cell and is not
  sent. A course file that is a link, or not a regular file,
  stops the grading of that notebook with `StagingError` (loudly, rather than grading without it).
- *The learner's files.* None is staged. The release notebooks open no file the learner provides (the
  notebook itself reaches the sandbox as cells, after nbgrader restored its test cells), and a learner's
  file named like a course file would be replaced by the course's anyway. A learner's own regular files
  are left out without a word; an assignment that ever asks for a file beside the notebook must be
  added here.
- *Read from the grader's own copy only:* `submitted/<student>/<assignment>/` (what `nbgrader collect`
  copied; `autograder.engine.exchange.SafeCollect` copies no link). Never from `autograded/`: nbgrader's
  autograde fills that folder with `shutil.copy`, which follows links.
- *Links are refused, never followed.* Every entry of the submission folder is looked at with `lstat`
  through directory descriptors opened with `O_NOFOLLOW` from the course root down, so neither the
  submission folder nor any folder on the way to it may be a link. An entry that is not a regular file
  with exactly one link (a symbolic link, a hard link: a hard link to the course secret has two, a
  FIFO, a socket, a device, a folder that is a link) gets a note in the learner's feedback. Course
  files are opened with `O_NOFOLLOW` and checked again on the open descriptor (a regular file, one
  link, the inode `lstat` saw).
- *nbgrader's own copies are deleted.* nbgrader's autograde copies the submission's other files into
  `autograded/` following links (and generate_feedback copies them on into `feedback/`): GradeInSandbox
  deletes the copies of the refused entries there (`scrub`) before anything else reads them.
- *A notebook that is not the learner's own regular file* (a link to a classmate's notebook, say) is
  not graded: `withhold` empties its cells but the test cells, so neither the sandbox, the autograded
  notebook nor the feedback sees the target's content, and the note says why.

The refused names are part of a result's key (`results.key`): a changed set of links regrades.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

SKIPPED_DIRS = frozenset({".ipynb_checkpoints", "__pycache__", "feedback"})  # nbgrader's CourseDirectory.ignore
MAX_ENTRIES = 10_000  # entries of a submission folder looked at (a folder of a million links is not walked)
MAX_DEPTH = 16
MAX_NOTES = 10  # refusal sentences in the feedback; past that, one sentence counts the rest
MAX_FILE_BYTES = 16 * 1024**2  # a course file (jail.Limits.file_bytes)

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # O_NONBLOCK: a FIFO raced in never blocks

log = logging.getLogger(__name__)


class StagingError(RuntimeError):
    """A course file the assignment needs cannot be staged safely (a link, not a regular file)."""


@dataclass
class Staged:
    files: dict[str, str] = field(default_factory=dict)  # name → base64
    refused: list[str] = field(default_factory=list)  # one sentence per entry left out, for the feedback
    own_notebooks: frozenset[str] = frozenset()  # notebook names (stems) that are the learner's own regular files
    refused_paths: list[str] = field(default_factory=list)  # the entries left out, relative to the submission folder

    def owns(self, notebook: str) -> bool:
        """Whether `notebook` (its stem) is a regular file with one link in the submission folder."""
        return notebook in self.own_notebooks


def stage(root: Path, assignment: str, submitted_folder: Path | None) -> Staged:
    """The files for the sandbox (the course's files the assignment needs) and the refusal notes of
    the submission folder (`submitted/<student>/<assignment>/`; None: the course's files only)."""
    files = course_files(Path(root), assignment)
    if submitted_folder is None:
        return Staged(dict(files))
    refused, own, paths = _look_at(Path(root), Path(submitted_folder))
    return Staged(dict(files), refused, own, paths)


def scrub(build_folder: Path, staged: Staged) -> list[str]:
    """Delete from `build_folder` (nbgrader's `autograded/<student>/<assignment>/`) the copies nbgrader's
    autograde made of the refused entries: it copies a submission's other files with `shutil.copy`,
    which follows links, and generate_feedback copies them on into `feedback/`. Returns what it deleted."""
    gone = []
    for rel in staged.refused_paths:
        if rel.endswith(".ipynb"):
            continue  # nbgrader copies no notebook this way: it writes them itself
        path = Path(build_folder, rel)
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                os.unlink(path)
                gone.append(rel)
        except OSError:
            continue
    return gone


def withhold(nb: NotebookNode, notebook: str) -> None:
    """Empty every cell of a notebook that is not the learner's own file, but its test cells (nbgrader
    restored those from the gradebook): nothing of the file it points to is run or shown."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            continue
        cell.source = (f"# Not graded: `{notebook}.ipynb` in your submission is not a regular file of its own."
                       if cell.cell_type == "code" else "")
        if cell.cell_type == "code":
            cell.outputs = []


# --- the learner's folder: looked at, never followed, nothing read --------------------------------


def _shown(name: str) -> str:
    """A learner-chosen name as the feedback shows it: printable, at most 80 characters."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name)
    return text if len(text) <= 80 else text[:77] + "…"


def describe_entry(info: os.stat_result) -> str:
    """What an entry that is not a regular file with one link is, in words."""
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISREG(mode):
        return f"a hard link (one of {info.st_nlink} names of the same file)"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"


def _note(name: str, info: os.stat_result | None) -> str:
    """The feedback's sentence for an entry left out (`info` None: a folder that turned out to be a link)."""
    where = f"`{_shown(name)}` in your submission"
    if info is None or stat.S_ISLNK(info.st_mode) or stat.S_ISREG(info.st_mode):
        kind = "a link" if info is None else describe_entry(info)
        return f"{where} is {kind}; links are not graded and were left out."
    return f"{where} is {describe_entry(info)}; only regular files are graded and it was left out."


def _open_under(root: Path, folder: Path) -> int:
    """A descriptor of `folder`, each folder from the course root down opened with O_NOFOLLOW (the root
    itself is the grader's): raises OSError if any of them is a link or not a folder."""
    try:
        parts = folder.relative_to(root).parts
    except ValueError:
        return os.open(folder, _DIR_FLAGS)  # outside the course (the project's own tests): itself, no link
    fd = os.open(root, _DIR_FLAGS & ~os.O_NOFOLLOW)
    try:
        for part in parts:
            nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


def _look_at(root: Path, folder: Path) -> tuple[list[str], frozenset[str], list[str]]:
    """(refusal sentences, the top-level notebooks that are regular files with one link, the paths refused)."""
    try:
        top = _open_under(root, folder)
    except FileNotFoundError:
        return ["Your submission folder was not found; nothing beside the notebook was graded."], frozenset(), []
    except OSError:  # ELOOP / ENOTDIR: a link (or a file) where a folder belongs
        return (["Your submission folder is a link or not a folder; links are not graded and it was left out."],
                frozenset(), [])
    left: list[tuple[str, os.stat_result | None]] = []
    own: set[str] = set()
    seen = 0

    def walk(fd: int, prefix: str, depth: int) -> None:
        nonlocal seen
        for name in sorted(os.listdir(fd)):
            seen += 1
            if seen > MAX_ENTRIES:
                return
            rel = prefix + name
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except OSError:
                continue  # gone meanwhile
            mode = info.st_mode
            if stat.S_ISDIR(mode):
                if name in SKIPPED_DIRS or depth >= MAX_DEPTH:
                    continue
                try:
                    sub = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except OSError:  # replaced by a link meanwhile
                    left.append((rel, None))
                    continue
                try:
                    walk(sub, rel + "/", depth + 1)
                finally:
                    os.close(sub)
            elif stat.S_ISREG(mode) and info.st_nlink == 1:
                if not prefix and name.endswith(".ipynb"):
                    own.add(name[: -len(".ipynb")])
            elif not name.endswith(".pyc"):  # nbgrader's ignore list; never staged either
                left.append((rel, info))

    try:
        walk(top, "", 0)
    finally:
        os.close(top)
    notes = [_note(rel, info) for rel, info in left]
    if len(notes) > MAX_NOTES:
        notes = notes[:MAX_NOTES] + [f"{len(notes) - MAX_NOTES} more entries of your submission are links or not "
                                     "regular files; they were left out too."]
    return notes, frozenset(own), [rel for rel, _ in left]


# --- the course's files: the ones the assignment's notebooks name -----------------------------------


def _read_plain(dir_fd: int, name: str, shown: str) -> bytes:
    """A course file's bytes: lstat, then opened with O_NOFOLLOW and checked again on the descriptor."""
    before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISREG(before.st_mode) or before.st_nlink != 1:
        raise StagingError(f"{shown} is {describe_entry(before)}: the grader stages only regular files with one link; "
                           "replace it with a plain copy.")
    fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    with os.fdopen(fd, "rb") as fh:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(now.st_mode) \
                or now.st_nlink != 1:
            raise StagingError(f"{shown} changed while it was being staged")
        if now.st_size > MAX_FILE_BYTES:
            raise StagingError(f"{shown} is larger than {MAX_FILE_BYTES // 1024**2} MB")
        return fh.read(MAX_FILE_BYTES + 1)


def _candidates(source: Path) -> list[tuple[str, os.stat_result]]:
    """Every entry of source/<assignment>/ but notebooks and skipped folders, never following a link:
    (relative path, lstat)."""
    out: list[tuple[str, os.stat_result]] = []

    def walk(fd: int, prefix: str, depth: int) -> None:
        for name in sorted(os.listdir(fd)):
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                if name not in SKIPPED_DIRS and depth < MAX_DEPTH:
                    sub = os.open(name, _DIR_FLAGS, dir_fd=fd)
                    try:
                        walk(sub, prefix + name + "/", depth + 1)
                    finally:
                        os.close(sub)
            elif not name.endswith((".ipynb", ".pyc")):
                out.append((prefix + name, info))

    fd = os.open(source, _DIR_FLAGS)
    try:
        walk(fd, "", 0)
    finally:
        os.close(fd)
    return out


def _code_of(source: Path) -> str:
    """The code cells of the assignment's notebooks in source/ (the instructor's), as one text."""
    import json

    texts = []
    for path in sorted(source.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            if cell.get("cell_type") == "code":
                src = cell.get("source", "")
                texts.append("".join(src) if isinstance(src, list) else src)
    return "\n".join(texts)


def _named(rel: str, code: str) -> bool:
    """Whether the code names the file `rel`: its path, its file name or (a .py) its import name, as a word."""
    names = {rel, rel.rsplit("/", 1)[-1]}
    if rel.endswith(".py"):
        names |= {rel[:-3].replace("/", "."), rel.rsplit("/", 1)[-1][:-3]}
    return any(re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", code) for n in names)


@functools.lru_cache(maxsize=32)
def _needed(source: str, fingerprint: tuple) -> tuple[str, ...]:
    code = _code_of(Path(source))
    return tuple(rel for rel, _ in _candidates(Path(source)) if _named(rel, code))


def needed_names(root: Path, assignment: str) -> tuple[str, ...]:
    """The course files of `source/<assignment>/` the assignment's notebooks name (recomputed when a
    notebook or file of that folder changes)."""
    source = Path(root) / "source" / assignment
    if not source.is_dir():
        return ()
    fingerprint = tuple((rel, info.st_mtime_ns, info.st_size, info.st_ino) for rel, info in _candidates(source))
    fingerprint += tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(source.glob("*.ipynb")))
    return _needed(str(source), fingerprint)


def course_files(root: Path, assignment: str) -> dict[str, str]:
    """The course's files the assignment needs (`needed_names`), base64, read without following links."""
    files = {}
    source = Path(root) / "source" / assignment
    for rel in needed_names(root, assignment):
        *folders, name = rel.split("/")
        try:
            fd = _open_under(Path(root), source.joinpath(*folders))
        except OSError as exc:
            raise StagingError(f"source/{assignment}/{rel}: a folder on its way is a link ({exc})") from None
        try:
            files[rel] = base64.b64encode(_read_plain(fd, name, f"source/{assignment}/{rel}")).decode()
        finally:
            os.close(fd)
    return files
