"""A test backend plugin that "compiles" by copying the source with deliberate bugs.

``MutantBackend`` provides the backend ``mutant``. It is registered on the plugin
manager exactly like a third-party plugin (``pm.register``). Its artifact is a ``.py``
file (loaded with SourceFileLoader by the worker): the module's source with the given
text replacements applied, each of which must match, so a test cannot silently verify
an unmutated copy.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from pyvorin.config import load_settings
from pyvorin.home import pyvorin_home
from pyvorin.hookspecs import hookimpl
from pyvorin.model import BuildContext, CompileResult, ModuleSpec
from pyvorin.plugins import build_plugin_manager

HERE = Path(__file__).resolve().parent
KERNELS = HERE / "kernels_src.py"


class MutantBackend:
    def __init__(self, replacements: list[tuple[str, str]] | None = None) -> None:
        self.replacements = list(replacements or [])

    @hookimpl
    def pyvorin_backend_names(self) -> list[str]:
        return ["mutant"]

    @hookimpl
    def pyvorin_check(self, ctx, module, backend):  # type: ignore[no-untyped-def]
        return [] if backend == "mutant" else None

    @hookimpl
    def pyvorin_compile(self, ctx, module, backend, workdir):  # type: ignore[no-untyped-def]
        if backend != "mutant":
            return None
        source = module.path.read_text(encoding="utf-8")
        for old, new in self.replacements:
            assert old in source, f"mutation target not found: {old!r}"
            source = source.replace(old, new)
        leaf = module.name.rsplit(".", 1)[-1]
        artifact = ctx.out_dir / f"{leaf}.mutant.py"
        artifact.parent.mkdir(parents=True, exist_ok=True)
        artifact.write_text(source, encoding="utf-8")
        return CompileResult(module=module, backend="mutant", artifact=artifact)


def make_project(
    root: Path,
    *,
    source: str | Path = KERNELS,
    min_inputs: int = 30,
    call_seconds: int = 2,
    seed: int | None = 0,
    examples: str | None = None,
    extra: str = "",
) -> ModuleSpec:
    """A project in ``root`` with module ``kernels`` and a [tool.pyvorin] section."""
    root.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Path):
        shutil.copy(source, root / "kernels.py")
    else:
        (root / "kernels.py").write_text(textwrap.dedent(source), encoding="utf-8")
    lines = [
        "[tool.pyvorin]",
        'modules = ["kernels.py"]',
        'backend = "mutant"',
        "[tool.pyvorin.verify]",
        f"min-inputs = {min_inputs}",
        f"call-seconds = {call_seconds}",
    ]
    if seed is not None:
        lines.append(f"seed = {seed}")
    if examples is not None:
        (root / "examples.toml").write_text(textwrap.dedent(examples), encoding="utf-8")
        lines.append('examples = "examples.toml"')
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return ModuleSpec("kernels", (root / "kernels.py").resolve())


def make_context(
    root: Path, backend: object, out: Path | None = None, extra: list[object] = ()
) -> BuildContext:  # type: ignore[assignment]
    """A build context whose plugin manager has the built-ins plus ``backend``."""
    settings = load_settings(root)
    pm, _ = build_plugin_manager([], env={})
    pm.register(backend, name="mutant-test-backend")
    for number, plugin in enumerate(extra):
        pm.register(plugin, name=f"extra-test-plugin-{number}")
    return BuildContext(
        settings=settings,
        hook=pm.hook,
        home=pyvorin_home(),
        out_dir=out or (root / "out"),
    )


def compile_with(ctx: BuildContext, module: ModuleSpec, workdir: Path) -> CompileResult:
    result = ctx.hook.pyvorin_compile(ctx=ctx, module=module, backend="mutant", workdir=workdir)
    assert result is not None
    return result
