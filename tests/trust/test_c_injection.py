"""Finding 1: user-controlled text reaches generated C only as escaped literals/identifiers.

The original attack: a directory named ``x*\\`` + newline ended the generated C comment
(backslash-newline splices ``*`` and the next line's ``/`` into ``*/``), the next path
component became C, and a constructor placed there ran when the signed module was
imported. These tests lex the generated C the way a C compiler does (trigraphs, line
splices, comments, literals) and assert that no user byte survives outside an escaped
string literal, then build and import hostile-named modules for real.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvorin.compiler import compile_module, cstrings, generate_c
from pyvorin.errors import ConfigError
from pyvorin.model import ModuleSpec
from tests.helpers import run_cli

HOSTILE = ["\\", "\n", "\r", "*/", "/*", "??/", "?", "\x00", '"', "'", "%n", "\t", "\x7f", "é"]
MARKER = "PWNMARK"

_TRIGRAPHS = dict(zip("=/'()!<>-", "#\\^[]|{}~", strict=True))


def lex_code_outside_literals(c: str) -> tuple[str, list[str], list[str]]:
    """(code outside comments and literals, string literals, comment bodies) as cc sees it."""
    c = re.sub(r"\?\?([=/'()!<>-])", lambda m: _TRIGRAPHS[m.group(1)], c)  # phase 1
    c = c.replace("\\\n", "")  # phase 2: line splices
    code, literals, comments = [], [], []
    i = 0
    while i < len(c):
        if c.startswith("/*", i):
            end = c.index("*/", i + 2)
            comments.append(c[i + 2 : end])
            i = end + 2
        elif c.startswith("//", i):
            end = c.find("\n", i)
            comments.append(c[i + 2 : end])
            i = end
        elif c[i] in "\"'":
            q = c[i]
            j = i + 1
            while c[j] != q:
                assert c[j] != "\n", f"unterminated literal at {c[i : i + 40]!r}"
                j += 2 if c[j] == "\\" else 1
            literals.append(c[i : j + 1])
            code.append(" ")
            i = j + 1
        else:
            code.append(c[i])
            i += 1
    return "".join(code), literals, comments


SAFE_LITERAL_BODY = r"(?:[A-Za-z0-9 _.,:;!()\[\]{}<>=+%&|^~@#$'/*-]|\\[0-7]{3})*"


def assert_c_is_safe(c: str) -> None:
    code, literals, comments = lex_code_outside_literals(c)
    assert MARKER not in code, "user text escaped into C code"
    assert "constructor" not in code
    for lit in literals:  # every literal is plain allow-listed bytes or octal escapes
        body = lit[1:-1]
        assert re.fullmatch(SAFE_LITERAL_BODY, body), lit
    for body in comments:
        assert "*" not in body and "\\" not in body and "?" not in body and "\n" not in body


SOURCE = """\
DOC


def f(x: int) -> int:
    DOC
    return x + 1


def g(x: int) -> None:
    assert x > 0, DOC
    print(DOC)
