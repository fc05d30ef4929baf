"""Diagnostics: one record type and its three renderings (text, JSON, SARIF 2.1.0).

Text form (DESIGN.md)::

    path:line:col: error PV<code>: <message>
      hint: <refactor suggestion>

Columns are 1-based, as editors and SARIF count them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from . import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS_URL = "https://pyvorin.dev/docs/diagnostics"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int  # 1-based
    code: str  # "PV101"
    message: str
    hint: str = ""
    severity: str = "error"  # "error" | "warning" | "note" (informs; never fails a check)

    def format_text(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.severity} {self.code}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_dict(self) -> dict:
        return asdict(self)


def render(diagnostics: Iterable[Diagnostic], fmt: str, rule_docs: dict | None = None) -> str:
    """Render diagnostics as ``text``, ``json`` or ``sarif``."""
    diags = sorted(diagnostics)
    if fmt == "text":
        return "\n".join(d.format_text() for d in diags)
    if fmt == "json":
        return json.dumps({"diagnostics": [d.to_dict() for d in diags]}, indent=2)
    if fmt == "sarif":
        return json.dumps(to_sarif(diags, rule_docs or {}), indent=2)
    raise ValueError(f"unknown diagnostics format {fmt!r}")


def to_sarif(diags: list[Diagnostic], rule_docs: dict[str, str]) -> dict:
    """A SARIF 2.1.0 log with one run; rules are the PV codes that occur."""
    codes = sorted({d.code for d in diags})
    rules = [
        {
            "id": code,
            "shortDescription": {"text": rule_docs.get(code, code)},
            "helpUri": f"{DOCS_URL}#{code.lower()}",
        }
        for code in codes
    ]
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for d in diags:
        text = d.message + (f" Hint: {d.hint}" if d.hint else "")
        results.append(
            {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": d.severity if d.severity in ("error", "note") else "warning",
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": Path(d.path).as_posix()},
                            "region": {"startLine": d.line, "startColumn": d.col},
                        }
                    }
                ],
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pyvorin",
                        "version": __version__,
                        "informationUri": "https://pyvorin.dev",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
