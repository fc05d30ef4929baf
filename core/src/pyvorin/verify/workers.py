"""Running a batch of verification calls in a worker process, inside the sandbox.

:func:`run_worker` is the ONE place that starts a worker process: it runs
``python -m pyvorin.verify.worker`` through :func:`pyvorin.sandbox.run_python` (namespaces,
read-only file system, seccomp, Landlock and rlimits, each best effort and reported to
the audit log). The whole batch goes in on stdin and the replies come back on stdout;
per-call time and memory budgets are enforced inside the worker (see
:mod:`pyvorin.verify.worker`), so one hanging call costs one budget, not the build.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import VerificationError

WORKER_MODULE = "pyvorin.verify.worker"
LOAD_SECONDS = 60


@dataclass(frozen=True)
class Budget:
    """Per-call wall-clock budget, per-call address-space limit, and the sandbox's limits.

    ``policy`` is the run's one sandbox policy (``ctx.options.sandbox``): the workers use
    its isolation requirement, readable paths and process/file limits as they are, and
    size only time and memory for the batch.
    """

    call_seconds: float
    memory_mb: int
    cpu_seconds: int
    require_isolation: bool = False
    sandbox_memory_mb: int = 2048
    policy: Any = None


def import_root(module_name: str, path: Path) -> Path:
    """The directory the module's imports start from: for a top-level module the directory
    it lives in, for ``pkg.mod`` (``pkg/mod.py`` or ``pkg/mod/__init__.py``) the directory
    holding ``pkg``. Its sibling modules are importable from there, as under CPython."""
    root = Path(path).resolve().parent
    levels = module_name.count(".") + (Path(path).stem == "__init__")
    for _ in range(levels):
        root = root.parent
    return root


def run_worker(
    stdin: bytes,
    *,
    workdir: Path,
    budget: Budget,
    calls: int,
    purpose: str,
    readable: Sequence[Path] = (),
    on_output: Callable[[bytes], None] | None = None,
) -> tuple[int, bytes, bytes]:
    """Run one worker over ``stdin`` in the sandbox; (return code, stdout, stderr).

    ``readable`` are directories the worker must read besides the interpreter and its
    work directory (the module's import root, see :func:`import_root`): exposed read-only.
    """
    from ..sandbox import SandboxPolicy, run_python

    wall = LOAD_SECONDS + int(budget.call_seconds * (calls + 1)) + 10
    base = budget.policy or SandboxPolicy(require_isolation=budget.require_isolation)
    policy = dataclasses.replace(
        base,
        cpu_seconds=max(budget.cpu_seconds, wall),
        memory_mb=max(budget.sandbox_memory_mb, budget.memory_mb + 256),
        wall_seconds=min(base.wall_seconds, wall) if budget.policy is not None else wall,
        max_output_mb=max(base.max_output_mb, 256),
        require_isolation=base.require_isolation or budget.require_isolation,
        read_only_paths=tuple(base.read_only_paths) + tuple(str(p) for p in readable),
    )
    env = {"PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"}
    result = run_python(
        ["-m", WORKER_MODULE], workdir=workdir, policy=policy, purpose=purpose, env=env,
        stdin=stdin, on_output=on_output,
    )  # fmt: skip
    return result.returncode, result.stdout, result.stderr


def stage_files(workdir: Path, path: Path, extra_files: Sequence[Path] = ()) -> Path:
    """Copy the module file (and files beside it that its import needs) into ``workdir``.

    The worker sees only its work directory and the interpreter: it loads this private
    copy, never the original.
    """
    target = Path(workdir) / Path(path).name
    if not target.exists():
        shutil.copyfile(path, target)
        target.chmod(0o644)
    base = Path(path).parent
    for extra in extra_files:
        extra = Path(extra)
        try:
            relative = extra.relative_to(base)
        except ValueError:
            relative = Path(extra.name)
        destination = Path(workdir) / relative
        if extra.is_file() and not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(extra, destination)
            destination.chmod(0o644)
    return target


def run_side(
    label: str,
    module_name: str,
    path: Path,
    requests: list[dict[str, Any]],
    budget: Budget,
    workdir: Path,
    max_failures: int = 3,
    coverage: bool = False,
    root: Path | None = None,
    on_reply: Callable[[dict[str, Any]], None] | None = None,
    ledger: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run ``requests`` against one module; exactly one reply per request, in order.

    ``ledger``: what the batch may spend of the module's time budget
    (:meth:`pyvorin.verify.budget.Ledger.header`); a call it does not admit is cut
    (``not-run`` with ``"cut"``, see :meth:`pyvorin.verify.budget.ModuleBudget.admit`).

    ``on_reply`` sees each call's reply as the worker sends it (live progress).

    After ``max_failures`` timeouts or crashes of one function, its remaining calls in
    this batch are not run.

    ``path`` is the module file as staged in ``workdir`` (see :func:`stage_files`). ``root``
    is the original module's import root (:func:`import_root`): the worker puts it on
    ``sys.path`` after its work directory and the sandbox exposes it read-only, so the
    module's sibling modules import as they do under CPython; the module itself is always
    the staged copy, loaded from ``path`` under its own name before any sibling runs.
    """
    header = {
        "op": "load",
        "name": module_name,
        "path": str(path),
        "call_seconds": budget.call_seconds,
        "memory_mb": budget.memory_mb,
        "max_failures": max_failures,
        "coverage": coverage,
        "ledger": ledger,
        "import_root": str(root) if root is not None else None,
    }
    lines = [json.dumps(header)] + [json.dumps(r, separators=(",", ":")) for r in requests]
    stdin = ("\n".join(lines) + "\n").encode("utf-8")
    purpose = f"verification worker ({label}: {module_name})"
    lines_out = ReplyLines(on_reply)  # each reply parsed once, as it comes
    code, stdout, stderr = run_worker(
        stdin, workdir=workdir, budget=budget, calls=len(requests), purpose=purpose,
        readable=[root] if root is not None else [],
        on_output=lines_out.feed,
    )  # fmt: skip
    replies = lines_out.finish(stdout)
    tail = stderr.decode("utf-8", "replace").strip()[-800:]
    if not replies:
        raise VerificationError(
            f"the {label} worker for {path} produced no output (exit status {code})"
            + (f": {tail}" if tail else "")
        )
    first = replies.pop(0)
    if not first.get("ready"):
        raise VerificationError(
            f"the {label} worker could not import {module_name} from {path}: "
            f"{first.get('error', first)}"
        )
    try:
        by_id = shared_before(replies)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise VerificationError(
            f"the {label} worker sent a malformed reply for {module_name}: an object as built "
            f"names a reply or argument it did not send ({exc!r})"
        ) from None
    out = []
    for request in requests:
        reply = by_id.get(request["id"])
        if reply is None:
            reply = {
                "id": request["id"],
                "kind": "crash",
                "signal": f"the worker ended early (exit status {code})",
                "stderr": tail,
            }
        out.append(reply)
    return out


def shared_before(replies: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """The replies by id, each object as built that a reply named by where the worker sent
    it before (``before_shared``, :func:`pyvorin.verify.worker.reply_text`) put back: the
    same encoding, shared rather than parsed again."""
    by_id: dict[Any, dict[str, Any]] = {}
    for reply in replies:
        for position, earlier, where in reply.pop("before_shared", None) or ():
            # an earlier reply, or an earlier argument of this one (two alike)
            source = reply if earlier == reply.get("id") else by_id[earlier]
            reply["before"]["args"][position] = source["before"]["args"][where]
        by_id[reply.get("id")] = reply
    return by_id


class ReplyLines:
    """The worker's stdout, parsed one reply line at a time as the chunks come (each line
    once: a reply can hold large encoded object graphs); ``on_reply`` sees each call's
    reply as the worker sends it (live progress), the ready line skipped."""

    def __init__(self, on_reply: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.on_reply = on_reply
        self.pending = bytearray()
        self.fed = 0
        self.parsed: list[Any] = []
        self.lines_parsed = 0  # json.loads calls, for the tests

    def feed(self, chunk: bytes) -> None:
        self.fed += len(chunk)
        self.pending.extend(chunk)
        while (end := self.pending.find(b"\n")) >= 0:
            line = bytes(self.pending[:end])
            del self.pending[: end + 1]
            self._line(line)

    def _line(self, line: bytes) -> None:
        text = line.decode("utf-8")
        if not text.strip():
            return
        self.lines_parsed += 1
        try:
            reply = json.loads(text)
        except ValueError as exc:
            self.parsed.append(exc)  # the whole output is judged at the end
            return
        self.parsed.append(reply)
        if self.on_reply is not None and isinstance(reply, dict) and "id" in reply:
            self.on_reply(reply)

    def finish(self, stdout: bytes) -> list[Any]:
        """Every line of ``stdout`` parsed (raises as ``json.loads`` does on one that is not
        JSON); the lines fed as they came are not parsed again."""
        if self.fed != len(stdout):  # not fed as it came (or not all of it): parse it all
            self.pending.clear()
            self.parsed, self.fed, self.on_reply = [], 0, None  # progress already shown
            self.feed(stdout)
        if self.pending:
            self._line(bytes(self.pending))
            self.pending.clear()
        for item in self.parsed:
            if isinstance(item, Exception):
                raise item
        return self.parsed
