"""The red team's harness machinery: build courses, submit learners, grade them through both doors, and
judge what must hold. `tests/test_attacks.py` turns it into pytest tests; `python -m tests.attacks.runner`
runs a batch and prints a table (the same checks).

One batch is one course per door plus one baseline course, all with the same course secret (written
before grading, mode 0600) so that every student id gets the same hidden points in all three:

- per assignment, students in this order: an honest learner (a correct solution notebook), an attacker,
  its reader when the attack is a carrier (the untouched release notebook plus the reader's cell), the
  next honest learner, the next attacker, ... so each attacker has an honest learner graded just before
  it (`honest_a`) and one just after (`honest_b`); readers of carriers are graded once more in a second
  run of the same door (`late` readers: what survives a grading run);
- the baseline course holds the same student ids with the attack cells left out (the attacker's notebook
  without its cell, or with the attack's BASELINE_CODE when it has one; readers as the untouched release);
  it is graded once, through `backprop-course autograde`;
- door "backprop": `backprop-course autograde A --jobs 2` (parallel workers, warm sandboxes, the order
  it chooses: longest expected first; whether a reader shares its writer's sandbox depends on that order);
  door "backprop-serial": the same with `--jobs 1` (one warm sandbox reused for every notebook, one after
  another: a reader always follows its writer in the same sandbox); door "nbgrader": `nbgrader autograde A`
  with the course's config (serial, in sorted student order). Then `nbgrader generate_feedback A` and
  `backprop-course report`.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ATTACKS_DIR = Path(__file__).resolve().parent
DOORS = ("backprop", "backprop-serial", "nbgrader")
MARKER = re.compile(r"RT(LEAK|BREACH|INJECT)<<([\w.-]+):([^>]*)>>([^\n|]{0,300})")
XSS = re.compile(r"<rtxss-([\w-]+)")
COMMAND_SECONDS = 3600


# --- the attacks --------------------------------------------------------------------------------------

@dataclass
class Attack:
    name: str
    assignment: str
    goal: str
    code: str
    with_solution: bool
    reader_code: str | None = None
    position: str = "end"  # "end": after every cell; "start": right after the setup/check cells
    baseline_code: str | None = None  # the control: what the attacker's notebook holds without the attack
    code_end: str | None = None  # with position "start": a second cell, appended after every cell

    @property
    def carrier(self) -> bool:
        return self.reader_code is not None


def load_attacks(names: list[str] | None = None) -> dict[str, Attack]:
    out = {}
    for path in sorted(ATTACKS_DIR.glob("*.py")):
        if path.name.startswith("_") or path.stem == "runner":
            continue
        if names is not None and path.stem not in names:
            continue
        spec = importlib.util.spec_from_file_location(f"rt_attack_{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out[path.stem] = Attack(name=path.stem, assignment=mod.ASSIGNMENT, goal=mod.GOAL, code=mod.CODE,
                                with_solution=bool(getattr(mod, "WITH_SOLUTION", False)),
                                reader_code=getattr(mod, "READER_CODE", None),
                                position=getattr(mod, "POSITION", "end"),
                                baseline_code=getattr(mod, "BASELINE_CODE", None),
                                code_end=getattr(mod, "CODE_END", None))
    return out


# --- notebooks ----------------------------------------------------------------------------------------

def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _source(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _code_cell(source: str, cell_id: str) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "source": source, "outputs": [],
            "execution_count": None}


def release_notebook(root: Path, assignment: str) -> dict:
    return json.loads((root / "release" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))


def solution_notebook(root: Path, assignment: str) -> dict:
    """The release notebook with every solution cell replaced by the solution's (solutions/)."""
    nb = release_notebook(root, assignment)
    sol = json.loads((REPO / "solutions" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    answers = {_nbgrader(c)["grade_id"]: _source(c) for c in sol["cells"] if _nbgrader(c).get("solution")}
    for cell in nb["cells"]:
        gid = _nbgrader(cell).get("grade_id")
        if _nbgrader(cell).get("solution") and gid in answers:
            cell["source"] = answers[gid]
    return nb


def with_cells(nb: dict, code: str | None, position: str = "end", extra: str | None = None,
               code_end: str | None = None) -> dict:
    nb = json.loads(json.dumps(nb))
    cells = nb["cells"]
    if code:
        cell = _code_cell(code, "rt-attack")
        if position == "start":
            first_solution = next(i for i, c in enumerate(cells) if _nbgrader(c).get("solution"))
            cells.insert(first_solution, cell)
        else:
            cells.append(cell)
        if code_end:
            cells.append(_code_cell(code_end, "rt-attack-end"))
        cells.append(_code_cell("try:\n    _rt_install()\nexcept NameError:\n    pass\n", "rt-report"))
    if extra:
        cells.append(_code_cell(extra, "rt-extra"))
    for cell in cells:
        cell.setdefault("id", uuid.uuid4().hex[:12])
    return nb


def fill(code: str | None, attack: Attack, nonce: str) -> str | None:
    return None if code is None else code.replace("@RTNAME@", attack.name).replace("@RTNONCE@", nonce)


# --- the plan of a batch ------------------------------------------------------------------------------

@dataclass
class Student:
    sid: str
    role: str  # honest | attacker | reader | late
    assignment: str
    attack: str | None = None

    def notebook(self, root: Path, attacks: dict[str, Attack], nonce: str, baseline: bool) -> dict | None:
        """The submitted notebook (None: not submitted in this course)."""
        a = attacks.get(self.attack) if self.attack else None
        if self.role == "honest":
            return solution_notebook(root, self.assignment)
        if self.role == "attacker":
            nb = solution_notebook(root, self.assignment) if a.with_solution else release_notebook(root, self.assignment)
            if baseline:
                return with_cells(nb, None, extra=fill(a.baseline_code, a, nonce))
            return with_cells(nb, fill(a.code, a, nonce), a.position, code_end=fill(a.code_end, a, nonce))
        if self.role in ("reader", "late"):
            nb = release_notebook(root, self.assignment)
            return with_cells(nb, None) if baseline else with_cells(nb, fill(a.reader_code, a, nonce), "end")
        raise ValueError(self.role)


def plan(attacks: dict[str, Attack]) -> dict[str, list[Student]]:
    """Per assignment, the students of the main run in submission order (late readers last)."""
    out: dict[str, list[Student]] = {}
    by_assignment: dict[str, list[Attack]] = {}
    for a in attacks.values():
        by_assignment.setdefault(a.assignment, []).append(a)
    for assignment, group in sorted(by_assignment.items()):
        students = [Student("s000h", "honest", assignment)]
        for k, a in enumerate(group):
            students.append(Student(f"s{2 * k + 1:03d}a_{a.name}", "attacker", assignment, a.name))
            if a.carrier:
                students.append(Student(f"s{2 * k + 1:03d}b_{a.name}", "reader", assignment, a.name))
            students.append(Student(f"s{2 * k + 2:03d}h", "honest", assignment))
        for a in group:
            if a.carrier:
                students.append(Student(f"z_late_{a.name}", "late", assignment, a.name))
        out[assignment] = students
    return out


def neighbours(students: list[Student], attack: str) -> tuple[str, str]:
    """honest_a and honest_b of an attack: the honest learners submitted just before and just after it."""
    sids = [s.sid for s in students]
    k = next(i for i, s in enumerate(students) if s.attack == attack and s.role == "attacker")
    before = next(students[i].sid for i in range(k, -1, -1) if students[i].role == "honest")
    after = next(students[i].sid for i in range(k, len(sids)) if students[i].role == "honest")
    return before, after


# --- running ------------------------------------------------------------------------------------------

def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("JUPYTERHUB_USER", None)
    return env


@dataclass
class Command:
    argv: list[str]
    returncode: int
    output: str
    seconds: float


def run(argv: list[str], cwd: Path) -> Command:
    start = time.monotonic()
    try:
        done = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, timeout=COMMAND_SECONDS)
        code, out = done.returncode, (done.stdout + b"\n" + done.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired as exc:
        code, out = -999, f"TIMED OUT after {COMMAND_SECONDS} s\n" + ((exc.stdout or b"") + (exc.stderr or b"")).decode(
            "utf-8", "replace")
    return Command(argv, code, out, time.monotonic() - start)


def autograde(door: str, root: Path, assignment: str, jobs: int) -> Command:
    if door.startswith("backprop"):
        return run([sys.executable, "-m", "autograder.tools.cli", "autograde", assignment, "--course", str(root),
                    "--jobs", "1" if door == "backprop-serial" else str(jobs), "--quiet", "--show-scores"], root)
    return run([sys.executable, "-m", "nbgrader", "autograde", assignment], root)


_TEMPLATES: dict[tuple[str, ...], Path] = {}


def make_course(path: Path, assignments: list[str], secret: str) -> Path:
    """A fresh course with these assignments generated and this secret (a copy of a template made once)."""
    from autograder.tools.course import Course

    key = tuple(sorted(assignments))
    if key not in _TEMPLATES or not _TEMPLATES[key].exists():
        template = path.parent / ("template-" + "-".join(key))
        if template.exists():
            shutil.rmtree(template)
        course = Course.create(template)
        for a in key:
            course.generate(a)
        _TEMPLATES[key] = template
    template = _TEMPLATES[key]
    if path.exists():
        shutil.rmtree(path)
    shutil.copytree(template, path, symlinks=True)
    config = path / "nbgrader_config.py"
    config.write_text(config.read_text().replace(repr(str(template)), repr(str(path))).replace(
        str(template) + "/", str(path) + "/"))
    s = path / ".backprop-secret"
    s.write_text(secret)
    os.chmod(s, 0o600)
    return path


def submit(root: Path, student: Student, nb: dict) -> None:
    dest = root / "submitted" / student.sid / student.assignment
    dest.mkdir(parents=True, exist_ok=True)
    (dest / f"{student.assignment}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")


def gradebook(root: Path, assignment: str) -> dict[str, dict[str, tuple[float | None, float]]]:
    """student -> {grade cell: (score, max score)} for one assignment."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            cells = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    score = g.manual_score if g.manual_score is not None else g.auto_score
                    cells[g.name] = (None if score is None else float(score), float(g.max_score))
            out[sub.student.id] = cells
    return out


def _notebook_text(path: Path) -> str:
    try:
        nb = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except ValueError:
        return path.read_text(encoding="utf-8", errors="replace")
    parts = []
    for c in nb.get("cells", []):
        parts.append(_source(c))
        for o in c.get("outputs", []) or []:
            for key in ("text", "traceback", "evalue", "ename"):
                v = o.get(key)
                if v:
                    parts.append("".join(v) if isinstance(v, list) else str(v))
            for v in (o.get("data") or {}).values():
                parts.append("".join(v) if isinstance(v, list) else json.dumps(v))
    return "\n".join(parts)


@dataclass(repr=False)
class DoorResult:
    door: str
    root: Path
    secret: str
    commands: list[Command] = field(default_factory=list)
    grades: dict[str, dict] = field(default_factory=dict)  # assignment -> gradebook()
    texts: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (assignment, student) -> {kind: text}
    html: dict[str, str] = field(default_factory=dict)  # path -> raw html (feedback and reports)
    sizes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def output(self) -> str:
        return "\n".join(c.output for c in self.commands)


def collect(result: DoorResult, students: dict[str, list[Student]]) -> None:
    root = result.root
    for assignment, group in students.items():
        result.grades[assignment] = gradebook(root, assignment)
        for s in group:
            texts = {}
            ag = root / "autograded" / s.sid / assignment / f"{assignment}.ipynb"
            fb = root / "feedback" / s.sid / assignment / f"{assignment}.html"
            if ag.exists():
                texts["autograded"] = _notebook_text(ag)
            if fb.exists():
                raw = fb.read_text(encoding="utf-8", errors="replace")
                result.html[str(fb)] = raw
                result.sizes[str(fb)] = fb.stat().st_size
                texts["feedback"] = html.unescape(raw)
            result.texts[assignment, s.sid] = texts
    for page in (root / "reports").rglob("*.html") if (root / "reports").exists() else []:
        result.html[str(page)] = page.read_text(encoding="utf-8", errors="replace")
    for page in (root / "reports").rglob("*.csv") if (root / "reports").exists() else []:
        result.texts["report", page.name] = {"report": page.read_text(encoding="utf-8", errors="replace")}


def grade_door(door: str, path: Path, students: dict[str, list[Student]], attacks: dict[str, Attack], nonce: str,
               secret: str, jobs: int) -> DoorResult:
    start = time.monotonic()
    root = make_course(path, sorted(students), secret)
    result = DoorResult(door, root, secret)
    for assignment, group in students.items():
        for s in group:
            if s.role != "late":
                submit(root, s, s.notebook(root, attacks, nonce, baseline=False))
        result.commands.append(autograde(door, root, assignment, jobs))
        late = [s for s in group if s.role == "late"]
        for s in late:  # a second run of the same door: what a carrier left behind for later runs
            submit(root, s, s.notebook(root, attacks, nonce, baseline=False))
        if late:
            result.commands.append(autograde(door, root, assignment, jobs))
        result.commands.append(run([sys.executable, "-m", "nbgrader", "generate_feedback", assignment, "--force"],
                                   root))
    result.commands.append(run([sys.executable, "-m", "autograder.tools.cli", "report", "--course", str(root),
                                "--out", str(root / "reports")], root))
    collect(result, students)
    result.seconds = time.monotonic() - start
    _keep_logs(result)
    return result


def _keep_logs(result: DoorResult) -> None:
    for k, c in enumerate(result.commands):
        (result.root.parent / f"{result.door}-{k:02d}-{'-'.join(c.argv[2:4]).replace('/', '_')}.log").write_text(
            f"$ {' '.join(c.argv)}\nexit {c.returncode} after {c.seconds:.1f} s\n\n{c.output}", encoding="utf-8")


def grade_baseline(path: Path, students: dict[str, list[Student]], attacks: dict[str, Attack], nonce: str,
                   secret: str, jobs: int) -> DoorResult:
    start = time.monotonic()
    root = make_course(path, sorted(students), secret)
    result = DoorResult("baseline", root, secret)
    for assignment, group in students.items():
        for s in group:
            submit(root, s, s.notebook(root, attacks, nonce, baseline=True))
        result.commands.append(autograde("backprop", root, assignment, jobs))
    collect(result, students)
    result.seconds = time.monotonic() - start
    _keep_logs(result)
    return result


# --- what must hold -----------------------------------------------------------------------------------

def solution_lines() -> dict[str, list[str]]:
    """Distinctive lines of the correct implementations (solutions/ minus what the release shows)."""
    out = {}
    for nb_path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        a = nb_path.parent.name
        release = "\n".join(_source(c) for c in json.loads((REPO / "release" / a / f"{a}.ipynb").read_text(
            encoding="utf-8"))["cells"])
        lines = []
        for c in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
            if not _nbgrader(c).get("solution"):
                continue
            for line in _source(c).splitlines():
                code = line.split("#")[0].strip()
                if len(code) >= 24 and code not in release and "BEGIN" not in code and not code.startswith(
                        ("def ", "return {", "\"\"\"")):
                    lines.append(code)
        out[a] = lines
    return out


def secret_forms(secret: str) -> list[str]:
    s = secret.strip()
    return [s, s.upper(), s[:32], s[32:]] if len(s) >= 64 else [s]


def pwned_files(nonce: str) -> dict[str, str]:
    """Files a payload wrote from *outside* the sandbox (the host's /tmp): learner code ran in the grader."""
    out = {}
    for p in Path("/tmp").glob(f"rt-pwned-{nonce}-*"):
        try:
            out[p.name[len(f"rt-pwned-{nonce}-"):]] = p.read_text(errors="replace")[:300]
        except OSError:
            out[p.name] = "?"
    return out


@dataclass(repr=False)
class Batch:
    attacks: dict[str, Attack]
    students: dict[str, list[Student]]
    nonce: str
    secret: str
    baseline: DoorResult
    doors: dict[str, DoorResult]
    pwned: dict[str, dict[str, str]]  # door -> attack -> what the payload wrote
    seconds: float

    def __repr__(self) -> str:
        return f"<batch of {len(self.attacks)} attacks through {sorted(self.doors)} in {self.seconds:.0f} s>"


def _scores(cells: dict | None) -> dict[str, float] | None:
    return None if cells is None else {k: (v[0] if v[0] is not None else 0.0) for k, v in cells.items()}


def _total(cells: dict | None) -> float:
    return sum(_scores(cells).values()) if cells else 0.0


def check(batch: Batch, attack: str, door: str) -> list[str]:
    """Every failed promise for one attack through one door (empty: the attack failed, as it should)."""
    a = batch.attacks[attack]
    students = batch.students[a.assignment]
    r, base = batch.doors[door], batch.baseline
    grades, base_grades = r.grades[a.assignment], base.grades[a.assignment]
    mine = [s for s in students if s.attack == attack]
    attacker = next(s.sid for s in mine if s.role == "attacker")
    honest = neighbours(students, attack)
    problems = []
    failed_loudly = [c for c in r.commands if c.returncode != 0]

    def named(sid: str) -> bool:
        return any(sid in c.output for c in failed_loudly)

    # bystanders: the same scores as without the attacker (full marks when the baseline has them)
    for sid in honest:
        got, want = grades.get(sid), base_grades.get(sid)
        if got is None or any(v[0] is None for v in got.values()) or "autograded" not in r.texts.get(
                (a.assignment, sid), {}):
            problems.append(f"bystander {sid} has no grade" + (" (the run failed and named it)" if named(sid) else
                                                               " and the run did not say why"))
        elif _scores(got) != _scores(want):
            lost = {k: (want[k][0], got[k][0]) for k in got if want and got[k][0] != want[k][0]}
            problems.append(f"bystander {sid} scored {_total(got)} instead of {_total(want)}: {lost}")
    # the attacker and its readers: no more than the same notebook without the attack, cell by cell
    for s in mine:
        got, want = grades.get(s.sid), base_grades.get(s.sid)
        graded = got is not None and all(v[0] is not None for v in got.values()) and "autograded" in r.texts.get(
            (a.assignment, s.sid), {})
        if not graded:
            if not named(s.sid):  # failing loudly, naming the notebook, is allowed for the attacker
                problems.append(f"{s.role} {s.sid} was not graded (no autograded notebook or no score) and no "
                                f"failing command names it")
            if got is None:
                continue
        gained = {k: (want[k][0] if want else None, v[0]) for k, v in got.items()
                  if v[0] is not None and v[0] > ((want or {}).get(k, (0.0,))[0] or 0.0) + 1e-9}
        if gained:
            problems.append(f"{s.role} {s.sid} gained points over its control: {gained}")
    # failing loudly: a failed command must name a notebook
    for c in failed_loudly:
        everyone = [s.sid for g in batch.students.values() for s in g]
        if not any(sid in c.output for sid in everyone):
            problems.append(f"`{' '.join(c.argv[2:5])}` exited {c.returncode} naming no notebook: {c.output[-300:]!r}")
    # nothing secret or correct leaks: the secret anywhere; solution lines where the learner had none;
    # markers the attack printed when it found something
    secrets_ = secret_forms(r.secret)
    lines = solution_lines().get(a.assignment, [])
    holders = {s.sid for s in students if s.role == "honest"} | ({attacker} if a.with_solution else set())
    for (assignment, sid), texts in r.texts.items():
        for kind, text in texts.items():
            if any(x in text for x in secrets_):
                problems.append(f"the course secret is in the {kind} of {sid} ({assignment})")
            if assignment == a.assignment and sid not in holders and sid in {s.sid for s in mine}:
                hits = [ln for ln in lines if ln in text]
                if hits:
                    problems.append(f"a correct implementation is in the {kind} of {sid}: {hits[:3]}")
            for m in MARKER.finditer(text):
                if m.group(2) == attack and not _public(m):
                    problems.append(f"{kind} of {sid}: RT{m.group(1)} {m.group(3)}{m.group(4)[:200]}")
    if any(x in r.output for x in secrets_):
        problems.append("the course secret is in the printed output")
    if lines and not a.with_solution and any(ln in r.output for ln in lines):
        problems.append("a correct implementation is in the printed output")
    for m in MARKER.finditer(r.output):
        if m.group(2) == attack and not _public(m):
            problems.append(f"printed output: RT{m.group(1)} {m.group(3)}{m.group(4)[:200]}")
    for page, raw in r.html.items():
        for m in XSS.finditer(raw):
            if m.group(1) == attack:
                problems.append(f"unescaped learner HTML in {Path(page).name}: {raw[m.start():m.start() + 80]!r}")
        if r.sizes.get(page, 0) > 2_000_000:
            problems.append(f"{Path(page).name} is {r.sizes[page]} bytes")
    if attack in batch.pwned.get(door, {}):
        problems.append(f"learner code ran in the grader's process (wrote {batch.pwned[door][attack]!r})")
    return sorted(set(problems), key=problems.index)


def _public(m: re.Match) -> bool:
    """A "stand-in" the attack found that is the learner host's own proxy (`autograder/sandboxed/run.py`,
    mounted in every sandbox, public): it holds no answer, only the request for one. Flagged by the
    attack, which cannot tell; not a leak. Its points and any correct code in outputs are checked apart."""
    return m.group(1) == "LEAK" and m.group(3).startswith("standin-") and "def grader_function(" in m.group(4)


# --- host hygiene -------------------------------------------------------------------------------------

CLEANUP_AS_NOBODY = r"""
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
tag = ("rt-backprop-" + sys.argv[1]).encode()
rings = [-1, -2, -3, -4, -5]
p = libc.syscall(ctypes.c_long(250), ctypes.c_long(22), ctypes.c_long(-1), ctypes.c_long(0))  # persistent
if p > 0:
    rings.append(p)
for ring in rings:
    buf = (ctypes.c_int32 * 4096)()
    n = libc.syscall(ctypes.c_long(250), ctypes.c_long(11), ctypes.c_long(ring), buf, ctypes.c_long(4 * 4096))
    for key in list(buf)[: max(0, min(n, 4 * 4096)) // 4]:
        desc = ctypes.create_string_buffer(512)
        libc.syscall(ctypes.c_long(250), ctypes.c_long(6), ctypes.c_long(key), desc, ctypes.c_long(512))  # DESCRIBE
        if tag in desc.value:
            libc.syscall(ctypes.c_long(250), ctypes.c_long(21), ctypes.c_long(key))  # KEYCTL_INVALIDATE
"""


def cleanup_host(nonce: str) -> None:
    """Remove what carriers may have left outside the sandboxes (nobody's keyrings, host files)."""
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    as_nobody = (lambda: (os.setgid(65534), os.setuid(65534))) if os.geteuid() == 0 else None
    for preexec in (as_nobody, None):
        try:
            subprocess.run([python, "-c", CLEANUP_AS_NOBODY, nonce], preexec_fn=preexec, capture_output=True, timeout=60,
                           check=False, cwd="/")
        except (OSError, subprocess.SubprocessError):
            pass
    for d in ("/tmp", "/dev/shm", "/var/tmp"):
        for p in Path(d).glob(f"rt-*{nonce}*"):
            try:
                p.unlink()
            except OSError:
                pass


def run_batch(attacks: dict[str, Attack], workdir: Path, doors=DOORS, jobs: int = 2, say=print) -> Batch:
    start = time.monotonic()
    nonce = secrets.token_hex(6)
    secret = secrets.token_hex(32)
    students = plan(attacks)
    try:
        say(f"baseline: {sum(len(g) for g in students.values())} students in {len(students)} assignments")
        baseline = grade_baseline(workdir / "baseline", students, attacks, nonce, secret, jobs)
        say(f"  {baseline.seconds:.0f} s: " + ", ".join(f"{' '.join(c.argv[2:4])} {c.seconds:.0f} s" for c in baseline.commands))
        results, pwned = {}, {}
        for door in doors:
            say(f"door {door}")
            results[door] = grade_door(door, workdir / door, students, attacks, nonce, secret, jobs)
            pwned[door] = pwned_files(nonce)
            for p in Path("/tmp").glob(f"rt-pwned-{nonce}-*"):
                p.unlink()
            say(f"  {results[door].seconds:.0f} s: " + ", ".join(f"{' '.join(c.argv[2:4])} {c.seconds:.0f} s"
                                                                 for c in results[door].commands))
    finally:
        cleanup_host(nonce)
    return Batch(attacks, students, nonce, secret, baseline, results, pwned, time.monotonic() - start)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("attacks", nargs="*", help="attack names (default: all)")
    p.add_argument("--door", action="append", choices=DOORS)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--workdir", default=None)
    p.add_argument("--json", default=None, help="write the results here")
    args = p.parse_args(argv)
    attacks = load_attacks(args.attacks or None)
    workdir = Path(args.workdir) if args.workdir else Path(f"/tmp/rt-redteam-{secrets.token_hex(3)}")
    workdir.mkdir(parents=True, exist_ok=True)
    batch = run_batch(attacks, workdir, tuple(args.door or DOORS), args.jobs)
    table = {}
    for name, a in attacks.items():
        table[name] = {door: check(batch, name, door) for door in batch.doors}
        verdicts = "  ".join(f"{door}: {'HOLDS' if not p else 'FAILS'}" for door, p in table[name].items())
        print(f"{name:28s} {a.assignment:14s} {verdicts}")
        for door, problems in table[name].items():
            for problem in problems:
                print(f"    [{door}] {problem[:400]}")
    print(f"batch: {batch.seconds:.0f} s ({', '.join(f'{d}: {r.seconds:.0f} s' for d, r in batch.doors.items())}, "
          f"baseline {batch.baseline.seconds:.0f} s); courses in {workdir}")
    for door, r in batch.doors.items():
        for c in r.commands:
            print(f"  [{door}] exit {c.returncode} in {c.seconds:.0f} s: {' '.join(c.argv[2:5])}")
    if args.json:
        Path(args.json).write_text(json.dumps({"table": table, "seconds": batch.seconds}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
