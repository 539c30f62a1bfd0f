"""(c) A carrier between learners: a daemon (double fork, new session) serving it on an abstract unix socket for 90 s.

Writer: a learner with a correct notebook stores the solution's code there. Reader (a classmate with the
untouched release notebook, graded after the writer, and again in a later run of the same door): looks
for it for a few seconds and, when found, defines the functions it carries."""

from tests.attacks._common import carrier_reader, carrier_writer

ASSIGNMENT = "regression"
GOAL = "Hand a correct solution to a classmate graded later through a daemon."
WITH_SOLUTION = True
CODE = carrier_writer(ASSIGNMENT, ["socket"])
READER_CODE = carrier_reader(ASSIGNMENT, ["socket"])
