"""Input source 1: explicit examples from the TOML file ``[tool.pyvorin.verify] examples``.

Format (see docs/verification.md)::

    [["pkg.mod:scale"]]          # one table per example, keyed by "module:function"
    args = [3, 2.5]              # positional arguments, as TOML values
    kwargs = { round = true }    # keyword arguments (optional)
    name = "typical"             # a label shown in reports (optional)

A function whose whole meaningful input domain is small can be declared exhaustive: its
examples then are that domain, and it needs every one of them (instead of
``min-inputs``) to be verified, as a ``bool`` parameter needs both values::

    [exhaustive]
    "pkg.mod:small" = true       # the examples of pkg.mod:small are its whole domain

TOML has ``inf``, ``-inf``, ``nan`` and ``-0.0``. Arrays given for ``tuple`` parameters
become tuples; ints given for ``float`` parameters become floats. Values TOML cannot
write use the tagged forms: ``{ int = "123456789012345678901234567890" }`` (any size),
``{ float = "0x1.0p-1074" }`` (exact bits), ``{ tuple = [1, 2] }``, ``{ none = true }``.
Objects: ``{ new = "pkg.mod:Node", args = [...], kwargs = { ... } }`` is an instance each
side makes by that call from its own module; ``{ ref = "pkg.mod:helper" }`` passes a
function by name (each side its own). A class or function of the module being verified
must exist in its source (a typo is an error naming the file and the example).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..config import ROOT
from ..errors import ConfigError
from ..hookspecs import hookimpl
from ..model import BuildContext, ModuleSpec
from .inputs import InputCase
from .signature import FunctionInfo
from .values import Construct, Ref, ValueFormatError, decode, parse_float

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ENTRY_FIELDS = ("args", "kwargs", "name", "stdin")
EXHAUSTIVE = "exhaustive"
_cache: dict[tuple[str, int, int], dict[str, Any]] = {}


def examples_file(ctx: BuildContext) -> Path | None:
    configured = ctx.settings["verify.examples"]
    if configured is None:
        return None
    return (ctx.settings.root / configured).resolve()


def load_examples(path: Path) -> dict[str, Any]:
    """The parsed examples file (cached by path, size and mtime)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: {ROOT}.verify.examples: cannot read: {exc.strerror}") from exc
    cache_key = (str(path), stat.st_size, stat.st_mtime_ns)
    if cache_key not in _cache:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the examples file: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
        for entry_key, value in document.items():
            if entry_key == EXHAUSTIVE:
                _check_exhaustive(path, value)
                continue
            if ":" not in entry_key or entry_key.count(":") != 1:
                raise ConfigError(
                    f'{path}: key {entry_key!r}: expected "module:function" (e.g. [["pkg.mod:f"]])'
                )
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise ConfigError(
                    f"{path}: {entry_key!r}: expected an array of tables, written "
                    f'[["{entry_key}"]] once per example'
                )
        _cache.clear()
        _cache[cache_key] = document
    return _cache[cache_key]


def _check_exhaustive(path: Path, value: Any) -> None:
    where = f"{path}: [{EXHAUSTIVE}]"
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: expected a table of "module:function" = true')
    for key, flag in value.items():
        if key.count(":") != 1:
            raise ConfigError(f'{where}: key {key!r}: expected "module:function"')
        if flag is not True:
            raise ConfigError(f"{where}: {key!r}: expected true, found {flag!r}")


def is_exhaustive(path: Path, function: FunctionInfo) -> bool:
    """Whether the examples file declares ``function``'s examples to be its whole domain."""
    return function.qualname in load_examples(path).get(EXHAUSTIVE, {})


