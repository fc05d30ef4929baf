"""The ``pyvorin`` command.

Each command group lives in its own module of this package and is registered in
:data:`COMMAND_MODULES`. Errors derived from :class:`~pyvorin.errors.PyvorinError` are
printed as one message and exit with their code from the exit-code table; anything
else is an internal error (exit 1) with the traceback only under ``--debug``.
"""

from __future__ import annotations

import importlib
import sys
import traceback

import click

from .. import __version__
from ..errors import PyvorinError
from ..exitcodes import ExitCode

# module name -> attribute holding a click command or group
COMMAND_MODULES: tuple[tuple[str, str], ...] = (
    ("pyvorin.cli.plugins_cmd", "plugins"),
    ("pyvorin.cli.compile_cmd", "check"),
    ("pyvorin.cli.compile_cmd", "compile_"),
    ("pyvorin.cli.compile_cmd", "build"),
    ("pyvorin.cli.annotate_cmd", "annotate"),
    ("pyvorin.cli.config_cmd", "config"),
    ("pyvorin.cli.audit_cmd", "audit"),
    ("pyvorin.cli.sandbox_cmd", "sandbox"),
    ("pyvorin.cli.licence_cmd", "licence"),
    ("pyvorin.cli.bench_cmd", "bench"),
    ("pyvorin.cli.keys_cmd", "keys"),
    ("pyvorin.cli.signature_cmd", "signature"),
    ("pyvorin.cli.wheel_cmd", "wheel"),
    ("pyvorin.cli.demo_cmd", "demo"),
)

# Commands that are not themselves recorded as "access" events (reading the log
# must not change it).
_UNAUDITED = {"audit"}


class PyvorinGroup(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PyvorinError as exc:
            click.echo(f"pyvorin: error: {exc}", err=True)
            ctx.exit(int(exc.exit_code))
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt as exc:
            from ..outputs import interrupt_exit_code

            click.echo(f"pyvorin: {str(exc) or 'interrupted'}", err=True)
            ctx.exit(interrupt_exit_code(exc))
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(
                f"pyvorin: internal error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback)",
                err=True,
            )
            ctx.exit(int(ExitCode.INTERNAL))


@click.group(cls=PyvorinGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="pyvorin")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Compile typed Python modules to verified, signed CPython extensions.

    Exit codes: 0 ok, 1 internal error, 2 usage or configuration error, 3 unsupported
    construct, 4 verification mismatch, 5 signature or trust failure, 6 licence refused,
    7 sandbox limit hit, 8 output locked by another build, 9 no working C compiler;
    130/143 interrupted (SIGINT/SIGTERM).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    sub = ctx.invoked_subcommand
    if sub and sub not in _UNAUDITED and "--help" not in sys.argv and "-h" not in sys.argv:
        from ..audit import emit

        emit("access", "cli", {"command": sub})


for _module, _attr in COMMAND_MODULES:
    main.add_command(getattr(importlib.import_module(_module), _attr))
