"""(c) A carrier between learners: files in /tmp, /dev/shm, /var/tmp, $HOME, the scratch folder and every writable
directory found by walking /.

Writer: a learner with a correct notebook stores the solution's code there. Reader (a classmate with the
untouched release notebook, graded after the writer, and again in a later run of the same door): looks
for it for a few seconds and, when found, defines the functions it carries."""

from tests.attacks._common import carrier_reader, carrier_writer

ASSIGNMENT = "regression"
GOAL = "Hand a correct solution to a classmate graded later through files in /tmp, /dev/shm, $HOME, the scratch folder."
WITH_SOLUTION = True
CODE = carrier_writer(ASSIGNMENT, ["files"])
READER_CODE = carrier_reader(ASSIGNMENT, ["files"])