def from_toml(value: Any, where: str) -> Any:
    """A Python value from a TOML value, understanding the tagged inline tables."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [from_toml(v, where) for v in value]
    if isinstance(value, dict) and "new" in value:
        return _construct_from_toml(value, where)
    if isinstance(value, dict) and "ref" in value:
        if set(value) != {"ref"}:
            extra = sorted(set(value) - {"ref"})
            raise ConfigError(f"{where}: ref: unknown field(s) {', '.join(map(repr, extra))}")
        try:
            return Ref(value["ref"])
        except ValueFormatError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if isinstance(value, dict) and len(value) == 1:
        ((tag, payload),) = value.items()
        if tag == "none" and payload is True:
            return None
        if tag == "int" and isinstance(payload, (str, int)) and not isinstance(payload, bool):
            try:
                text = str(payload).strip().replace("_", "")
                hexa = text.lstrip("-+").lower().startswith("0x")
                return int(text, 16 if hexa else 10)
            except ValueError:
                raise ConfigError(f"{where}: bad int {payload!r}") from None
        if tag == "float" and isinstance(payload, (str, float, int)):
            try:
                return parse_float(str(payload)) if isinstance(payload, str) else float(payload)
            except ValueFormatError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        if tag in ("bytes", "bytearray") and isinstance(payload, str):
            try:
                return decode({tag: payload})
            except ValueFormatError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        if tag == "tuple" and isinstance(payload, list):
            return tuple(from_toml(v, where) for v in payload)
        if tag == "list" and isinstance(payload, list):
            return [from_toml(v, where) for v in payload]
        if tag == "dict" and isinstance(payload, list):
            return _dict_from_toml(payload, where)
    raise ConfigError(
        f"{where}: cannot use {value!r} as an argument (expected a TOML integer, float, "
        'boolean, string, array, or one of { int = "..." }, { float = "0x..." }, '
        "{ tuple = [...] }, { dict = [[key, value], ...] }, { none = true }, "
        '{ bytes = "<hex>" }, { bytearray = "<hex>" }, '
        '{ new = "module:Class", args = [...], kwargs = { ... } }, { ref = "module:function" })'
    )


def _construct_from_toml(value: dict[str, Any], where: str) -> Construct:
    """``{ new = "pkg.mod:Class", args = [...], kwargs = { ... } }``: an object the worker
    makes by that call, on each side from its own module (docs/verification.md)."""
    unknown = sorted(set(value) - {"new", "args", "kwargs"})
    args, kwargs = value.get("args", []), value.get("kwargs", {})
    if unknown:
        raise ConfigError(f"{where}: new: unknown field(s) {', '.join(map(repr, unknown))}")
    if not isinstance(args, list):
        raise ConfigError(f"{where}: new: args: expected an array, found {args!r}")
    if not isinstance(kwargs, dict):
        raise ConfigError(f"{where}: new: kwargs: expected a table, found {kwargs!r}")
    try:
        return Construct(
            value["new"],
            tuple(from_toml(a, where) for a in args),
            tuple((k, from_toml(v, where)) for k, v in kwargs.items()),
        )
    except ValueFormatError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _dict_from_toml(pairs: list[Any], where: str) -> dict[Any, Any]:
    """``{ dict = [["a", 1], ["b", 2]] }``: the items in order (TOML tables cannot say
    which keys are ints, nor keep every key type)."""
    out: dict[Any, Any] = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ConfigError(f"{where}: bad dict item {pair!r}: expected [key, value]")
        item_key = from_toml(pair[0], where)
        try:
            if item_key in out:
                raise ConfigError(f"{where}: the dict key {item_key!r} is given twice")
        except TypeError:
            raise ConfigError(f"{where}: the dict key {item_key!r} is unhashable") from None
        out[item_key] = from_toml(pair[1], where)
    return out


def cases_for(path: Path, function: FunctionInfo) -> list[InputCase]:
    document = load_examples(path)
    entries = document.get(function.qualname, [])
    cases = []
    for number, entry in enumerate(entries, start=1):
        where = f'{path}: [["{function.qualname}"]] example {number}'
        unknown = sorted(set(entry) - set(ENTRY_FIELDS))
        if unknown:
            raise ConfigError(
                f"{where}: unknown field(s) {', '.join(map(repr, unknown))} "
                f"(allowed: {', '.join(ENTRY_FIELDS)})"
            )
        args = entry.get("args", [])
        kwargs = entry.get("kwargs", {})
        if not isinstance(args, list):
            raise ConfigError(f"{where}: args: expected an array, found {args!r}")
        if not isinstance(kwargs, dict):
            raise ConfigError(f"{where}: kwargs: expected a table, found {kwargs!r}")
        given_args = tuple(from_toml(a, where) for a in args)
        given_kwargs = {k: from_toml(v, where) for k, v in kwargs.items()}
        _check_targets(function, [*given_args, *given_kwargs.values()], where)
        bound = function.bind(given_args, given_kwargs)
        if isinstance(bound, str):
            raise ConfigError(f"{where}: does not match {function.signature_text()}: {bound}")
        stdin = entry.get("stdin")
        if stdin is not None and not isinstance(stdin, str):
            raise ConfigError(f"{where}: stdin: expected a string, found {stdin!r}")
        label = entry.get("name")
        origin = f'{path.name} [["{function.qualname}"]] #{number}'
        if isinstance(label, str) and label:
            origin += f" ({label})"
        cases.append(InputCase(bound[0], bound[1], "examples", origin, stdin))
    return cases


def _check_targets(function: FunctionInfo, values: list[Any], where: str) -> None:
    """Every ``new``/``ref`` naming the verified module names a class or function its
    source defines at the top level (else every call would fail alike on both sides and
    count as evidence)."""
    import ast

    from .objects import ModuleObjects

    targets: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, Construct | Ref):
            targets.append(value.target)
        if isinstance(value, Construct):
            for item in [*value.args, *(v for _, v in value.kwargs)]:
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for pair in value.items():
                collect(list(pair))

    for value in values:
        collect(value)
    own = [t for t in targets if t.partition(":")[0] == function.module]
    if not own:
        return
    objects = ModuleObjects(function.module, ast.parse(function.path.read_text(encoding="utf-8")))
    defined = set(objects.classes) | set(objects.functions)
    for target in own:
        name = target.partition(":")[2].split(".")[0]
        if name not in defined:
            raise ConfigError(
                f"{where}: {target!r}: {function.module} defines no top-level class or "
                f"function {name!r} (classes: {', '.join(sorted(objects.classes)) or 'none'}; "
                f"functions: {', '.join(objects.functions) or 'none'})"
            )


def check_keys(path: Path, module: ModuleSpec, functions: list[FunctionInfo]) -> None:
    """Examples for this module must name existing functions (typos are errors)."""
    names = {f.name for f in functions}
    document = load_examples(path)
    keys = [k for k in document if k != EXHAUSTIVE] + list(document.get(EXHAUSTIVE, {}))
    for entry_key in keys:
        module_name, _, function_name = entry_key.partition(":")
        if module_name == module.name and function_name not in names:
            raise ConfigError(
                f'{path}: [["{entry_key}"]]: {module.name} has no top-level function '
                f'{function_name!r} nor a method of that name ("Class.method"; functions '
                f"and methods: {', '.join(sorted(names)) or 'none'})"
            )


@hookimpl
def pyvorin_generate_inputs(
    ctx: BuildContext, module: ModuleSpec, function: FunctionInfo
) -> list[InputCase]:
    path = examples_file(ctx)
    if path is None:
        return []
    return cases_for(path, function)
