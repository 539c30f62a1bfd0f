"""`backprop-course`: the course's command line.

    backprop-course demo       release the eight assignments, grade the bundled sample
                               submissions through nbgrader (SQLite gradebook), print grades
    backprop-course generate   regenerate release/ and solutions/ from source/
    backprop-course verify     fail if release/ or solutions/ differ from what nbgrader
                               generates from source/, or if release/ reveals anything
    backprop-course autograde  grade every submission of an assignment in parallel (sandboxed),
                               into nbgrader's gradebook; resumable
    backprop-course bench      time nbgrader autograde against backprop-course autograde on the
                               same submissions (and the learner code alone)
    backprop-course precision  the oracle against 50-digit mpmath, and the notebooks' solutions
                               against the oracle at the grader's hidden points: the margins
    backprop-course report     the cohort report (HTML + CSV) from the gradebook and stored results
    backprop-course diagnoses  grade the corpus of wrong and correct submissions: how many wrong
                               ones feedback names, and that no correct one is accused
    backprop-course hub        a class on this machine: JupyterHub, N learner accounts and an
                               instructor, nbgrader's exchange and formgrader (docs/hub.md)
    backprop-course draws      grade the corpus under many course secrets: every entry whose outcome
                               depends on the draw of hidden points
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from autograder.assignments.quiz import builder as quiz
from autograder.instruments.samples import BAD, COPYING, DEMO, MISBEHAVING_TARGETS, Sample
from autograder.tools import example_mistakes
from autograder.tools.course import ASSIGNMENTS, REPO, Course, StepFailed, grade_table

LEARNER_TESTS = Path(__file__).resolve().parent / "learner_test_notebook.py"


def _say(msg: str) -> None:
    print(msg, flush=True)


def run_cycle(course: Course, plan: dict[str, Sequence[Sample]], say=_say, fast: bool = False,
              progress: bool = False) -> list[dict[str, str]]:
    """generate → release → fetch → (student edits) → submit → collect → autograde →
    generate_feedback → export, with real nbgrader commands, for each assignment of `plan`
    and its sample students. Returns the rows nbgrader exports. `fast`: autograde with
    `backprop-course autograde` (parallel) instead of `nbgrader autograde`."""
    assignments = [a for a in ASSIGNMENTS if a in plan]
    for a in assignments:
        say(f"[instructor] generate_assignment + release_assignment {a}")
        course.generate(a)
        course.release(a)
    for a in assignments:

        def work(s: Sample, a=a) -> None:
            path = course.fetch(a, s.student)
            s.make(a, path / f"{a}.ipynb", course.root / "source" / a / f"{a}.ipynb", path / f"{a}.ipynb")
            course.submit(a, s.student)

        with ThreadPoolExecutor(max_workers=4) as pool:  # students work in parallel
            list(pool.map(work, plan[a]))
        say(f"[students]   {len(plan[a])} students fetched, worked and submitted {a}")
    for a in assignments:
        t = time.perf_counter()
        course.collect(a)
        if fast:
            say(course.fast_autograde(a, progress).strip())
        else:
            course.autograde(a)
        course.feedback(a)
        door = "backprop-course autograde" if fast else "nbgrader autograde"
        say(f"[instructor] collect + {door} + generate_feedback {a} ({time.perf_counter() - t:.1f} s)")
    return course.export()


def cmd_demo(args) -> int:
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="backprop-demo-"))
    samples = DEMO + (BAD if args.all_samples else ())
    course = Course.create(workdir)
    _say(f"Demo course directory: {course.root}")
    for s in samples + (COPYING if args.all_samples else ()):
        _say(f"  sample student {s.student}: {s.description}")
    plan = {a: DEMO for a in ASSIGNMENTS}
    plan.update(dict.fromkeys(MISBEHAVING_TARGETS, samples))
    if args.all_samples:
        plan["quiz"] = DEMO + COPYING  # a learner who hands in a classmate's quiz answers
    rows = run_cycle(course, plan, fast=True, progress=True)
    _say("\nGrades (nbgrader export):\n" + grade_table(rows))
    _say(f"\nFeedback pages: {course.root / 'feedback'}")
    from autograder.tools import report

    page, summary = report.build(course.root)
    _say(f"\nWhat the class got wrong:\n{summary}\nCohort report: {page} (CSV tables beside it)")
    return 0


def cmd_autograde(args) -> int:
    from autograder.engine import batch, jail

    try:
        summary = batch.autograde(Path(args.course), args.assignment, jobs=args.jobs, student=args.student,
                                  force=args.force, sandbox=not args.no_sandbox, progress=not args.quiet,
                                  scheduler=args.scheduler)
    except (batch.BatchError, jail.SandboxUnavailable) as exc:
        raise StepFailed(str(exc)) from None
    except ImportError as exc:  # --scheduler without the dask extra
        raise StepFailed(f"--scheduler needs Dask: pip install 'backprop-course[dask]' ({exc})") from None
    n = summary["notebooks"]
    _say(f"{args.assignment}: {summary['students']} students, {n} notebooks in {summary['seconds']:.1f} s "
         f"({summary['seconds'] / max(n, 1):.3f} s per notebook); nbgrader's gradebook step took "
         f"{summary['record_seconds']:.1f} s of its processes, beside the grading ({summary['recorded']} written, "
         f"{summary['skipped']} already up to date, "
         f"{summary['regraded']} graded again by nbgrader's step)")
    if args.show_scores:
        for sid, score in sorted(batch.scores(Path(args.course).resolve(), args.assignment).items()):
            _say(f"  {sid:<12} {score:g}")
    if summary["problems"]:  # each leaves a notebook or a student without a result or a gradebook entry
        print(f"backprop-course autograde {args.assignment}: {len(summary['problems'])} not graded or not written "
              "to the gradebook (a rerun does what is left):\n" +
              "\n".join(f"  ✗ {p}" for p in summary["problems"]), file=sys.stderr)
        return 1
    return 0


def cmd_bench(args) -> int:
    from autograder.instruments import bench

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="backprop-bench-"))
    if args.report is not None:
        from autograder.instruments import report_bench

        if args.report < 2:
            raise StepFailed("--report needs at least 2 learners")
        _say(report_bench.run(workdir / "course", args.report))
    elif args.dask:
        _say(bench.cluster_run(workdir, args.assignment, args.students))
    elif args.local_check:
        _say(bench.local_check(workdir))
    else:
        for assignment in ASSIGNMENTS if args.assignment == "all" else [args.assignment]:
            _say(bench.run(workdir / assignment, assignment, args.students, args.jobs, in_kernel=args.in_kernel))
    return 0


def cmd_precision(args) -> int:
    from autograder.instruments import precision

    if args.draws < 1 or args.truth_seeds < 1:
        print("backprop-course precision: --draws and --truth-seeds must be at least 1", file=sys.stderr)
        return 2
    text, ok = precision.report(args.truth_seeds, args.draws)
    _say(text)
    if not ok:
        print("backprop-course precision: a promise does not hold (share above 1)", file=sys.stderr)
    return 0 if ok else 1


def cmd_diagnoses(args) -> int:
    from autograder.engine import jail, notebook_grading
    from autograder.instruments import diagnoses
    from autograder.instruments.corpus import ENTRIES

    unknown = sorted(set(args.assignment or []) - set(ASSIGNMENTS))
    if unknown:
        print(f"backprop-course diagnoses: no assignment {', '.join(unknown)} (there are: {', '.join(ASSIGNMENTS)})",
              file=sys.stderr)
        return 2
    if args.no_sandbox:
        notebook_grading.warn_no_sandbox()
    else:
        try:
            jail.check()
        except jail.SandboxUnavailable as exc:
            print(f"backprop-course diagnoses: {exc}", file=sys.stderr)
            return 2
    entries = [e for e in ENTRIES if not args.assignment or e.assignment in args.assignment]
    graded = diagnoses.grade_all(entries, args.jobs, sandbox=not args.no_sandbox)
    _say(diagnoses.report(graded, args.show))
    accused = [g.entry.name for g in graded if g.entry.correct and (g.diagnoses or not g.full)]
    if accused:
        print(f"backprop-course diagnoses: correct submissions lost points or were told of a mistake: {accused}",
              file=sys.stderr)
    return 1 if accused else 0


def cmd_draws(args) -> int:
    from autograder.engine import jail
    from autograder.instruments import draws
    from autograder.instruments.corpus import ENTRIES

    unknown = sorted(set(args.assignment or []) - set(ASSIGNMENTS))
    if unknown:
        print(f"backprop-course draws: no assignment {', '.join(unknown)} (there are: {', '.join(ASSIGNMENTS)})",
              file=sys.stderr)
        return 2
    if args.sandbox:
        try:
            jail.check()
        except jail.SandboxUnavailable as exc:
            print(f"backprop-course draws: {exc}", file=sys.stderr)
            return 2
    entries = [e for e in ENTRIES if not args.assignment or e.assignment in args.assignment]
    secrets = draws.secrets_for(args.secrets)
    started = time.monotonic()
    graded = draws.grade_all(entries, secrets, args.jobs, sandbox=args.sandbox)
    _say(draws.report(graded, secrets))
    _say(f"({time.monotonic() - started:.0f} s, {'sandboxed' if args.sandbox else 'recorded in-process'})")
    return 1 if draws.varying(graded) else 0


def cmd_report(args) -> int:
    from autograder.tools import report

    root = Path(args.course).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise StepFailed(f"{root} is not a course directory: it has no nbgrader_config.py")
    try:
        page, summary = report.build(root, args.assignment or None, Path(args.out) if args.out else None)
    except ValueError as exc:
        raise StepFailed(str(exc)) from None
    _say(summary)
    _say(f"Cohort report: {page} (CSV tables beside it)")
    return 0


def cmd_hub(args) -> int:
    from autograder.tools import hub

    if args.remove:
        _say(f"Removed the accounts {', '.join(hub.remove(Path(args.state))) or '(none)'} and {args.state}")
        return 0
    return hub.serve(Path(args.state), args.learners, args.prefix, args.password, args.port, say=_say,
                     learner_python=args.learner_python or "")


def _generate_into(course_root: Path) -> None:
    course = Course(course_root)
    for a in ASSIGNMENTS:
        course.generate(a)
        course.generate_solution(a)


def _readable(path: Path) -> bool:
    try:
        nbformat.read(path, as_version=4)
        return True
    except Exception:  # noqa: BLE001  (any unreadable notebook: nbgrader's own step reports it)
        return False


def cmd_generate(args) -> int:
    root = Path(args.course).resolve()
    if not (root / "source").is_dir():
        raise StepFailed(f"{root} is not a course directory (it needs source/ and nbgrader_config.py)")
    quiz.write(root)  # the quiz is generated from the interview-question banks
    for a in ASSIGNMENTS:  # every assignment folder ships the same local check runner
        shutil.copy(LEARNER_TESTS, root / "source" / a / "test_notebook.py")
    readable = [a for a in ASSIGNMENTS if _readable(root / "source" / a / f"{a}.ipynb")]
    example_mistakes.write(root, readable)  # what each known mistake gives at the public example
    _generate_into(root)  # nbgrader names a notebook it cannot read, and that is the error said
    (root / "gradebook.db").unlink(missing_ok=True)
    _say(f"Regenerated release/ and solutions/ in {root}")
    return 0


def leaks(release: Path) -> list[str]:
    """Anything in release/ that would reveal an answer or the grader."""
    found = []
    for path in sorted(release.rglob("*")):
        if path.is_dir():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder", "grade("):
            if needle in text:
                found.append(f"{path.relative_to(release)}: contains {needle!r}")
        if path.suffix == ".ipynb":
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception as exc:  # any unreadable notebook is a finding, not a crash
                found.append(f"{path.relative_to(release)}: not a readable notebook ({type(exc).__name__})")
                continue
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.get("outputs"):
                    found.append(f"{path.relative_to(release)}: a cell has stored outputs")
                    break
    return found


def cmd_verify(args) -> int:
    root = Path(args.course).resolve()
    problems = []
    with tempfile.TemporaryDirectory(prefix="backprop-verify-") as tmp:
        fresh = Course.create(Path(tmp) / "course", repo=root)
        _generate_into(fresh.root)
        for sub in ("release", "solutions"):
            problems += _tree_diff(root / sub, fresh.root / sub, sub)
    problems += [f"release/{p}" for p in leaks(root / "release")]
    for a in ASSIGNMENTS:
        copy = root / "source" / a / "test_notebook.py"
        if not copy.is_file() or copy.read_bytes() != LEARNER_TESTS.read_bytes():
            problems.append(f"source/{a}/test_notebook.py is not autograder/tools/learner_test_notebook.py")
    problems += example_mistakes.problems(root, ASSIGNMENTS)
    if (root / "interview_questions").is_dir() and not quiz.is_current(root):
        problems.append("source/quiz/quiz.ipynb is not what the interview-question banks generate")
    for p in problems:
        _say(f"  ✗ {p}")
    if problems:
        _say("release/ or solutions/ is not what nbgrader generates from source/: run `backprop-course generate`.")
        return 1
    _say("release/ and solutions/ are exactly what nbgrader generates from source/; release/ reveals nothing.")
    return 0


def _tree_diff(committed: Path, fresh: Path, label: str) -> list[str]:
    if not committed.is_dir():
        return [f"{label}/ is missing"]
    a = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    b = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    out = [f"{label}/{p}: not generated by nbgrader" for p in sorted(a - b)]
    out += [f"{label}/{p}: missing" for p in sorted(b - a)]
    out += [f"{label}/{p}: differs" for p in sorted(a & b) if not filecmp.cmp(committed / p, fresh / p, shallow=False)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backprop-course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="a full nbgrader cycle on the bundled sample submissions")
    demo.add_argument("--workdir", help="an empty directory to build the demo course in (default: a new temp dir)")
    demo.add_argument("--all-samples", action="store_true", help="also grade the misbehaving sample submissions")
    bench = sub.add_parser("bench", help="time nbgrader autograde against backprop-course autograde")
    bench.add_argument("--students", type=int, default=20)
    bench.add_argument("--assignment", default="regression", choices=[*ASSIGNMENTS, "all"])
    bench.add_argument("--jobs", type=int, default=None, help="workers of backprop-course autograde")
    bench.add_argument("--workdir", help="an empty directory for the benchmark course")
    bench.add_argument("--report", type=int, metavar="LEARNERS",
                       help="instead: time the cohort report on a synthetic course of this many learners × 7 assignments")
    bench.add_argument("--in-kernel", action="store_true",
                       help="also time stock nbgrader autograde as shipped (Execute in a Jupyter kernel, as before the sandbox)")
    bench.add_argument("--local-check", action="store_true",
                       help="time the learner's `python -m pytest` in each solved release folder instead")
    bench.add_argument("--dask", action="store_true",
                       help="instead: local processes against a local Dask scheduler with 1 and 2 workers")
    prec = sub.add_parser("precision", help="how exact the oracle is, and what margin correct learners keep")
    prec.add_argument("--draws", type=int, default=10_000, help="hidden points per kind for the notebooks' solutions")
    prec.add_argument("--truth-seeds", type=int, default=40, help="seeds of points per kind for the mpmath check")
    rep = sub.add_parser("report", help="the cohort report: what the class got wrong (HTML + CSV)")
    rep.add_argument("assignment", nargs="*", help="assignments to cover (default: all in the gradebook)")
    rep.add_argument("--course", default=".", help="the course directory (default: the current directory)")
    rep.add_argument("--out", help="where to write report.html and the CSVs (default: <course>/reports)")
    diag = sub.add_parser("diagnoses", help="how often feedback names the mistake, on the corpus of submissions")
    diag.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    diag.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: all cores)")
    diag.add_argument("--show", choices=("unnamed", "all"), default="unnamed",
                      help="print the feedback of the unnamed and wrongly judged ones (default), or of all")
    diag.add_argument("--no-sandbox", action="store_true", help="UNSAFE outside this repository's own corpus")
    drw = sub.add_parser("draws", help="grade the corpus under many course secrets: what depends on the draw")
    drw.add_argument("--secrets", "-n", type=int, default=20, help="how many secrets (default 20)")
    drw.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    drw.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: all cores)")
    drw.add_argument("--sandbox", action="store_true",
                     help="record every (entry, secret) in the sandbox (slower) instead of in-process")
    auto = sub.add_parser("autograde", help="grade a whole class in parallel, sandboxed, into the gradebook")
    auto.add_argument("assignment")
    auto.add_argument("--course", default=".", help="the course directory (default: the current directory)")
    auto.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: all cores)")
    auto.add_argument("--student", help="grade this student only")
    auto.add_argument("--force", action="store_true", help="regrade even what is already graded")
    auto.add_argument("--no-sandbox", action="store_true", help="UNSAFE: run learner code without bubblewrap")
    auto.add_argument("--quiet", action="store_true", help="no progress bars")
    auto.add_argument("--show-scores", action="store_true", help="print each student's score")
    auto.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                      help="record and judge on this Dask cluster's workers (needs the dask extra)")
    hubp = sub.add_parser("hub", help="JupyterHub with local learner accounts, for a class on this machine (root)")
    hubp.add_argument("--learners", type=int, default=3, help="learner accounts <prefix>learner1..N (default 3)")
    hubp.add_argument("--prefix", default="bp-", help="account name prefix (default bp-: bp-instructor, bp-learner1, ...)")
    hubp.add_argument("--password", help="one password for every account, this trial only (default: drawn, printed)")
    hubp.add_argument("--port", type=int, default=8000, help="the hub's port on 127.0.0.1 (default 8000)")
    hubp.add_argument("--state", default="/srv/backprop-hub", help="the hub's folder: exchange, role configs, database")
    hubp.add_argument("--learner-python", help="learners' interpreter (an environment without the grader's package)")
    hubp.add_argument("--remove", action="store_true", help="delete the accounts and state folder made before, and stop")
    for name, fn_help in (("generate", "regenerate release/ and solutions/"), ("verify", "check release/ and solutions/")):
        p = sub.add_parser(name, help=fn_help)
        p.add_argument("--course", default=str(REPO), help="the course directory (default: this repository)")
    args = parser.parse_args(argv)
    handler = {"demo": cmd_demo, "autograde": cmd_autograde, "generate": cmd_generate, "verify": cmd_verify,
               "bench": cmd_bench, "precision": cmd_precision, "diagnoses": cmd_diagnoses,
               "draws": cmd_draws, "report": cmd_report, "hub": cmd_hub}[args.command]
    try:
        return handler(args)
    except StepFailed as exc:
        print(f"backprop-course {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
