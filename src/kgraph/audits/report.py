"""Audit results as text: CSV of rows or flags, JSON documents, summaries, short names.

Shared by `kgraph audit` and the `/audit` routes, so both answer with the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from kgraph.audits.runner import SEVERITIES, AuditResult, Flag, all_flags

FLAG_COLUMNS = ["severity", "audit", "code", "about", "message", "targets", "passages", "quotes",
                "id"]


def cell(value: Any) -> str:
    """A row value as CSV text: lists joined by spaces, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else repr(value)
    if isinstance(value, (list, tuple)):
        return " ".join(cell(v) for v in value)
    return str(value)


def rows_csv(result: AuditResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([cell(row.get(v)) for v in result.variables])
    return buffer.getvalue()


def flags_csv(flags: Iterable[Flag]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FLAG_COLUMNS)
    for f in flags:
        writer.writerow([f.severity, f.audit, f.code, f.about, f.message, " ".join(f.targets),
                         " ".join(e.passage for e in f.passages),
                         " | ".join(f"{e.short}: {e.quote or ''}" for e in f.passages), f.id])
    return buffer.getvalue()


def counts(flags: Iterable[Flag]) -> dict[str, int]:
    found = Counter(f.severity for f in flags)
    return {s: found.get(s, 0) for s in SEVERITIES}


def summary(results: Sequence[AuditResult]) -> list[dict[str, Any]]:
    return [{"name": r.name, "title": r.audit.title, "rows": len(r.rows),
             "flags": counts(r.flags), "arguments": dict(r.params)} for r in results]


def report_json(results: Sequence[AuditResult]) -> dict[str, Any]:
    """The overview: each audit's counts, then every flag, most severe first."""
    flags = all_flags(results)
    return {"audits": summary(results), "flags": [f.to_json() for f in flags],
            "totals": counts(flags)}


def results_json(results: Sequence[AuditResult]) -> dict[str, Any]:
    return {"audits": [r.to_json() for r in results]}


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
