"""The only ways user-controlled text may enter generated C.

Paths, module, function and variable names, docstrings and string constants come from the
project being built: a hostile repository chooses them. Each may reach a C translation
unit only through one of these helpers:

- :func:`c_string_literal` / :func:`c_string`: a double-quoted C string literal in which
  every byte outside a small allow-list (letters, digits, space and ``_-.,:;!()[]{}<>=+%&|^~@#$'``)
  is an octal escape. No backslash, quote, newline, ``?`` (trigraphs), ``*``/``/``
  (comments) or non-ASCII byte of the input appears as itself. The bytes are always valid
  UTF-8 (lone surrogates from non-UTF-8 file names are spelled ``\\udcxx``).
- :func:`c_identifier`: a fragment ``[A-Za-z0-9_]+`` to append to a fixed prefix
  (``v_``, ``pvf_``...). ASCII Python identifiers keep their spelling; anything else is
  hex-encoded behind ``u_``. The mapping is injective, so two names never collide.
- :func:`c_comment`: a ``/* ... */`` comment whose body holds no ``*``, ``\\``, ``?``, line
  break or non-printable byte (others are percent-encoded).
- :func:`init_function_name`: ``PyInit_<name>`` for an extension module, as CPython looks
  it up (``PyInitU_<punycode>`` for non-ASCII names); a module name that is not a Python
  identifier is refused with :class:`UnsafeNameError`.

Nothing else interpolates user text into C. ``tests/compiler/test_cstrings.py`` feeds
hostile names through these helpers and through the whole compiler.
"""

from __future__ import annotations

import re

from ..errors import ConfigError

__all__ = [
    "UnsafeNameError",
    "c_comment",
    "c_identifier",
    "c_string",
    "c_string_literal",
    "init_function_name",
    "module_leaf",
]

_LITERAL_SAFE = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;!()[]{}<>=+%&|^~@#$'"
)
_COMMENT_SAFE = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;!()[]{}<>=+&|^~@#$'/"
)
_ASCII_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class UnsafeNameError(ConfigError, ValueError):
    """A name that cannot be spelled in C as CPython expects it (e.g. a module name)."""


def _utf8(text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        return text
    # backslashreplace: lone surrogates (from non-UTF-8 file names) become ``\udcxx`` so the
    # literal is always valid UTF-8 for PyUnicode_FromString and friends.
    return text.encode("utf-8", "backslashreplace")


def c_string(text: str | bytes) -> tuple[str, int]:
    """``(literal, length_in_bytes)`` for ``text`` as an escaped C string literal."""
    data = _utf8(text)
    out = []
    for b in data:
        out.append(chr(b) if b in _LITERAL_SAFE else f"\\{b:03o}")
    return '"' + "".join(out) + '"', len(data)


def c_string_literal(text: str | bytes) -> str:
    """``text`` as an escaped C string literal (see the module docstring)."""
    return c_string(text)[0]


def c_identifier(name: str) -> str:
    """An injective C identifier fragment for ``name``; append it to a fixed prefix."""
    if _ASCII_IDENT.match(name) and not name.startswith("u_"):
        return name
    return "u_" + _utf8(name).hex()


def c_comment(text: str | bytes) -> str:
    """A C comment showing ``text``; unsafe bytes appear as ``%XX``."""
    data = _utf8(text)
    body = "".join(chr(b) if b in _COMMENT_SAFE else f"%{b:02X}" for b in data)
    return "/* " + body + " */"


def module_leaf(module_name: str) -> str:
    """The last component of a dotted module name, refused unless it is an identifier."""
    parts = module_name.split(".")
    for part in parts:
        if not part.isidentifier():
            raise UnsafeNameError(
                f"module name {module_name!r}: {part!r} is not a Python identifier; rename "
                "the file or directory (module names must be valid Python identifiers)"
            )
    return parts[-1]


def init_function_name(module_name: str) -> str:
    """The ``PyInit`` symbol CPython looks up for ``module_name`` (PEP 489)."""
    leaf = module_leaf(module_name)
    if leaf.isascii():
        return "PyInit_" + leaf
    return "PyInitU_" + leaf.encode("punycode").decode("ascii").replace("-", "_")
