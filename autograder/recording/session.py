"""Record one notebook: its cells run in the sandboxed host, its exercises are recorded here.

    ran = record_notebook(job, host)     # host: a remote.LearnerHost reaching the notebook's sandbox

The hidden points are drawn here from the job's seed (the host never learns it), each exercise's
recorder calls the learner's functions through the host, in the order of `plans.py`: correct building
blocks are offered to the learner's code only in phases after every exercise they could answer.
An exercise during which the host stopped (a limit, a crash, a line out of turn) is not recorded:
it scores 0 with the reason, and so does every exercise after it.
"""

from __future__ import annotations

from autograder import plans
from autograder.recording import (
    points,
    record_layers,
    record_quiz,
    record_two_layer,
    record_warmup,
    record_why,
    record_xor,
)
from autograder.recording.remote import HostStopped, LearnerHost, RemoteNamespace

HOST_JOB_KEYS = ("cells", "files", "cache")  # all the host is told: no seed, no student, no plan


def recorder(assignment: str):
    """The record(exercise, namespace, standins) function of an assignment."""
    if assignment in ("regression", "classification"):
        return lambda exercise, ns, standins: record_two_layer.record(assignment, exercise, ns, standins)
    return {"warmup": record_warmup.record, "xor": record_xor.record, "layers": record_layers.record,
            "why": record_why.record, "quiz": record_quiz.record}[assignment]


def record_notebook(job: dict, host: LearnerHost) -> dict:
    """{"messages": [{"cells": ...}, {"exercise", "probe"} | {"exercise", "failed"}, ..., {"done": True}],
    "stopped": why the host stopped early, or None}."""
    messages: list[dict] = []
    try:
        started = host.start({k: job[k] for k in HOST_JOB_KEYS if k in job})
    except HostStopped:
        return {"messages": messages, "stopped": host.stopped}
    messages.append({"cells": started["cells"]})
    namespace, record = RemoteNamespace(host, started["names"]), recorder(job["assignment"])
    phases = [(tuple(p["standins"]), tuple(p["exercises"])) for p in job["phases"]]
    standins: dict = {}
    with points.seeded(job["seed"]):
        for names, exercises in phases:
            standins.update({name: plans.standin(name) for name in plans.with_needs(names)})
            for exercise in exercises:
                if host.stopped:
                    break
                try:
                    probe = record(exercise, namespace, dict(standins))
                except Exception as exc:  # noqa: BLE001  (a learner value the recorder could not use)
                    messages.append({"exercise": exercise, "failed": f"{type(exc).__name__}: {str(exc)[:300]}"})
                    continue
                if not host.stopped:
                    messages.append({"exercise": exercise, "probe": probe})
    host.end()
    if not host.stopped:
        messages.append({"done": True})
    return {"messages": messages, "stopped": host.stopped}
