"""Drive real nbgrader commands over a course directory: the instructor's and students' steps.

Every step is one `nbgrader` command line, run as a subprocess exactly as an instructor
would type it; a failing step raises `StepFailed` with the command and the end of its
output, never a bare traceback.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder import assignments

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENTS = assignments.NAMES  # in course order
COURSE_ID = "backprop"


class StepFailed(RuntimeError):
    """An nbgrader command failed (or the course directory is not usable)."""


def _env(config_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from the environment
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["JUPYTER_CONFIG_DIR"] = str(config_dir)  # no user-wide config leaks into the course
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONWARNINGS"] = "ignore"
    return env


@dataclass
class Course:
    """A course directory (source/, nbgrader_config.py, gradebook) and its exchange."""

    root: Path

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @classmethod
    def create(cls, workdir: Path, repo: Path = REPO) -> Course:
        """A fresh course directory in `workdir` with the repository's source/ and config."""
        workdir = Path(workdir).resolve()
        if not (repo / "source").is_dir() or not (repo / "nbgrader_config.py").is_file():
            raise StepFailed(f"{repo} is not a course directory (it needs source/ and nbgrader_config.py)")
        workdir.mkdir(parents=True, exist_ok=True)
        if any(workdir.iterdir()):
            raise StepFailed(f"{workdir} is not empty; give an empty or new directory")
        shutil.copytree(repo / "source", workdir / "source")
        (workdir / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(repo / 'nbgrader_config.py')!r})  # noqa: F821\n"
            f"c.CourseDirectory.root = {str(workdir)!r}\n"
            f"c.Exchange.root = {str(workdir / 'exchange')!r}\n"
            "c.ExchangeCollect.check_owner = False  # every simulated student is this same user\n"
        )
        (workdir / "exchange").mkdir()
        (workdir / ".jupyter").mkdir()
        return cls(workdir)

    def run(self, *args: str, cwd: Path | None = None) -> str:
        cmd = [sys.executable, "-m", "nbgrader", *args]
        proc = subprocess.run(cmd, cwd=cwd or self.root, env=_env(self.root / ".jupyter"),
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        output = proc.stdout + proc.stderr
        if proc.returncode != 0:
            log = self.root / f"nbgrader-{args[0]}.log"
            try:
                log.write_text(output, encoding="utf-8")
            except OSError:
                log = None
            where = f"\n  (full nbgrader output: {log})" if log else ""
            raise StepFailed(f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}):\n{summary(output)}{where}")
        return output

    # --- instructor ---------------------------------------------------------------------

    def generate(self, assignment: str) -> None:
        self.run("generate_assignment", assignment, "--force")

    def generate_solution(self, assignment: str) -> None:
        self.run("generate_solution", assignment, "--force")

    def release(self, assignment: str) -> None:
        self.run("release_assignment", assignment, "--force")

    def collect(self, assignment: str) -> None:
        self.run("collect", assignment)

    def autograde(self, assignment: str) -> str:
        return self.run("autograde", assignment, "--force")

    def fast_autograde(self, assignment: str, progress: bool = False) -> str:
        """`backprop-course autograde`: the same grades as `nbgrader autograde`, in parallel."""
        cmd = [sys.executable, "-m", "autograder.tools.cli", "autograde", assignment, "--course", str(self.root)]
        proc = subprocess.run(cmd + ([] if progress else ["--quiet"]), cwd=self.root, env=_env(self.root / ".jupyter"),
                              stdout=subprocess.PIPE, stderr=None if progress else subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise StepFailed(f"`backprop-course autograde {assignment}` failed (exit {proc.returncode}):\n"
                             f"{(proc.stderr or '')[-2000:]}{proc.stdout[-2000:]}")
        return proc.stdout

    def feedback(self, assignment: str) -> None:
        self.run("generate_feedback", assignment, "--force")

    def export(self) -> list[dict[str, str]]:
        self.run("export", "--to", "grades.csv")
        with open(self.root / "grades.csv", newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    # --- students -----------------------------------------------------------------------

    def student_dir(self, student: str) -> Path:
        return self.root / "students" / student

    def _student_args(self, student: str) -> list[str]:
        return [f"--course={COURSE_ID}", f"--Exchange.root={self.exchange}",
                f"--Exchange.cache={self.root / 'students' / '.cache' / student}"]

    def fetch(self, assignment: str, student: str) -> Path:
        home = self.student_dir(student)
        home.mkdir(parents=True, exist_ok=True)
        self.run("fetch_assignment", assignment, *self._student_args(student), cwd=home)
        return home / assignment

    def submit(self, assignment: str, student: str) -> None:
        self.run("submit", assignment, f"--student={student}", *self._student_args(student),
                 cwd=self.student_dir(student))


_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception))(: .*)?$")


def summary(output: str) -> str:
    """What went wrong, without the traceback: the exception that ended it and nbgrader's
    own error lines, each once."""
    lines = output.splitlines()
    out = [m.group(0).strip() for m in (_EXCEPTION_LINE.match(ln) for ln in lines) if m][-1:]
    out += [ln.split("] ", 1)[-1].strip() for ln in lines if "| ERROR]" in ln or "[ERROR]" in ln]
    out = [ln for ln in dict.fromkeys(out) if not ln.startswith(("Please see the", "Traceback"))]
    if not out:
        out = [ln.strip() for ln in lines if ln.strip() and not ln.startswith(" ")][-5:]
    return "\n".join("  " + ln for ln in out)


def grade_table(rows: list[dict[str, str]]) -> str:
    """Students × assignments, 'score/max' per cell, from nbgrader's export."""
    students = sorted({r["student_id"] for r in rows})
    assignments = [a for a in ASSIGNMENTS if any(r["assignment"] == a for r in rows)]
    score = {(r["student_id"], r["assignment"]): f"{float(r['score']):g}/{float(r['max_score']):g}" for r in rows}
    width = max([len("student")] + [len(s) for s in students])
    cols = [max(len(a), 7) for a in assignments]
    lines = ["  ".join(["student".ljust(width)] + [a.rjust(w) for a, w in zip(assignments, cols, strict=False)])]
    for s in students:
        cells = [score.get((s, a), "-").rjust(w) for a, w in zip(assignments, cols, strict=True)]
        lines.append("  ".join([s.ljust(width)] + cells))
    return "\n".join(lines)
