"""The recorders: what each exercise calls in the learner's notebook, at which hidden points, and the
grader's end of the sandboxed learner host they call it through. Runs in the grader, never in the sandbox."""
