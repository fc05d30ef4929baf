"""The verification worker: loads one module, runs a batch of calls, enforces budgets.

Run as ``python -m pyvorin.verify.worker`` (inside the sandbox). It reads the whole batch
from stdin as JSON lines (values tagged as in :mod:`pyvorin.verify.values`):

* first line: ``{"op": "load", "name": "pkg.mod", "path": "/.../mod.py",
  "call_seconds": 10, "memory_mb": 1024, "import_root": "/project"}``. A path ending in
  an extension-module suffix is loaded with ExtensionFileLoader, anything else as
  source; ``import_root`` (optional) goes on ``sys.path`` right after the work directory,
  so the module's sibling modules import (the module itself is the file at ``path``,
  registered under its name before it runs, so a sibling's ``import mod`` gets it too);
* then one ``{"op": "call", "id": 7, "function": "f", "args": [...], "kwargs": {...}}``
  per call; a request with ``"session": [example sources]`` runs a docstring session
  (:func:`run_session`) instead of calling ``function`` (then the session's name); one
  with ``"call": "method"`` (``property``, ``staticmethod``, ``classmethod``, ``init``)
  calls the member ``function`` (``"Class.member"``) of a class of the module
  (:func:`target`).

It writes ``{"ready": true}`` (or ``{"error": "..."}`` when the module cannot be imported)
and then one reply per call, in order: ``{"id": 7, "kind": "return" | "raise" | "missing"
| "timeout" | "crash" | "not-run", ...}`` with the result value (or the exception's type
and message), the arguments after the call when the call changed them (``mutated``),
everything the call printed to stdout, and its duration in nanoseconds.

Budgets hold even for compiled code that never returns to the interpreter: the worker
is a supervisor that loads the module and then forks an executor which inherits the
loaded module and runs the calls one after another. The supervisor waits for each reply
at most ``call_seconds`` (wall clock) and kills the executor when it does not come (the
call is a ``timeout``); the executor runs under an address-space limit of ``memory_mb``
and a CPU-time limit re-armed before every call. An executor that dies is a ``crash`` of
the call it was running. Either way a fresh executor is forked for the remaining calls
(and so it is where the calls of a method target begin or end: no method's calls see
module globals another target's calls changed, nor leave them to the next);
after ``max_failures`` (default three) timeouts or crashes of one function, its remaining
calls are ``not-run`` (counted per ``family`` of a request: the inputs whose integer
arguments are negative are one family, the others another).
In the executor, file descriptor 1 is redirected to a file, so output written by compiled
code at the C level is captured as the call's output and cannot corrupt the protocol.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import math
import os
import resource
import selectors
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from pyvorin.verify.budget import ModuleBudget, cost
from pyvorin.verify.values import (
    decode,
    dumps,
    encode,
    has_construct,
    realize,
    same_encoding,
)

MAX_OUTPUT = 1 << 20
MAX_FAILED_CALLS_PER_FUNCTION = 3
_protocol_fd: int | None = None  # the supervisor's reply channel; closed in executors


def _exception_name(exc: BaseException) -> str:
    kind = type(exc)
    module = getattr(kind, "__module__", "")
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception as inner:  # a broken __str__ is part of the outcome
        return f"<str() failed: {type(inner).__name__}>"


def load(name: str, path: str) -> Any:
    if path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        loader: Any = importlib.machinery.ExtensionFileLoader(name, path)
    else:
        loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    if spec is None:
        raise ImportError(f"cannot create an import spec for {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


# -- the executor (forked child) ---------------------------------------------------------
class _FdCapture:
    """Collects what is written to file descriptor ``fd`` (1 or 2, e.g. by C code) per call."""

    def __init__(self, fd: int = 1) -> None:
        self.fd = fd
        temp, name = tempfile.mkstemp(prefix="pyvorin-output-")
        os.unlink(name)
        os.dup2(temp, fd)
        os.close(temp)
        self.position = 0
        try:
            import ctypes

            self._fflush: Any = ctypes.CDLL(None).fflush
        except Exception:
            self._fflush = None

    def take(self) -> str:
        if self._fflush is not None:
            with contextlib.suppress(Exception):
                self._fflush(None)
        end = os.lseek(self.fd, 0, os.SEEK_END)
        data = os.pread(self.fd, min(end - self.position, MAX_OUTPUT), self.position)
        self.position = end
        return data.decode("utf-8", "replace")


def aliases(value: Any, args: list[Any], kwargs: dict[str, Any]) -> list[str]:
    """Where the result *is* (not equals) one of the mutable arguments.

    Checked: the result itself and its items one level down, against every ``list`` and
    ``bytearray`` argument and every argument that is an instance of a class with attributes (an
    object built from a recipe); identity of immutable values is not observable
    behaviour: small ints and interned objects are shared by the interpreter.
    ``result is argument 0`` shows that a function returned its argument rather than a
    copy.
    """
    named = [(f"argument {i}", a) for i, a in enumerate(args)]
    named += [(f"argument {k!r}", a) for k, a in kwargs.items()]
    mutable = [(name, a) for name, a in named if isinstance(a, (list, bytearray)) or _is_object(a)]
    if not mutable:
        return []
    found = [f"result is {name}" for name, a in mutable if value is a]
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value[:1000]):
            found += [f"result[{index}] is {name}" for name, a in mutable if item is a]
    return found


def run_session(module: Any, examples: list[str]) -> list[tuple]:
    """Run a docstring session (:mod:`pyvorin.verify.sessions`) in a copy of ``module``'s
    namespace, as :mod:`doctest` does; one outcome per example.

    An outcome is ``(number, "value", shown, exact)`` for an expression (``exact`` is the
    canonical JSON of its encoded value, taken at once, before a later example can change
    the object; ``shown`` is for people), ``(number, "ok", *displayed)`` for a statement, or
    ``(number, "raised", type, message)``; each ends with what the example printed.

    A statement is compiled as :mod:`doctest` compiles every example, in ``"single"``
    (interactive) mode: each expression statement in it shows its value, not ``None``,
    through ``sys.displayhook`` (``>>> g = Graph(2); g.add_edge(0, 1); g.closure()``
    shows the closure, and so does an expression statement inside a ``for`` loop).
    Those values are ``displayed``, each ``(shown, exact)`` and taken at once, in order;
    they are recorded, not printed (an object's default ``repr`` holds its address).
    """
    from pyvorin.verify.sessions import SESSION_FILENAME
    from pyvorin.verify.values import show_encoded

    namespace = dict(vars(module))
    out = sys.stdout
    outcomes: list[tuple] = []
    displayed: list[tuple[str, str]] = []

    def display(value: Any) -> None:
        if value is not None:
            encoded = encode(value)
            displayed.append((show_encoded(encoded), dumps(encoded)))

    saved_hook = sys.displayhook
    sys.displayhook = display
    try:
        for number, source in enumerate(examples, 1):
            start = out.tell() if isinstance(out, io.StringIO) else 0
            outcome: tuple
            displayed.clear()
            try:
                try:
                    code = compile(source, SESSION_FILENAME, "eval", dont_inherit=True)
                    expression = True
                except SyntaxError:
                    expression = False
                    try:  # doctest's mode: expression statements display their values
                        code = compile(source, SESSION_FILENAME, "single", dont_inherit=True)
                    except SyntaxError:
                        code = compile(source, SESSION_FILENAME, "exec", dont_inherit=True)
                value = eval(code, namespace)  # the module's own docstring examples
                if expression:
                    encoded = encode(value)
                    outcome = (number, "value", show_encoded(encoded), dumps(encoded))
                else:
                    outcome = (number, "ok", *displayed)
            except BaseException as exc:  # an example's exception is its outcome
                outcome = (number, "raised", _exception_name(exc), _message(exc))
                if displayed:  # what it showed before it raised
                    outcome += tuple(displayed)
            printed = out.getvalue()[start:] if isinstance(out, io.StringIO) else ""
            outcomes.append((*outcome, printed))
    finally:
        sys.displayhook = saved_hook
    return outcomes


def _is_object(value: Any) -> bool:
    from pyvorin.verify.values import slot_names

    kind = type(value)
    return kind.__module__ != "builtins" and (
        isinstance(getattr(value, "__dict__", None), dict) or bool(slot_names(kind))
    )


def _text_stdin(text: str) -> io.TextIOWrapper:
    """Standard input reading ``text``, as a real one would: a text stream over bytes
    (``sys.stdin.buffer`` reads them), UTF-8, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8")


def target(module: Any, request: dict[str, Any]) -> Any:
    """What a request calls, looked up in this side's own module (None when missing).

    ``call`` says how (:data:`pyvorin.verify.signature.CALL_KINDS`): a top-level function
    by its name; for ``"Class.member"``, a ``method`` is looked up on the instance its
    first argument is (made from a recipe, so of this side's class) and called with the
    rest, a ``property`` is read on it, a ``staticmethod``/``classmethod`` is called on
    the class, and ``init`` returns the instance its recipe made (the class called with
    the recipe's arguments).
    """
    kind = request.get("call", "function")
    if kind == "function":
        return getattr(module, request["function"], None)
    owner, _, member = request["function"].partition(".")
    cls = getattr(module, owner, None)
    if not isinstance(cls, type) or member not in vars(cls):
        return None
    if kind == "init":
        return lambda instance: instance  # made from its recipe, by the class
    if kind in ("staticmethod", "classmethod"):
        return getattr(cls, member)
    if kind == "property":
        return lambda instance: getattr(instance, member)
    return lambda instance, *args, **kwargs: getattr(instance, member)(*args, **kwargs)


def run_call(
    module: Any, request: dict[str, Any], capture: _FdCapture, errors: _FdCapture | None = None
) -> dict[str, Any]:
    reply: dict[str, Any] = {"id": request["id"]}
    session = request.get("session")
    function = target(module, request)
    if session is not None:
        function = lambda: run_session(module, session)  # noqa: E731
    if not callable(function):
        reply.update(kind="missing", ns=0, stdout="", stderr="", mutated=None)
        return reply
    args = [decode(a) for a in request["args"]]
    kwargs = {k: decode(v) for k, v in request["kwargs"].items()}
    buffer, error_buffer = io.StringIO(), io.StringIO()
    saved, saved_error, saved_input = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = buffer, error_buffer
    if request.get("stdin") is not None:  # the input's standard input: what input() reads
        sys.stdin = _text_stdin(request["stdin"])
    started = time.perf_counter_ns()
    before = request_args = {"args": request["args"], "kwargs": request["kwargs"]}
    try:
        if has_construct(args) or has_construct(kwargs):
            # objects an examples file asks for, made from this side's own module (a
            # constructor that raises is this call's outcome, compared like any other)
            args = realize(args)
            kwargs = realize(kwargs)
            before = {
                "args": [encode(a) for a in args],
                "kwargs": {k: encode(v) for k, v in kwargs.items()},
            }
        value = function(*args, **kwargs)
    except BaseException as exc:
        elapsed = time.perf_counter_ns() - started
        reply.update(kind="raise", type=_exception_name(exc), message=_message(exc))
    else:
        elapsed = time.perf_counter_ns() - started
        reply.update(kind="return", value=encode(value))
        alias = aliases(value, args, kwargs)
        if alias:
            reply["alias"] = alias
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved, saved_error, saved_input
    printed = buffer.getvalue()[:MAX_OUTPUT] + capture.take()
    reply["stderr"] = error_buffer.getvalue()[:MAX_OUTPUT] + (errors.take() if errors else "")
    after = {"args": [encode(a) for a in args], "kwargs": {k: encode(v) for k, v in kwargs.items()}}
    reply["mutated"] = None if same_encoding(after, before) else after
    if before is not request_args:
        # the objects as made from their recipes, before the call: what a mutation diff
        # shows against when one side left them unchanged (not the recipes)
        reply["before"] = before
    reply["stdout"] = printed
    reply["ns"] = elapsed
    return reply


_COMPACT = (",", ":")
SHARED_MIN_CHARS = 256  # objects as built smaller than this are always written out


def reply_text(reply: dict[str, Any], sent: dict[bytes, tuple[int, int]]) -> str:
    """The JSON line of ``reply``. An object as built (an argument of ``before``) whose
    encoding this worker already sent, in an earlier reply, is not written out again: the
    reply's ``before_shared`` names where it was (``[position, earlier id, earlier
    position]``) and the parent puts that same encoding back (:func:`.workers.shared_before`).
    A method's instance made from the same recipe, call after call, is the same object
    graph each time (hexiom's boards: up to 87 KB of JSON). ``sent`` maps the sha256 of
    each encoding written out so far to where it was; the encoding itself is made anew
    for every call, so an instance built differently is written out in full."""
    before = reply.get("before")
    if before is None:
        return json.dumps(reply, separators=_COMPACT)
    rest = {key: value for key, value in reply.items() if key != "before"}
    texts, shared = [], []
    for position, value in enumerate(before["args"]):
        text = json.dumps(value, separators=_COMPACT)
        if len(text) >= SHARED_MIN_CHARS:
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            earlier = sent.get(digest)
            if earlier is not None:
                shared.append([position, *earlier])
                text = "null"
            else:
                sent[digest] = (reply["id"], position)
        texts.append(text)
    if shared:
        rest["before_shared"] = shared
    kwargs = json.dumps(before["kwargs"], separators=_COMPACT)
    head = json.dumps(rest, separators=_COMPACT)  # a dict with an id: it ends with "}"
    return head[:-1] + ',"before":{"args":[' + ",".join(texts) + '],"kwargs":' + kwargs + "}}"


def _executor(
    module: Any,
    requests: list[dict[str, Any]],
    out_fd: int,
    budget: dict,
    ledger: ModuleBudget | None = None,
) -> None:
    """Runs in the forked child; never returns."""
    try:
        if _protocol_fd is not None:
            os.close(_protocol_fd)  # the calls must not reach the reply channel
        limit = int(budget["memory_mb"]) * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        capture = _FdCapture(1)
        errors = _FdCapture(2)
        sys.stdout = io.StringIO()
        recorder = None
        if budget.get("coverage_file"):
            from pyvorin.verify.coverage import LineRecorder

            recorder = LineRecorder(budget["coverage_file"])
            recorder.start()
        out = os.fdopen(out_fd, "w", encoding="utf-8")
        _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
        ledger = ledger or ModuleBudget(None, ())
        sent: dict[bytes, tuple[int, int]] = {}  # objects as built written out (reply_text)
        for number, request in enumerate(requests):
            previous = requests[number - 1] if number else request
            if previous["function"] != request["function"] and (
                "call" in request or "call" in previous
            ):
                # a method target begins or ends: its calls start from the module as
                # imported, not from what another target's calls left in module globals
                # (a class whose __init__ links each instance into a global list), and no
                # later target sees what they left; the supervisor forks a fresh executor
                # for the rest, on both sides alike (between two top-level functions the
                # executor goes on, as it always did)
                out.write(json.dumps({"refork": True}) + "\n")
                out.flush()
                break
            size, family = request.get("size"), request.get("family", "")
            protected = bool(request.get("protected"))
            if not ledger.admit(request["function"], protected, size, family):
                # the function spent its share of the module's budget (or the module
                # what is left of it, or the compiled side its cap), or an input no
                # larger took seconds: cut, not run; "cut" names the ledger's mode
                cut: dict[str, Any] = {"id": request["id"], "kind": "not-run", "cut": ledger.mode}
                slow = ledger.slowed_by(request["function"], size, family)
                if slow is not None:
                    cut["slow"] = {"size": slow[0], "seconds": round(slow[1], 2)}
                out.write(json.dumps(cut, separators=(",", ":")) + "\n")
                out.flush()
                continue
            used = resource.getrusage(resource.RUSAGE_SELF)
            soft = math.ceil(used.ru_utime + used.ru_stime + budget["call_seconds"]) + 1
            if cpu_hard == resource.RLIM_INFINITY or soft < cpu_hard:
                with contextlib.suppress(ValueError, OSError):
                    resource.setrlimit(resource.RLIMIT_CPU, (soft, cpu_hard))
            started = time.perf_counter_ns()
            reply = run_call(module, request, capture, errors)
            if recorder is not None:
                reply["lines"] = recorder.take()
                reply["arcs"] = recorder.take_arcs()
                recorder.settle()
            # what the call cost the worker (the call, encoding its result and arguments,
            # coverage): the module budget's measure
            reply["wall_ns"] = time.perf_counter_ns() - started
            ledger.charge(request["function"], reply["wall_ns"] / 1e9, size, family)
            # what the supervisor needs of the reply first (it passes the reply itself on
            # as written, never parsing its encoded values), a tab (which JSON text never
            # holds raw), then the reply
            head = {key: reply[key] for key in _HEAD if key in reply}
            out.write(
                json.dumps(head, separators=(",", ":")) + "\t" + reply_text(reply, sent) + "\n"
            )
            out.flush()
        out.close()
    except BaseException:  # the supervisor reports the crash
        os._exit(70)
    os._exit(0)


# -- the supervisor ----------------------------------------------------------------------
# the fields of a reply the supervisor reads (its id, and what it cost: budget.cost)
_HEAD = ("id", "kind", "ns", "wall_ns")


def _signal_name(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
    return f"exit status {os.WEXITSTATUS(status)}"


def supervise(
    module: Any,
    requests: list[dict[str, Any]],
    budget: dict[str, Any],
    send: Callable[[dict[str, Any] | bytes], None],
) -> None:
    """Run ``requests`` in forked executors, enforcing the budgets; one reply each.

    ``send`` gets each reply: a dict the supervisor made (a timeout, a crash, a call not
    run), or the JSON text of a reply as the executor wrote it (bytes, one line without
    its newline), passed on without being parsed and written out again.

    ``budget["ledger"]`` (optional) is what the batch may spend of the module's time
    budget (:mod:`pyvorin.verify.budget`): the supervisor's ledger is charged with every
    reply, and each executor it forks starts from a copy of it.
    """
    # timeouts and crashes are counted per function and family (.inputs.input_family): an
    # input with a negative integer that never finishes says nothing of the others
    failures: dict[tuple[str, str], int] = {}
    ledger = ModuleBudget.from_header(budget.get("ledger"), [r["function"] for r in requests])
    by_id = {request["id"]: request for request in requests}

    def strikes(request: dict[str, Any]) -> tuple[str, str]:
        return request["function"], request.get("family", "")

    max_failures = int(budget.get("max_failures", MAX_FAILED_CALLS_PER_FUNCTION))
    pending = list(requests)
    call_seconds = float(budget["call_seconds"])

    def answer(reply: dict[str, Any], text: bytes | None = None) -> None:
        request = by_id.get(reply.get("id"), {})
        ledger.charge(
            request.get("function", ""),
            cost(reply, call_seconds),
            request.get("size"),
            request.get("family", ""),
        )
        send(reply if text is None else text)

    while pending:
        runnable = []
        for request in pending:
            if failures.get(strikes(request), 0) >= max_failures:
                send({"id": request["id"], "kind": "not-run"})
            else:
                runnable.append(request)
        pending = runnable
        if not pending:
            return
        sys.stdout.flush()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _executor(module, pending, write_fd, budget, ledger)
        os.close(write_fd)
        buffer = b""
        ended = None
        with selectors.DefaultSelector() as selector:
            selector.register(read_fd, selectors.EVENT_READ)
            deadline = time.monotonic() + call_seconds
            while pending:
                if b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    head, tab, text = line.partition(b"\t")
                    message = json.loads(head)
                    if message.get("refork"):
                        ended = "refork"
                        break
                    pending.pop(0)
                    answer(message, text if tab else None)
                    deadline = time.monotonic() + call_seconds
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    ended = "timeout"
                    break
                if not selector.select(remaining):
                    continue
                chunk = os.read(read_fd, 1 << 16)
                if not chunk:
                    ended = "eof"
                    break
                buffer += chunk
        os.close(read_fd)
        if ended == "timeout":
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if not pending:
            return
        if ended == "refork":
            continue  # the next target, in a fresh executor
        request = pending.pop(0)
        failures[strikes(request)] = failures.get(strikes(request), 0) + 1
        if ended == "timeout":
            answer({"id": request["id"], "kind": "timeout"})
        elif os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            answer({"id": request["id"], "kind": "timeout", "cpu": True})
        else:
            answer({"id": request["id"], "kind": "crash", "signal": _signal_name(status)})


def main() -> int:
    global _protocol_fd
    protocol = os.fdopen(os.dup(1), "wb")
    _protocol_fd = protocol.fileno()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = io.StringIO()

    def send(message: dict[str, Any] | bytes) -> None:
        if not isinstance(message, bytes):  # (ASCII: json.dumps escapes the rest)
            message = json.dumps(message, separators=(",", ":")).encode("utf-8")
        protocol.write(message + b"\n")
        protocol.flush()

    lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
    if not lines:
        send({"error": "no load request on stdin"})
        return 2
    header = json.loads(lines[0])
    if header.get("op") != "load":
        send({"error": f"expected a load request first, found {lines[0][:200]}"})
        return 2
    if header.get("import_root"):
        sys.path.insert(1, header["import_root"])  # sys.path[0] is the work directory
    try:
        module = load(header["name"], header["path"])
    except BaseException as exc:
        send({"error": f"{_exception_name(exc)}: {_message(exc)}"})
        return 3
    send({"ready": True})
    requests = [json.loads(line) for line in lines[1:]]
    budget = {
        "call_seconds": header["call_seconds"],
        "memory_mb": header["memory_mb"],
        "max_failures": header.get("max_failures", MAX_FAILED_CALLS_PER_FUNCTION),
        "ledger": header.get("ledger"),
        "coverage_file": header["path"] if header.get("coverage") else None,
    }
    supervise(module, requests, budget, send)
    return 0


if __name__ == "__main__":
    sys.exit(main())
