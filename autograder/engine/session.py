"""Record one notebook: its cells run in the sandboxed host, its exercises are recorded here.

    ran = record_notebook(job, host)     # host: a remote.LearnerHost reaching the notebook's sandbox

The hidden points are drawn here from the job's seed (the host never learns it), each exercise's
recorder calls the learner's functions through the host, in the order of the assignment's plan (`assignments/`): correct building
blocks are offered to the learner's code only in phases after every exercise they could answer.
An exercise during which the host stopped (a limit, a crash, a line out of turn) is not recorded:
it scores 0 with the reason, and so does every exercise after it.
"""

from __future__ import annotations

from autograder import assignments
from autograder.assignments.common import points
from autograder.engine.remote import HostStopped, LearnerHost, RemoteNamespace

HOST_JOB_KEYS = ("cells", "files", "cache")  # all the host is told: no seed, no student, no plan


def record_notebook(job: dict, host: LearnerHost) -> dict:
    """{"messages": [{"cells": ...}, {"exercise", "probe"} | {"exercise", "failed"}, ..., {"done": True}],
    "stopped": why the host stopped early, or None}."""
    messages: list[dict] = []
    try:
        started = host.start({k: job[k] for k in HOST_JOB_KEYS if k in job})
    except HostStopped:
        return {"messages": messages, "stopped": host.stopped}
    messages.append({"cells": started["cells"]})
    namespace, record = RemoteNamespace(host, started["names"]), assignments.get(job["assignment"]).record
    phases = [(tuple(p["standins"]), tuple(p["exercises"])) for p in job["phases"]]
    standins: dict = {}
    with points.seeded(job["seed"]):
        for names, exercises in phases:
            standins.update({name: assignments.standin(name) for name in assignments.with_needs(names)})
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
