"""Audits: named, parameterised SPARQL queries whose answers, and the flags they raise, are data.

    from kgraph.audits import run_audits
    for result in run_audits(store):            # every audit, on the union of all graphs
        for flag in result.flags: ...

The audits are the `.rq` files in `audits/queries/` (see `docs/audits.md`); `kgraph audit`, the
`/audit` routes and `findings_graph` (RDF) all run them through `run_audit`.
"""

from kgraph.audits.flags import FLAGS, FlagKind
from kgraph.audits.rdf import GRAPH_AUDIT, audit_graph_iri, findings_graph, write_findings
from kgraph.audits.runner import (
    SEVERITIES,
    Audit,
    AuditResult,
    Context,
    Evidence,
    Flag,
    Parameter,
    all_flags,
    audit,
    iri_term,
    registry,
    run_audit,
    run_audits,
    values_block,
    with_values,
)

__all__ = [
    "FLAGS", "GRAPH_AUDIT", "SEVERITIES", "Audit", "AuditResult", "Context", "Evidence", "Flag",
    "FlagKind", "Parameter", "all_flags", "audit", "audit_graph_iri", "findings_graph", "iri_term",
    "registry", "run_audit", "run_audits", "values_block", "with_values", "write_findings",
]
