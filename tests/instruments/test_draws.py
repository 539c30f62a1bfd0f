"""Grades that do not depend on the draw: the hidden runs of "the why" separate every known mistake
at every draw, values cross the wall whole up to a total cap, and the corpus keeps one outcome per
entry under many course secrets (`autograder/draws.py`, `backprop-course draws`)."""

import json
import time

import numpy as np
import pytest

from autograder.assignments.common import points
from autograder.assignments.common.points import NETS, init_params
from autograder.assignments.why import definition as why
from autograder.assignments.why import draws as why_draws
from autograder.assignments.why import standin as why_standin
from autograder.assignments.why.draws import edge_curves
from autograder.engine import remote
from autograder.instruments import draws
from autograder.instruments.corpus import ENTRIES
from autograder.sandboxed import calls

SEEDS = range(40)


def test_the_fast_trainer_is_the_standins_run_within_rounding():
    rng = np.random.default_rng(11)
    for _ in range(5):
        X, y = points.inputs(rng, NETS["regression"], 5), points.targets(rng, NETS["regression"], 5)
        for lr in (2e-4, 1e-3, 8e-3, 1.2e-2, 2e-2):
            fast = why_draws.trajectory(X, y, lr, 80)
            with np.errstate(all="ignore"):
                slow = why_standin.curve(X, y, init_params(), lr, 80)
            finite = np.isfinite(slow)
            np.testing.assert_array_equal(np.isfinite(fast), finite, strict=True)
            np.testing.assert_allclose(fast[finite], slow[finite], rtol=1e-7, strict=True)


@pytest.mark.slow
def test_every_reading_of_the_stopping_rule_stops_elsewhere_at_every_draw():
    """Judged as the hidden checks judge it: `why.train_until` on the oracle's own curves."""
    for seed in SEEDS[:20]:
        with points.seeded(seed):
            X, y, runs = why_draws.stop_runs()
        epochs = {}
        for lr, tol, max_epochs in runs:
            L = why.curve(X, y, init_params(), lr, max_epochs)
            stops = why_draws.stop_epochs(L, tol, max_epochs)
            assert stops[None] == why.train_until(X, y, init_params(), lr, tol, max_epochs)[0]
            for reading, e in stops.items():
                epochs.setdefault(reading, []).append(e)
        assert len({tuple(v) for v in epochs.values()}) == len(epochs), (seed, runs, epochs)
        right = epochs[None]
        assert any(e < m for e, (_, _, m) in zip(right, runs, strict=True))  # stopped by the tolerance
        assert any(e == m for e, (_, _, m) in zip(right, runs, strict=True))  # stopped by max_epochs
        assert max(right) > 100  # a list of losses longer than 100 must cross whole


def test_every_regime_misreading_is_caught_at_every_draw_or_at_none():
    for seed in SEEDS:
        with points.seeded(seed):
            curves = why_draws.regime_runs()
        assert any(len(L) < 10 and why.regime(L) == "converges" for L in curves.values()), curves.keys()
        caught = {m for m in why.MISREADINGS if any(why.regime(L, m) != why.regime(L) for L in curves.values())}
        assert caught == set(why_draws.CAUGHT_ON_RUNS), (seed, caught)
        assert all(why_draws._tie_free(np.array(L)) for L in curves.values())
        everything = list(curves.values()) + list(edge_curves().values())
        answers = [tuple(why.regime(L, m) for L in everything) for m in (None, *why.MISREADINGS)]
        assert len(set(answers)) == len(answers)
        assert {why.regime(L) for L in curves.values()} == set(why.REGIMES)


def test_a_long_list_crosses_the_wall_whole_and_a_huge_one_stays_bounded():
    losses = [float(k) for k in range(300)]
    crossed = remote.encoded(json.loads(json.dumps(calls.encode(losses))))
    assert [i["value"] for i in crossed["items"]] == losses and "length" not in crossed
    started = time.monotonic()
    nested = calls.encode([[[[1.0] * 1000] * 1000] * 1000] * 1000)  # 10^12 numbers if encoded whole
    arrays = calls.encode([np.zeros(10_000)] * 1000)
    assert time.monotonic() - started < 5
    checked = [remote.encoded(json.loads(text)) for text in (json.dumps(nested), json.dumps(arrays))]
    assert all(len(json.dumps(c)) < 2 * 1024**2 for c in checked)
    assert checked[0]["kind"] == "list" and checked[0]["length"] == 1000  # cut short, and says so
    assert checked[1]["items"][0]["kind"] == "ndarray" and checked[1]["items"][-1]["type"] == "value too large to record"
    forged = {"kind": "list", "items": [{"kind": "scalar", "type": "float", "value": 1.0}] * 100_000}
    assert len(remote.encoded(forged)["items"]) == calls.MAX_ENCODED_ITEMS


# --- the corpus under many secrets ----------------------------------------------------------------------

SECRETS = draws.secrets_for(20)
# "the why" (hidden runs built from each draw's curves) and the layers (networks drawn per secret, their
# output units fixed so that a slip a linear output hides costs the same at every draw)
DRAWN = [e for e in ENTRIES if e.assignment in ("why", "layers")]


@pytest.fixture(scope="module")
def under_many_secrets():
    return draws.grade_all(DRAWN, SECRETS, jobs=2)


@pytest.mark.slow
def test_no_outcome_of_the_why_and_layers_corpus_depends_on_the_secret(under_many_secrets):
    assert not draws.varying(under_many_secrets), draws.report(under_many_secrets, SECRETS)


@pytest.mark.slow
def test_the_sandbox_records_what_the_fast_path_records(under_many_secrets):
    """The fast path runs the corpus's cells in-process; one secret through the real sandbox agrees."""
    k = 7
    sandboxed = draws.grade_all(DRAWN, [SECRETS[k]], jobs=2, sandbox=True)
    assert {e: o[0] for e, o in sandboxed.items()} == {e: o[k] for e, o in under_many_secrets.items()}
