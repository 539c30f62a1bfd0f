"""Feeds a recorded probe (see `autograder.exercises.record`) to the hidden checks.

    pytest autograder/hidden_tests --probe probe.json

runs the checks of the probe's exercise on plain recorded values, in any process."""

import json

import pytest


def pytest_addoption(parser):
    parser.addoption("--probe", default=None, help="JSON file written by autograder.exercises.record")


def pytest_configure(config):
    config.addinivalue_line("markers", "exercise(*names): the exercises whose probes this check judges")
    config.addinivalue_line("markers", "assignment(*names): the assignments whose probes this module judges")
    path = config.getoption("--probe")
    if path is None:
        raise pytest.UsageError("the hidden checks judge a recorded probe: pass --probe FILE")
    with open(path, encoding="utf-8") as f:
        config.backprop_probe = json.load(f)


def pytest_collection_modifyitems(config, items):
    probe = config.backprop_probe
    assignment, exercise = probe.get("assignment", probe.get("network")), probe["exercise"]
    keep, drop = [], []
    for item in items:
        ex, asg = item.get_closest_marker("exercise"), item.get_closest_marker("assignment")
        ok = ex is not None and exercise in ex.args and asg is not None and assignment in asg.args
        (keep if ok else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


@pytest.fixture
def probe(request):
    return request.config.backprop_probe
