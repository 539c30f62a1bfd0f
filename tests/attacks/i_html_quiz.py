"""(i) Quiz answers carrying HTML: every formula and number answered with a string of tags and script, so that
the feedback ("not equivalent to the right formula" quotes it) or the cohort report's lists of wrong answers
render it. A raw `<rtxss-...` tag in any HTML page is the finding."""

from tests.attacks._common import prelude

ASSIGNMENT = "quiz"
GOAL = "Get unescaped learner HTML into feedback or the cohort report through quiz answers."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
_RT_HTML = "</pre><rtxss-" + _RT_NAME + " onmouseover=alert(1)><script>alert(1)</script>"
for _rt_name in [n for n in list(globals()) if n.startswith("answer_")] + [
        "answer_E%02d" % k for k in range(1, 30)] + ["answer_M%02d" % k for k in range(1, 30)]:
    globals()[_rt_name] = _RT_HTML
'''
