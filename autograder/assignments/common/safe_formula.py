"""A learner's formula (text) as a sympy expression, built from its syntax tree: nothing is evaluated.

`sympy.sympify` and `parse_expr` call Python's `eval` on the text: a quiz answer such as
`"__import__('os').system(...) * 0 + y"` would run in the grader's process, with its rights. Here the
text is parsed by `ast`, every node is checked against a short list (numbers, the allowed names, + − × ÷
and powers, calls of a few named functions), and the expression is built node by node.
"""

from __future__ import annotations

import ast

import sympy as sp

MAX_CHARS = 400
MAX_NODES = 400
FUNCTIONS = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh, "abs": sp.Abs,
             "sin": sp.sin, "cos": sp.cos, "sigmoid": lambda t: 1 / (1 + sp.exp(-t))}
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b, ast.BitXor: lambda a, b: a ** b}  # x^2, as sympify


class FormulaError(ValueError):
    """The text is not a formula this grader reads; the message says why, for the learner."""


def parse(text: str, names: dict[str, sp.Expr], rational: bool = False,
          functions: dict | None = None) -> sp.Expr:
    """`text` as sympy, in `names` (name → symbol); floats as exact rationals with `rational`."""
    functions = FUNCTIONS if functions is None else functions
    if not isinstance(text, str):
        raise FormulaError("it is not text")
    if len(text) > MAX_CHARS:
        raise FormulaError("the expression is too long")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FormulaError("it is not a formula Python can read") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError("the expression is too long")
    for node in sorted((n for n in nodes if isinstance(n, ast.Name)), key=lambda n: (n.lineno, n.col_offset)):
        if node.id not in names and node.id not in functions:  # the first unknown name, as the learner reads it
            raise FormulaError(f"it uses {node.id!r}; the names it may use are {', '.join(sorted(names))}")

    def build(node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            if type(node.value) is int:
                return sp.Integer(node.value)
            return sp.Rational(repr(node.value)) if rational else sp.Float(repr(node.value))
        if isinstance(node, ast.Name):
            if node.id in names:
                return names[node.id]
            raise FormulaError(f"it uses {node.id!r}; the names it may use are {', '.join(sorted(names))}")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](build(node.left), build(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            value = build(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions \
                and not node.keywords and len(node.args) == 1:
            return functions[node.func.id](build(node.args[0]))
        shown = {ast.Subscript: "[", ast.Attribute: ".", ast.Lambda: "lambda"}.get(type(node), ast.unparse(node)[:60])
        raise FormulaError(f"it contains {shown!r}, which is not arithmetic on the allowed names")

    try:
        return build(tree)
    except FormulaError:
        raise
    except (RecursionError, TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise FormulaError(f"sympy cannot read it ({type(exc).__name__})") from None
