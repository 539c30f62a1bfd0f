"""(i) Learner text as HTML: exception messages, printed output, returned strings and dictionary keys carrying
tags, scripts, closing </pre> and markdown, so that the feedback page or the cohort report (a page with an
inline script) renders the learner's markup. A raw `<rtxss-...` tag in any HTML page is the finding."""

from tests.attacks._common import prelude

ASSIGNMENT = "regression"
GOAL = "Get unescaped learner HTML (script, tags) into the feedback pages or the cohort report."
WITH_SOLUTION = False

CODE = prelude(ASSIGNMENT) + r'''
_RT_TAG = "<rtxss-" + _RT_NAME + " onmouseover=alert(1)>"
_RT_HTML = ("</pre></div>" + _RT_TAG + "<script>document.title='rtxss'</script><img src=x onerror=alert(1)> "
            "[link](javascript:alert(1)) ![img](http://127.0.0.1/x.png) \x1b[31m")


def forward(x, params):
    print(_RT_HTML)
    return _RT_HTML, {_RT_HTML: _RT_HTML, "x": _RT_HTML, "z1": _RT_HTML, "h": [_RT_HTML], "z2": _RT_HTML}


def backward(y, y_hat, cache, params):
    print(_RT_HTML)
    raise ValueError(_RT_HTML)


def update(params, grads, lr):
    raise type(_RT_HTML.replace("<", "").replace(">", "").replace(" ", "_")[:40], (Exception,), {})(_RT_HTML)


def train(X, y, params, lr, epochs):
    print(_RT_HTML * 3)
    return [_RT_HTML] * epochs, {k: _RT_HTML for k in params}
'''
