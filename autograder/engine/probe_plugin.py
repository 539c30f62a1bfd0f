"""The pytest plugin that feeds recorded probes to the hidden checks (each assignment's hidden_checks.py).

    pytest -p autograder.engine.probe_plugin autograder/assignments/xor/hidden_checks.py --probe probe.json

runs the checks of each probe's exercise on plain recorded values, in any process. The file holds
one probe or a list of them (a whole notebook's, judged in one pytest session): each check runs once
per probe of its exercise and assignment."""

import pytest

from autograder.engine import wire


def pytest_addoption(parser):
    parser.addoption("--probe", default=None, help="JSON file written by autograder.exercises.record")


def pytest_configure(config):
    config.addinivalue_line("markers", "exercise(*names): the exercises whose probes this check judges")
    config.addinivalue_line("markers", "assignment(*names): the assignments whose probes this module judges")
    path = config.getoption("--probe")
    if path is None:
        raise pytest.UsageError("the hidden checks judge a recorded probe: pass --probe FILE")
    with open(path, "rb") as f:
        raw = f.read(wire.PROBES_FILE_BYTES + 1)
    try:  # never deeper than a list of probes each within the cap (`grading.bounded`), so never a RecursionError
        data = wire.loads_capped(raw, wire.PROBE_DEPTH + 1, wire.PROBES_FILE_BYTES, allow_constants=True)
    except wire.WireError as exc:
        raise pytest.UsageError(f"the probes in {path} cannot be judged: {exc}") from None
    config.backprop_probes = data if isinstance(data, list) else [data]


def _judges(node, probe: dict) -> bool:
    assignment, exercise = probe.get("assignment", probe.get("network")), probe.get("exercise")
    ex, asg = node.get_closest_marker("exercise"), node.get_closest_marker("assignment")
    return ex is not None and exercise in ex.args and asg is not None and assignment in asg.args


def pytest_generate_tests(metafunc):
    if "probe" in metafunc.fixturenames:
        mine = [(i, p) for i, p in enumerate(metafunc.config.backprop_probes) if _judges(metafunc.definition, p)]
        metafunc.parametrize("probe", [p for _, p in mine], ids=[f"probe{i}" for i, _ in mine])


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        judged = callspec is not None and isinstance(callspec.params.get("probe"), dict)  # not pytest's NOTSET
        (keep if judged else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


def probe_index(item) -> int:
    """Which of the file's probes this check ran on."""
    probe = item.callspec.params["probe"]
    return next(i for i, p in enumerate(item.config.backprop_probes) if p is probe)
