"""`pyvorin annotate`: an HTML page showing, line by line, which tier compiles the code and
why a line is not native (like ``cython -a``), so users know what to annotate or change.

A module is native when the native tier accepts all of it; otherwise every line runs in the
generic tier (the C-API calls the interpreter makes), and the lines the native tier
objected to carry its reason (the PV1xx-PV3xx code and message with the hint). In a
generic-tier module, the functions that also have a native version (see :mod:`.tiering`)
are shown as native, and the summary gives each other function's first reason.
"""

from __future__ import annotations

import html
from pathlib import Path

from . import select_tier

_STYLE = """
body { font-family: ui-monospace, monospace; font-size: 13px; margin: 1.5em; }
h1 { font-family: sans-serif; font-size: 18px; }
p.summary { font-family: sans-serif; }
table { border-collapse: collapse; }
td { padding: 0 0.6em; vertical-align: top; white-space: pre; }
td.n { color: #888; text-align: right; }
tr.native td.code { background: #e6f6e6; }
tr.generic td.code { background: #fff7d6; }
tr.reason td.code { background: #ffe0cc; }
tr.rejected td.code { background: #ffd0d0; }
td.why { font-family: sans-serif; white-space: normal; color: #7a3b00; max-width: 48em; }
"""


def annotate(
    path: Path, module_name: str | None = None, interpreted: tuple[str, ...] = ()
) -> tuple[str, dict]:
    """The HTML page for ``path`` and a summary (tier, lines by kind, reasons).

    ``interpreted``: the qualnames the project's ``[tool.pyvorin] interpreted`` declares
    in this module, so the page shows the tier a build would choose, and marks each
    declared function (PV490) as a build reports it.
    """
    path = Path(path)
    sel = select_tier(path, module_name, interpreted)
    lines = path.read_text(encoding="utf-8").splitlines()
    notes: dict[int, list] = {}
    shown = list(sel.native_notes) if sel.tier == "generic" else list(sel.diagnostics)
    if sel.tier == "generic":
        shown += [d for d in sel.diagnostics if d.code == "PV490"]
    for d in shown:
        notes.setdefault(d.line, []).append(d)
    if sel.tier == "native":
        title = "native tier: unboxed values, direct C calls"
        base = "native"
    elif sel.tier == "generic":
        title = (
            "generic tier: every operation is the C-API call the interpreter makes; "
            "highlighted lines are why the native tier did not take the module"
        )
        base = "generic"
    else:
        title = "not compiled: the highlighted lines cannot be compiled exactly"
        base = "generic"
    native_lines: set[int] = set()  # lines of functions with a native version
    part = sel.native_part
    if part is not None and part.module.functions:
        import ast

        ends = {
            s.name: (s.lineno, s.end_lineno or s.lineno)
            for s in ast.parse("\n".join(lines)).body
            if isinstance(s, ast.FunctionDef)
        }
        for f in part.module.functions:
            first, last = ends[f.name]
            native_lines.update(range(first, last + 1))
        title += (
            "; green functions also have a native version (taken when the arguments are "
            "exactly of their types): " + ", ".join(f"{n}()" for n in part.names)
        )
    rows = []
    for i, text in enumerate(lines, 1):
        ds = notes.get(i, [])
        kind = "native" if i in native_lines else base
        if ds:
            kind = "rejected" if sel.tier is None else "reason"
        why = "<br>".join(
            html.escape(f"{d.code}: {d.message}" + (f" (hint: {d.hint})" if d.hint else ""))
            for d in ds
        )
        rows.append(
            f'<tr class="{kind}"><td class="n">{i}</td><td class="code">{html.escape(text)}'
            f'</td><td class="why">{why}</td></tr>'
        )
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>pyvorin annotate: {html.escape(path.name)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(str(path))}</h1>"
        f'<p class="summary">{html.escape(title)}</p>'
        f"<table>{''.join(rows)}</table></body></html>\n"
    )
    summary = {
        "tier": sel.tier,
        "lines": len(lines),
        "reasons": sorted({d.code for ds in notes.values() for d in ds}),
        "lines_with_reasons": len(notes),
        # generic tier: the functions with a native version, and the others' first reason
        "native_functions": part.names if part is not None else [],
        "no_native_version": {
            name: f"{d.code}: {d.message}" for name, d in (part.reasons if part else {}).items()
        },
    }
    return page, summary