"""


DOCTESTED = '''\
def f(x: int) -> int:
    """
    >>> f(1)
    2
    """
    return x + 1
'''


def _module(tmp_path: Path, dirname: str, filename: str, text: str) -> Path:
    d = tmp_path / dirname
    d.mkdir(parents=True, exist_ok=True)
    p = d / filename
    p.write_text(SOURCE.replace("DOC", repr(text)), encoding="utf-8")
    return p


hostile_text = st.lists(
    st.sampled_from([*HOSTILE, MARKER, " __attribute__((constructor)) void p(void){} ", "x"]),
    min_size=1,
    max_size=8,
).map("".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dirname=hostile_text, text=hostile_text)
def test_hostile_paths_and_strings_stay_inside_escaped_literals(
    tmp_path: Path, dirname: str, text: str
) -> None:
    dirname = dirname.replace("/", "_").replace("\x00", "_")  # what a file system accepts
    if dirname in (".", ".."):
        dirname += "_"
    path = _module(tmp_path, dirname, "mod.py", text)
    c = generate_c(ModuleSpec("mod", path))
    assert_c_is_safe(c)


@pytest.mark.parametrize(
    "name",
    ["a*/b", "x\\", "a\nb", "evil(void){}x", "m;", "??/", "a-b", "1abc", "", "a b", "u\x00"],
)
def test_module_names_that_are_not_identifiers_are_refused(tmp_path: Path, name: str) -> None:
    path = _module(tmp_path, "ok", "mod.py", "x")
    with pytest.raises(ConfigError) as info:
        generate_c(ModuleSpec(name, path))
    assert repr(name.split(".")[-1]) in str(info.value) or repr(name) in str(info.value)
    assert str(path) in str(info.value)


def test_identifier_encoding_is_injective_and_strict() -> None:
    names = ["a", "u_61", "é", "u_c3a9", "_", "A1", "名前", "u_", "x" * 50]
    out = [cstrings.c_identifier(n) for n in names]
    assert len(set(out)) == len(out)
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", o) for o in out)
    assert cstrings.init_function_name("pkg.mod") == "PyInit_mod"
    # CPython's rule for non-ASCII module names (PEP 489): PyInitU_ + punycode, '-' -> '_'
    assert cstrings.init_function_name("été") == "PyInitU_t_9fab"


def test_literal_escaping_round_trips_through_a_c_compiler(tmp_path: Path) -> None:
    """Every byte value and lone surrogates, through gcc: the program prints them back."""
    text = "".join(chr(i) for i in range(1, 256)) + "??/*/\\\n\udcff名"
    lit, n = cstrings.c_string(text)
    src = tmp_path / "t.c"
    src.write_text(
        "#include <stdio.h>\nstatic const char s[] = " + lit + ";\n"
        f"int main(void) {{ fwrite(s, 1, {n}, stdout); return sizeof(s) - 1 == {n} ? 0 : 9; }}\n"
    )
    subprocess.run(["cc", "-trigraphs", "-o", str(tmp_path / "t"), str(src)], check=True)
    out = subprocess.run([str(tmp_path / "t")], capture_output=True, check=True).stdout
    assert out == text.encode("utf-8", "backslashreplace")
    out.decode("utf-8")  # always valid UTF-8


FLAG_ENV = "PYVORIN_TEST_PWN_FLAG"
PAYLOAD = (
    "extern char *getenv(const char *); extern int creat(const char *, unsigned int); "
    "__attribute__((constructor)) static void pwn(void) "
    f'{{ const char *p = getenv("{FLAG_ENV}"); if (p) creat(p, 384); }} '
)


def _attack_dir(tmp_path: Path) -> Path:
    """The original reproduction: ``x*\\`` + newline, then C, then ``*`` (reopens a comment).

    Spliced by the C preprocessor, ``x*\\<newline>/`` becomes ``x*/`` (the comment ends),
    the next component is code (a constructor creating the file named by FLAG_ENV) and
    ``<space>/*`` starts a comment again that swallows the rest of the path.
    """
    return tmp_path / "x*\\\n" / PAYLOAD / "*"


@pytest.mark.skipif(sys.platform != "linux", reason="directory names with newlines: Linux")
def test_original_attack_path_compiles_to_a_harmless_module(tmp_path: Path) -> None:
    flag = tmp_path / "PWNED"
    d = _attack_dir(tmp_path)
    d.mkdir(parents=True)
    src = d / "victim.py"
    src.write_text("def f(x: int) -> int:\n    return x + 1\n")
    c = generate_c(ModuleSpec("victim", src))
    assert_c_is_safe(c)
    out = tmp_path / "out"
    result = compile_module(
        ModuleSpec("victim", src), out, workdir=tmp_path / "w", cache_dir=tmp_path / "c"
    )
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import importlib.machinery, importlib.util
            path = {str(result.artifact)!r}
            loader = importlib.machinery.ExtensionFileLoader("victim", path)
            spec = importlib.util.spec_from_file_location("victim", path, loader=loader)
            m = importlib.util.module_from_spec(spec); loader.exec_module(m)
            print(m.f(41))
        """),
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, **{FLAG_ENV: str(flag)}),
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "42"
    assert not flag.exists(), "the constructor in the directory name ran"


@pytest.mark.skipif(sys.platform != "linux", reason="directory names with newlines: Linux")
def test_original_attack_through_the_cli_compile(tmp_path: Path) -> None:
    """The real `pyvorin compile` (licence, sandbox, verification, signing): no constructor."""
    flag = tmp_path / "PWNED"
    d = _attack_dir(tmp_path)
    d.mkdir(parents=True)
    src = d / "victim.py"
    src.write_text(DOCTESTED)
    out = tmp_path / "out"
    res = run_cli("compile", str(src), "-o", str(out), env={FLAG_ENV: str(flag)})
    assert res.returncode == 0, res.stdout + res.stderr
    assert not flag.exists(), "the constructor ran during the build"
    probe = subprocess.run(
        [sys.executable, "-c", "import victim; print(victim.f(1))"],
        cwd=out,
        env=dict(os.environ, PYTHONPATH=str(out), **{FLAG_ENV: str(flag)}),
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "2"
    assert not flag.exists()


def test_cli_refuses_a_file_whose_name_is_c(tmp_path: Path) -> None:
    src = tmp_path / "evil(void){}x.py"
    src.write_text("def f(x: int) -> int:\n    return x\n")
    out = tmp_path / "out"
    res = run_cli("compile", str(src), "-o", str(out))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "'evil(void){}x' is not a Python identifier" in res.stderr
    assert not out.exists() or not any(out.iterdir())
