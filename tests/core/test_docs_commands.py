"""Every command a user would type from README.md and docs/ is checked, so docs cannot drift.

Commands are taken from shell code blocks (``bash``, ``sh``, ``console`` and untyped
fences; ``$ `` prompts and ``\\`` continuations understood) and from inline code spans in
the prose that start with ``pyvorin``. Each one is checked against what it names:

* ``pyvorin ...`` / ``pyvorin-server ...`` / ``python -m pyvorin ...``: parsed by the
  real click command tree (subcommand exists, every option exists, arguments and choices
  are accepted), without running it. A usage synopsis (``[--id ID]``, ``a|b``,
  ``PATH...``) must name existing subcommands and options.
* ``pip install``/``pip wheel``: paths exist in the repository; no distribution of this
  repository is installed by name (none is on a package index), and builds of a project
  turn build isolation off for the same reason.
* ``python -m build`` / ``hatch build``: isolation off (as above); ``python -m MOD``:
  the module exists; ``pytest --OPT``: the option is registered; ``tox -e ENV``: the
  environment is configured; ``bash FILE``: the file exists.

Commands of other tools (``gh``, ``pre-commit``, ...) are accepted by name only when
listed in ``EXTERNAL``. What each command does when run is tested where the feature is
(this file is about the text matching the tools).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import click
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL_FENCES = {"bash", "sh", "shell", "console", ""}

OUR_DISTRIBUTIONS = {
    "pyvorin",
    "pyvorin-runtime",
    "pyvorin-server",
    "pyvorin-setuptools",
    "hatch-pyvorin",
    "pytest-pyvorin",
}
EXTERNAL = {"gh", "pre-commit", "python3", "source", ".", "cd", "export", "cat", "curl"}
"""Other programs the docs show; not checked beyond their name."""

_TOOLS = "pyvorin|pyvorin-server|pip|python3?|pytest|tox|hatch|bash|gh|pre-commit"
_STARTS = re.compile(rf"([A-Z_]+=\S* )*({_TOOLS})(\s|$)")
_SYNOPSIS = re.compile(r"[\[\]|<>]|\.\.\.|…$")


@dataclass(frozen=True)
class Command:
    where: str  # file:line
    text: str  # the command as written (one of a chain)
    argv: tuple[str, ...]
    inline: bool = False  # named in prose: arguments may be left out

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


def _split_chain(line: str) -> list[list[str]]:
    """A shell line -> its simple commands (split at &&, ||, ;, |), comments dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars="&|;")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in {"&&", "||", ";", "|", "&"}:
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


def _fenced_lines(text: str):
    for match in re.finditer(r"^```(\w*)[^\n]*\n(.*?)^```", text, re.S | re.M):
        if match.group(1) not in SHELL_FENCES:
            continue
        first = text.count("\n", 0, match.start(2)) + 1
        pending, start = "", 0
        for offset, raw in enumerate(match.group(2).splitlines()):
            line = raw.strip()
            if line.startswith("$ "):
                line = line[2:]
            if not pending:
                start = first + offset
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            yield start, pending + line
            pending = ""


def _inline_spans(text: str):
    outside = re.sub(
        r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S | re.M
    )
    for match in re.finditer(r"`(pyvorin(?:-server)? [^`]+)`", outside):
        yield outside.count("\n", 0, match.start()) + 1, match.group(1)


def documented_commands() -> list[Command]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        lines = [(n, t, False) for n, t in _fenced_lines(text)]
        lines += [(n, t, True) for n, t in _inline_spans(text)]
        for lineno, line, inline in lines:
            if not _STARTS.match(line):
                continue
            for argv in _split_chain(line) if not _SYNOPSIS.search(line) else [line.split()]:
                # output lines such as "pyvorin: error: ..." or "pyvorin-server 0.1.0 listening"
                if argv[0] in {"pyvorin", "pyvorin-server"} and (
                    len(argv) < 2 or not re.match(r"[a-z-]", argv[1])
                ):
                    continue
                found.append(Command(f"{rel}:{lineno}", " ".join(argv), tuple(argv), inline))
    return found


COMMANDS = documented_commands()


def _cli(name: str) -> click.Command:
    if name == "pyvorin":
        from pyvorin.cli import main
    else:
        from pyvorin_server.cli import main
    return main


def _resolve(root: click.Command, name: str, args: list[str]):
    """Walk groups down the subcommand names -> (command, its context, remaining args)."""
    ctx = click.Context(root, info_name=name)
    cmd = root
    while isinstance(cmd, click.Group) and args and re.match(r"[a-z]", args[0]):
        sub = cmd.get_command(ctx, args[0])
        if sub is None:
            raise AssertionError(
                f"{name}: no command {args[0]!r} (has {sorted(cmd.list_commands(ctx))})"
            )
        ctx = click.Context(sub, info_name=args[0], parent=ctx)
        cmd, args = sub, args[1:]
    return cmd, ctx, args


def _check_pyvorin(command: Command, argv: list[str]) -> None:
    name, args = argv[0], list(argv[1:])
    try:
        cmd, ctx, rest = _resolve(_cli(name), name, args)
    except AssertionError as exc:
        raise AssertionError(f"{command}: {exc}") from None
    if command.inline or _SYNOPSIS.search(command.text):
        options = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        for token in re.findall(r"(?<![\w-])--?[a-zA-Z][\w-]*", " ".join(rest)):
            assert token in options, f"{command}: {token} is not an option of {ctx.command_path}"
        return
    assert not isinstance(cmd, click.Group) or rest, f"{command}: names a group, not a command"
    try:
        cmd.make_context(ctx.info_name, rest, parent=ctx.parent)
    except click.exceptions.Exit:
        pass
    except click.UsageError as exc:
        raise AssertionError(
            f"{command}: {ctx.command_path} refuses it: {exc.format_message()}"
        ) from None


