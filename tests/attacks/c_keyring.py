"""(c) A carrier between learners: the Linux kernel keyrings (add_key/keyctl syscalls 248/250: thread,
process, session, user, user-session and persistent keyrings of uid nobody).

Writer: a learner with a correct notebook stores the solution's code there. Reader (a classmate with the
untouched release notebook, graded after the writer, and again in a later run of the same door): looks
for it for a few seconds and, when found, defines the functions it carries."""

from tests.attacks._common import carrier_reader, carrier_writer

ASSIGNMENT = "regression"
GOAL = "Hand a correct solution to a classmate graded later through the Linux kernel keyrings."
WITH_SOLUTION = True
CODE = carrier_writer(ASSIGNMENT, ["keyring"])
READER_CODE = carrier_reader(ASSIGNMENT, ["keyring"])
