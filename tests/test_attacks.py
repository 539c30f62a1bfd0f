"""Red team: hostile learner code, graded through both doors, must not move anyone's grade but its own
(down), must not leak the secret or a correct implementation, and must not silently zero a bystander.
The first door runs twice: `backprop-course autograde --jobs 2` (parallel workers) and `--jobs 1` (one warm
sandbox reused for every notebook in turn: "backprop-serial"); the second is `nbgrader autograde`.

Each attack is a file in tests/attacks/ (CODE: a learner's extra cell; ASSIGNMENT; GOAL; WITH_SOLUTION: the
cell goes into a correct notebook rather than the untouched release; READER_CODE for carriers: a
classmate's cell that looks for what the writer left). All selected attacks are graded in ONE batch
(tests/attacks/runner.py): per assignment a course for each door, honest learners interleaved between
attackers, carrier readers right after their writer and again in a second run of the door, plus a baseline
course with the same student ids and the attack cells left out, all three with the same course secret.

Expected runtime (2 cores): about 12 minutes for all 35 attacks (the three doors, the baseline, feedback and
the cohort report; most of it is the resource attacks, each holding a sandbox up to its 60 s limit, and the
serial nbgrader door). One attack alone: 1 to 3 minutes (course set-up and nbgrader dominate).

    python -m pytest tests/test_attacks.py                     # the attacks issue #23 names (what CI runs)
    BACKPROP_REDTEAM=all python -m pytest tests/test_attacks.py  # every attack
    python -m pytest tests/test_attacks.py -k keyring          # only the attacks whose tests are selected
    python -m tests.attacks.runner c_keyring --door backprop   # the same batch, as a table
    python -m pytest -m "not slow"                             # the rest of the suite without this module
"""

import ast
import os

import pytest

from tests.attacks import runner

pytestmark = pytest.mark.slow

# CI grades the attacks the sandbox issue (#23) names, through every door; BACKPROP_REDTEAM=all grades
# every attack (≈ 15 min on 2 cores).
CI_ATTACKS = ["a_forge_fds_early", "a_forge_nested", "b_frames_gc", "b_standin_thief", "c_keyring", "c_posix_mq",
              "h_gradcheck_memory", "w_quiz_formula_rce"]
ATTACKS = runner.load_attacks(None if os.environ.get("BACKPROP_REDTEAM") == "all" else CI_ATTACKS)
CASES = [(door, name) for name in ATTACKS for door in runner.DOORS]


def _selected(session) -> list[str]:
    names = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec and item.module.__name__ == __name__ and "attack" in callspec.params:
            if callspec.params["attack"] not in names:
                names.append(callspec.params["attack"])
    return names


@pytest.fixture(scope="module")
def batch(request, tmp_path_factory):
    names = _selected(request.session) or list(ATTACKS)
    attacks = {n: ATTACKS[n] for n in names}
    doors = sorted({item.callspec.params["door"] for item in request.session.items
                    if getattr(item, "callspec", None) and "door" in item.callspec.params
                    and item.module.__name__ == __name__}) or list(runner.DOORS)
    return runner.run_batch(attacks, tmp_path_factory.mktemp("redteam"), tuple(doors), jobs=2, say=lambda msg: None)


@pytest.mark.parametrize(("door", "attack"), CASES, ids=[f"{d}-{n}" for d, n in CASES])
def test_attack_fails(batch, door, attack):
    problems = runner.check(batch, attack, door)
    assert not problems, f"{attack} ({ATTACKS[attack].goal}) through {door}:\n  " + "\n  ".join(p[:600] for p in problems)


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attack_is_well_formed(attack):
    a = ATTACKS[attack]
    assert a.assignment in ("warmup", "regression", "classification", "xor", "layers", "why", "quiz")
    assert a.goal and a.position in ("start", "end")
    for code in (a.code, a.reader_code, a.baseline_code, a.code_end):
        if code is not None:
            ast.parse(runner.fill(code, a, "0123456789ab"))
    assert "RTLEAK<<" not in a.code and "RTBREACH<<" not in a.code  # markers are built at run time only
