"""(c) A carrier between learners: a System V shared memory segment (shmget/shmat).

Writer: a learner with a correct notebook stores the solution's code there. Reader (a classmate with the
untouched release notebook, graded after the writer, and again in a later run of the same door): looks
for it for a few seconds and, when found, defines the functions it carries."""

from tests.attacks._common import carrier_reader, carrier_writer

ASSIGNMENT = "regression"
GOAL = "Hand a correct solution to a classmate graded later through a System V shared memory segment."
WITH_SOLUTION = True
CODE = carrier_writer(ASSIGNMENT, ["shm"])
READER_CODE = carrier_reader(ASSIGNMENT, ["shm"])
