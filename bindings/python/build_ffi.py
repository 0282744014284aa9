"""Turns include/zerowamp.h into the CFFI declarations of the Python package.

The declarations are never written by hand: this script reads the generated C header, keeps
what a C11 compiler would see (it evaluates the header's few preprocessor conditionals, drops
comments and includes, and folds each ``#define NAME <integer expression>`` to a literal, which
is what CFFI's cdef accepts), and writes ``zerowamp/_ffi.py``: CFFI's out-of-line ABI-mode module.
That module holds the parsed declarations, so importing the package needs no C parser, and it
runs unchanged on CPython and PyPy.

Usage: python build_ffi.py HEADER OUT_PY     (the Makefile and setup.py run it)
"""

import ast
import contextlib
import io
import os
import re
import sys

# What the header's conditionals are evaluated against: a C11 compiler, not C++.
C_PREDEFINED = {"__STDC_VERSION__": 201112}

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DIRECTIVE = re.compile(r"#\s*(\w+)\s*(.*)")
_DEFINED = re.compile(r"defined\s*(?:\(\s*(\w+)\s*\)|(\w+))")
_INT_SUFFIX = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b")
_BINOPS = {
    ast.BitOr: lambda a, b: a | b,
    ast.BitAnd: lambda a, b: a & b,
    ast.BitXor: lambda a, b: a ^ b,
    ast.LShift: lambda a, b: a << b,
    ast.RShift: lambda a, b: a >> b,
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
}
_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}


class HeaderError(Exception):
    """The header uses a construct this converter does not know; it fails rather than guess."""


def _evaluate(expr, macros, line):
    """Evaluates a C integer constant expression (as in ``#if`` and ``#define``) to an int."""
    text = _DEFINED.sub(lambda m: "1" if (m.group(1) or m.group(2)) in macros else "0", expr)
    text = _INT_SUFFIX.sub(r"\1", text)
    text = text.replace("||", " or ").replace("&&", " and ")
    text = re.sub(r"!(?!=)", " not ", text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise HeaderError(f"line {line}: cannot read the expression {expr!r}") from err

    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in macros or macros[node.id] is None:
                raise HeaderError(f"line {line}: {node.id!r} has no known value in {expr!r}")
            return macros[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp):
            operand = value(node.operand)
            if isinstance(node.op, ast.Not):
                return int(not operand)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.Invert):
                return ~operand
        if isinstance(node, ast.BoolOp):
            values = [value(v) for v in node.values]
            return int(all(values) if isinstance(node.op, ast.And) else any(values))
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            return int(_COMPARE[type(node.ops[0])](value(node.left), value(node.comparators[0])))
        raise HeaderError(f"line {line}: unsupported construct in {expr!r}")

    return value(tree.body)


def cdef_from_header(text):
    """The CFFI cdef for the header's text: the declarations a C11 compiler sees, with every
    ``#define`` of an integer folded to ``#define NAME <literal>``."""
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    text = text.replace("\\\n", " ")
    macros = dict(C_PREDEFINED)
    # One entry per open conditional: (this branch is taken, some branch was already taken).
    stack = []
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        active = all(taken for taken, _ in stack)
        directive = _DIRECTIVE.match(line.strip())
        if not directive:
            if active and line.strip():
                out.append(line.rstrip())
            continue
        name, rest = directive.group(1), directive.group(2).strip()
        if name in ("ifdef", "ifndef", "if"):
            if name == "if":
                taken = bool(_evaluate(rest, macros, number)) if active else False
            else:
                taken = (rest in macros) == (name == "ifdef")
            stack.append((taken, taken))
        elif name == "else":
            if not stack:
                raise HeaderError(f"line {number}: #else without #if")
            _, done = stack.pop()
            stack.append((not done, True))
        elif name == "endif":
            if not stack:
                raise HeaderError(f"line {number}: #endif without #if")
            stack.pop()
        elif not active:
            continue
        elif name == "include":
            continue  # the standard headers: CFFI knows their types
        elif name == "define":
            parts = rest.split(None, 1)
            if len(parts) == 1:
                macros[parts[0]] = None  # a flag such as the include guard
                continue
            if "(" in parts[0]:
                raise HeaderError(f"line {number}: function-like macro {parts[0]!r}")
            macros[parts[0]] = _evaluate(parts[1], macros, number)
            out.append(f"#define {parts[0]} {macros[parts[0]]}")
        else:
            raise HeaderError(f"line {number}: unsupported directive #{name}")
    if stack:
        raise HeaderError("a conditional is not closed by #endif")
    return "\n".join(out) + "\n"


def make_ffi(header_path):
    """A ``cffi.FFI`` declaring the header, set up for out-of-line ABI mode as ``zerowamp._ffi``."""
    import cffi  # only needed to build, never to import the package

    with open(header_path, encoding="utf-8") as f:
        cdef = cdef_from_header(f.read())
    ffi = cffi.FFI()
    ffi.cdef(cdef)
    ffi.set_source("zerowamp._ffi", None)
    return ffi


def write(header_path, out_path):
    """Writes the out-of-line ABI module for ``header_path`` to ``out_path``."""
    ffi = make_ffi(header_path)
    tmp = out_path + ".tmp"
    with contextlib.redirect_stdout(io.StringIO()):  # CFFI announces the file it writes
        ffi.emit_python_code(tmp)
    with open(tmp, encoding="utf-8") as f:
        body = f.read()
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"# Generated from {os.path.basename(header_path)} by build_ffi.py; do not edit.\n")
        f.write(body)
    os.replace(tmp, out_path)


def header_version(header_path):
    """The library version the header declares, "MAJOR.MINOR.PATCH"."""
    with open(header_path, encoding="utf-8") as f:
        text = f.read()
    parts = [re.search(rf"#define ZW_VERSION_{p} (\d+)", text) for p in ("MAJOR", "MINOR", "PATCH")]
    if not all(parts):
        raise HeaderError(f"{header_path}: no ZW_VERSION_MAJOR/MINOR/PATCH")
    return ".".join(m.group(1) for m in parts)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: build_ffi.py HEADER OUT_PY")
    write(sys.argv[1], sys.argv[2])
