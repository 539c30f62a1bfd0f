"""Measure diagnosis on wrong submissions the grader was not designed for.

A blind writer (who never read the grader) puts learner-style wrong submissions in a folder, one
sub-folder per case holding `case.json`:

    {"assignment": "regression", "kind": "...", "expected_diagnosis": "...",
     "cells": {"<grade_id>": "<the whole cell as the learner wrote it>"}}

Each case is applied to the instructor's notebook (`diagnoses.notebook_of`, as the corpus is) and
graded through the real grader: recorded in the sandbox, judged by the hidden checks. The table says
per assignment how many were caught (lost points) and named (every exercise that lost points names
what broke). Whether a name is the *right* one needs a reader: `--show` prints, per case, the
writer's expected diagnosis beside the sentences the grader gave, and a verdicts file (one line per
case, `<case folder> ok|another`) turns that reading into the "named as another" column.

    python -m autograder.instruments.unseen /work/unseen-mistakes/dev [--show] [--verdicts FILE] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from autograder.engine import notebook_grading, staging
from autograder.instruments import diagnoses
from autograder.instruments.corpus import Entry
from autograder.instruments.samples import rewrite

ROOT = diagnoses.ROOT


@dataclass(frozen=True)
class Case:
    folder: str
    assignment: str
    kind: str
    expected: str
    cells: dict[str, str]

    def entry(self) -> Entry:
        return Entry(self.assignment, self.folder, False, tuple(rewrite(k, v) for k, v in self.cells.items()))


def load(directory: Path) -> list[Case]:
    out = []
    for path in sorted(directory.glob("*/case.json")):
        data = json.loads(path.read_text())
        out.append(Case(path.parent.name, data["assignment"], data.get("kind", ""),
                        data.get("expected_diagnosis", ""), dict(data["cells"])))
    return out


def grade(case: Case) -> dict:
    """One case through the real grader, as `backprop-course diagnoses` grades the corpus."""
    return grade_entry(case.entry(), "unseen-" + case.folder)


def grade_entry(entry: Entry, student: str) -> dict:
    """An entry's notebook recorded in the sandbox and judged by the hidden checks: score, points, the
    exercises that lost points, those of them whose feedback names nothing, the diagnoses, the feedback."""
    files = staging.course_files(ROOT, entry.assignment)
    outcome = notebook_grading.grade_notebook(diagnoses.notebook_of(entry, ROOT, student), entry.assignment, student,
                                              diagnoses.SECRET, sandbox=True, files=files)
    lost = [r for r in outcome.results if r.score < r.points]
    return {"score": sum(r.score for r in outcome.results), "points": sum(r.points for r in outcome.results),
            "lost": [r.exercise for r in lost], "unnamed": [r.exercise for r in lost if not r.diagnoses],
            "diagnoses": [d for r in lost for d in r.diagnoses], "feedback": "\n".join(r.feedback for r in lost)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--assignment", action="append")
    parser.add_argument("--show", action="store_true", help="print each case's expected diagnosis and feedback")
    parser.add_argument("--verdicts", type=Path, help="lines '<case> ok|another' from reading the feedback")
    parser.add_argument("--jobs", "-j", type=int, default=None)
    args = parser.parse_args(argv)
    cases = [c for c in load(args.directory) if not args.assignment or c.assignment in args.assignment]
    verdicts = {}
    if args.verdicts:
        for line in args.verdicts.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                folder, verdict = line.split()[:2]
                verdicts[folder] = verdict
    with ProcessPoolExecutor(args.jobs or os.cpu_count() or 1) as pool:
        results = list(pool.map(grade, cases))
    rows: dict[str, list[int]] = {}
    for case, r in zip(cases, results, strict=True):
        row = rows.setdefault(case.assignment, [0, 0, 0, 0])
        caught = r["score"] < r["points"]
        named = caught and not r["unnamed"]
        row[0] += 1
        row[1] += caught
        row[2] += named
        row[3] += named and verdicts.get(case.folder) == "another"
        if args.show:
            print(f"\n== {case.folder} ({r['score']:g}/{r['points']:g}; named: {', '.join(r['diagnoses']) or '-'})")
            print(f"   expected: {case.expected}")
            print("\n".join("   | " + ln for ln in r["feedback"].splitlines()[:16]))
    print(f"\n{'assignment':<16}{'cases':>6}{'caught':>8}{'named':>7}{'named as another':>18}")
    total = [0, 0, 0, 0]
    for assignment, row in rows.items():
        print(f"{assignment:<16}{row[0]:>6}{row[1]:>8}{row[2]:>7}{row[3]:>18}")
        total = [a + b for a, b in zip(total, row, strict=True)]
    print(f"{'all':<16}{total[0]:>6}{total[1]:>8}{total[2]:>7}{total[3]:>18}"
          + ("" if args.verdicts else "   (named as another: pass --verdicts after reading --show)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