def _isolation_off(argv: list[str]) -> bool:
    return bool({"--no-isolation", "-n", "--no-build-isolation"} & set(argv))


def _check_pip(command: Command, argv: list[str]) -> None:
    if argv[1] not in {"install", "wheel"}:
        return
    args = argv[2:]
    for i, arg in enumerate(args):
        if args[i - 1] in {"-r", "-e", "--requirement", "--editable"} or arg.startswith((".", "/")):
            if not arg.startswith("/"):
                assert (ROOT / arg).exists(), f"{command}: {arg} does not exist in a clone"
            if arg in {".", "./"}:
                assert _isolation_off(args), (
                    f"{command}: a project that builds with Pyvorin needs build isolation off "
                    "(its adapters are not on a package index)"
                )
        elif not arg.startswith("-"):
            assert arg.split("[")[0] not in OUR_DISTRIBUTIONS, (
                f"{command}: {arg} is not on a package index; install it from a clone (./path)"
            )


@cache
def _pytest_help() -> str:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:randomly"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    ).stdout


def _check(command: Command) -> None:
    argv = list(command.argv)
    for i, token in enumerate(argv):  # leading VAR=value assignments
        if "=" not in token:
            argv = argv[i:]
            break
    tool = argv[0]
    if tool in {"pyvorin", "pyvorin-server"}:
        _check_pyvorin(command, argv)
    elif tool in {"python", "python3"} and argv[1:2] == ["-m"]:
        module = argv[2]
        if module in {"pyvorin", "pyvorin_server"}:
            _check_pyvorin(
                command, ["pyvorin" if module == "pyvorin" else "pyvorin-server", *argv[3:]]
            )
        elif module == "pyvorin_runtime":
            from pyvorin_runtime.__main__ import build_parser

            try:
                build_parser().parse_args(argv[3:])
            except SystemExit as exc:
                raise AssertionError(f"{command}: python -m pyvorin_runtime refuses it") from exc
        elif module == "pip":
            _check_pip(command, ["pip", *argv[3:]])
        elif module == "build":
            assert _isolation_off(argv), (
                f"{command}: add --no-isolation (adapters are not on an index)"
            )
        elif module == "pytest":
            _check(Command(command.where, command.text, ("pytest", *argv[3:])))
        elif module != "venv":
            assert (
                find_spec(module) is not None
                or (ROOT / (module.replace(".", "/") + ".py")).is_file()
            ), f"{command}: no module {module}"
    elif tool == "pip":
        _check_pip(command, argv)
    elif tool == "pytest":
        for option in (a.split("=")[0] for a in argv[1:] if a.startswith("--")):
            assert option in _pytest_help(), f"{command}: pytest has no option {option}"
        for path in (a for a in argv[1:] if not a.startswith("-") and "/" in a):
            assert (ROOT / path).exists(), f"{command}: {path} does not exist"
    elif tool == "tox":
        tox = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["tox"]
        for env in argv[argv.index("-e") + 1].split(",") if "-e" in argv else []:
            assert env in tox["env_list"], f"{command}: tox has no environment {env}"
    elif tool == "hatch":
        assert "build" in argv, f"{command}: only `hatch build` is documented"
    elif tool == "bash":
        assert (ROOT / argv[1]).is_file(), f"{command}: {argv[1]} does not exist"
    else:
        assert tool in EXTERNAL, (
            f"{command}: unknown tool {tool!r} (add it to EXTERNAL if intended)"
        )


def test_commands_are_found() -> None:
    """The extraction sees the documented commands (a broken extractor checks nothing)."""
    texts = {c.text for c in COMMANDS}
    assert len(COMMANDS) > 100
    assert "pyvorin licence dev" in texts and "pyvorin audit verify" in texts
    assert "python -m pyvorin_runtime forget-builds numkit" in texts
    assert any(t.startswith("pyvorin-server run --host 0.0.0.0 --port 8443") for t in texts)
    assert not any(t.startswith("pyvorin:") for t in texts)


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_documented_command(command: Command) -> None:
    _check(command)


RUN_FOR_REAL = {"licence status", "keys list", "audit verify", "audit show", "sandbox probe"}
"""Read-only commands that are also run as written, in the test's licensed home (exit 0)."""


@pytest.mark.parametrize(
    "command",
    [
        c
        for c in COMMANDS
        if c.argv[0] == "pyvorin"
        and not c.inline
        and not _SYNOPSIS.search(c.text)
        and " ".join(c.argv[1:3]) in RUN_FOR_REAL
    ],
    ids=str,
)
def test_documented_read_only_command_runs(command: Command, tmp_path: Path) -> None:
    from tests.helpers import run_cli

    result = run_cli(*command.argv[1:], cwd=tmp_path)
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr


def test_every_read_only_command_is_documented() -> None:
    ran = {" ".join(c.argv[1:3]) for c in COMMANDS if c.argv[0] == "pyvorin" and not c.inline}
    assert ran >= RUN_FOR_REAL


@pytest.mark.parametrize(
    "text",
    [
        "pyvorin licence no-such-thing",
        "pyvorin build . --no-such-flag",
        "pyvorin signature verify --format yaml x.whl",
        "pyvorin keys generate [--bogus X]",
        "pip install pytest-pyvorin",
        "python -m pyvorin_runtime trust --no-such-option",
        "pip install ./no/such/dir",
        "python -m build --wheel",
        "pytest --no-such-option",
        "tox -e nope",
    ],
)
def test_drifted_command_is_caught(text: str) -> None:
    """The checks fail on the kinds of drift they exist for."""
    with pytest.raises(AssertionError):
        _check(Command("test", text, tuple(text.split())))
