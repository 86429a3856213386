"""SHACL validation compiled to SPARQL and run inside pyoxigraph.

pySHACL checks focus node by focus node in Python: minutes for a store of 100k triples. Here the
shapes graph is compiled once into SPARQL SELECT queries that return only the violations, and
pyoxigraph evaluates each of them over all focus nodes at once (seconds for a million triples),
or over the few focus nodes a write touches (a fraction of a second).

    shapes = compile_shapes(store_or_triples_or_rdflib_graph)   # UnsupportedShapes if needed
    report = shapes.validate(store, exclude_graphs=[...])        # kgraph.validation.ValidationReport
    report = shapes.validate(store, focus_nodes=[iri, ...])      # only the shapes targeting them

pySHACL stays the reference: the results are those kgraph.validation.validate_graphs reports
(focus node, path, message, severity, source shape, value), pySHACL's own choices included (its
default messages, sh:languageIn by first subtag, Warning-severity shapes counting as conforming
inside sh:or and the like, SPARQL solutions binding none of $this/?path/?value ignored). A
construct not compiled here raises UnsupportedShapes when compiling, so that a caller can fall
back to pySHACL rather than get a silently different answer.

Supported: targets (sh:targetClass with subclasses, sh:targetNode, sh:targetSubjectsOf,
sh:targetObjectsOf, implicit class targets); sh:property with any SHACL path; the core
constraint components (sh:class, sh:datatype, sh:nodeKind, sh:minCount, sh:maxCount,
sh:min/maxInclusive, sh:min/maxExclusive, sh:minLength, sh:maxLength, sh:pattern with the flags
"i" and "m", sh:languageIn, sh:uniqueLang, sh:in, sh:hasValue, sh:equals, sh:disjoint,
sh:lessThan, sh:lessThanOrEquals, sh:not, sh:and, sh:or, sh:xone, sh:node,
sh:qualifiedValueShape, sh:closed); SPARQL-based constraints (sh:sparql with sh:select,
sh:prefixes/sh:declare, $this, $PATH, $currentShape, message templates); sh:severity,
sh:deactivated, sh:message. Not supported: SHACL-AF (sh:target, sh:rule, functions,
sh:expression), custom constraint components, JavaScript, recursive shapes, regex flags other
than "i" and "m", patterns pyoxigraph's regex engine rejects.

Where the results can differ from pySHACL's:

* with focus nodes, the shapes reached through sh:node, sh:or (and the like) are checked on
  their value nodes; pySHACL applies its focus filter to those too and so skips them;
* sh:datatype rejects ill-formed literals of the XSD types pyoxigraph can cast (numbers,
  booleans, dates and times, durations), where rdflib's idea of a well-formed lexical form can
  differ at the edges ("1e3" as xsd:decimal, " 5" as xsd:integer);
* default messages (for shapes without sh:message) name data terms with rdflib's default
  prefixes, as pySHACL does in validate_store; pySHACL lists sh:in values in hash order;
* results of shapes reached through sh:node are listed once each, and the report graph lists
  them as results rather than as sh:detail of the referring result.

What is data: by default the union of all the store's graphs; `exclude_graphs` keeps triples of
the named graphs (the shapes, derived graphs) out of targets and of the values of IRI paths,
while class membership, complex paths and SPARQL-based constraints read the whole union (a list
of graphs as `default_graph` is exact, but pyoxigraph evaluates it graph by graph: tens of times
slower).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import pyoxigraph as ox
import rdflib
from pyshacl.rdfutil.stringify import stringify_node

from kgraph.validation import ValidationReport, Violation

Term = ox.NamedNode | ox.BlankNode | ox.Literal

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"


def _sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


RDF_TYPE = ox.NamedNode(RDF + "type")
RDF_FIRST = ox.NamedNode(RDF + "first")
RDF_REST = ox.NamedNode(RDF + "rest")
RDF_NIL = ox.NamedNode(RDF + "nil")
RDF_LANGSTRING = ox.NamedNode(RDF + "langString")
RDFS_CLASS = ox.NamedNode(RDFS + "Class")
RDFS_SUBCLASSOF = ox.NamedNode(RDFS + "subClassOf")
RDFS_LITERAL = ox.NamedNode(RDFS + "Literal")
RDFS_DATATYPE = ox.NamedNode(RDFS + "Datatype")
RDFS_RESOURCE = ox.NamedNode(RDFS + "Resource")
OWL_ONTOLOGY = ox.NamedNode(OWL + "Ontology")

#: Severities under which pySHACL (run with allow_warnings, as kgraph runs it) still counts a
#: shape as conforming; this matters for shapes nested in sh:or, sh:and, sh:not, sh:xone.
LENIENT_SEVERITIES = {_sh("Warning"), _sh("Info")}

#: What kgraph.validation reports for a result without a message (a SPARQL-based constraint and
#: its shape without sh:message).
NO_MESSAGE = "(no message)"

#: Datatypes whose lexical forms pyoxigraph can check (a cast to the datatype fails on an
#: ill-formed literal): for these, sh:datatype also rejects an ill-typed literal.
# fmt: off
CHECKED_DATATYPES = {
    ox.NamedNode(XSD + name)
    for name in (
        "integer", "decimal", "float", "double", "boolean", "date", "dateTime", "time", "gYear",
        "gYearMonth", "gMonth", "gMonthDay", "gDay", "duration", "yearMonthDuration",
        "dayTimeDuration",
    )
}
# fmt: on

#: The predicates a shape may carry that are not constraint parameters (or are read as part of
#: a constraint whose main parameter is elsewhere).
# fmt: off
_DESCRIPTIVE = {
    _sh(n)
    for n in (
        "path", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "severity",
        "message", "deactivated", "name", "description", "order", "group", "defaultValue", "flags",
        "ignoredProperties", "qualifiedMinCount", "qualifiedMaxCount",
        "qualifiedValueShapesDisjoint", "declare", "prefixes", "shapesGraph",
    )
}
# fmt: on

#: The constraint parameters compiled here.
# fmt: off
_PARAMETERS = {
    _sh(n)
    for n in (
        "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive",
        "maxExclusive", "maxInclusive", "minLength", "maxLength", "pattern", "languageIn",
        "uniqueLang", "in", "hasValue", "equals", "disjoint", "lessThan", "lessThanOrEquals",
        "not", "and", "or", "xone", "node", "property", "qualifiedValueShape", "closed", "sparql",
    )
}
# fmt: on

#: Shapes-graph constructs of SHACL-AF and custom components: pySHACL (in advanced mode)
#: would act on them, this compiler does not.
# fmt: off
_UNSUPPORTED_PREDICATES = {
    _sh(n)
    for n in (
        "target", "rule", "js", "jsFunctionName", "expression", "parameter", "validator",
        "nodeValidator", "propertyValidator", "ask",
    )
}
# fmt: on
# fmt: off
_UNSUPPORTED_TYPES = {
    _sh(n)
    for n in (
        "ConstraintComponent", "SPARQLFunction", "Function", "SPARQLTargetType", "TargetType",
        "SPARQLTarget", "SPARQLRule", "TripleRule", "JSConstraint", "JSFunction", "JSTarget",
        "JSTargetType", "JSRule",
    )
}
# fmt: on


class UnsupportedShapes(Exception):
    """The shapes use a SHACL construct the SPARQL compiler does not implement; validate with
    pySHACL instead."""

    def __init__(self, shape: str, construct: str) -> None:
        super().__init__(
            f"shape {shape}: {construct} is not supported by the SPARQL-compiled validator"
        )
        self.shape = shape
        self.construct = construct


# -- the shapes graph -------------------------------------------------------------------------


class _ShapesGraph:
    """The shapes graph held in dictionaries: the compiler reads it term by term."""

    def __init__(self, triples: Iterable[tuple[Term, Term, Term]]) -> None:
        self._out: dict[Term, dict[Term, list[Term]]] = {}
        self._in: dict[tuple[Term, Term], list[Term]] = {}
        self._by_predicate: dict[Term, list[tuple[Term, Term]]] = {}
        seen: set[tuple[Term, Term, Term]] = set()
        for s, p, o in triples:
            if (s, p, o) in seen:
                continue
            seen.add((s, p, o))
            self._out.setdefault(s, {}).setdefault(p, []).append(o)
            self._in.setdefault((p, o), []).append(s)
            self._by_predicate.setdefault(p, []).append((s, o))

    def objects(self, s: Term, p: Term) -> list[Term]:
        return list(self._out.get(s, {}).get(p, ()))

    def subjects(self, p: Term, o: Term) -> list[Term]:
        return list(self._in.get((p, o), ()))

    def pairs(self, p: Term) -> list[tuple[Term, Term]]:
        return list(self._by_predicate.get(p, ()))

    def predicates(self, s: Term) -> list[Term]:
        return list(self._out.get(s, {}))

    def items(self, node: Term) -> list[Term]:
        """The members of an RDF list."""
        out: list[Term] = []
        seen: set[Term] = set()
        while node != RDF_NIL:
            if node in seen:
                raise ValueError("a cyclic RDF list")
            seen.add(node)
            first = self.objects(node, RDF_FIRST)
            rest = self.objects(node, RDF_REST)
            if len(first) != 1 or len(rest) != 1:
                raise ValueError(f"{node} is not a well-formed RDF list")
            out.append(first[0])
            node = rest[0]
        return out


@dataclass(frozen=True, eq=False)
class _Shape:
    """What every constraint of a shape shares: its node, path, severity and messages."""

    node: Term
    path: Term | None
    severity: ox.NamedNode
    messages: tuple[str, ...]
    deactivated: bool

    @property
    def is_property(self) -> bool:
        return self.path is not None

    @property
    def label(self) -> str:
        return _plain(self.node) if isinstance(self.node, ox.NamedNode) else f"_:{self.node.value}"

    @property
    def severity_name(self) -> str:
        # kgraph.validation reports the local name of sh:resultSeverity
        return self.severity.value.rsplit("#", 1)[-1]


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    """One validation result. `fpath` is the chain of focus nodes that led to it: the focus
    nodes of the enclosing sh:node (or nested sh:property) validations, outermost first, then its
    own focus node; results of a nested shape are grouped by it into their parent's result."""

    fpath: tuple[Term, ...]
    path: Term | None
    value: Term | None
    message: str
    severity: str
    shape: Term
    component: str  # the local name of its sh:sourceConstraintComponent


Row = Mapping[str, Term]
Text = Callable[[Term, "Term | None"], str]


@dataclass(frozen=True)
class _Message:
    """What a constraint component says of a result: its component, and its text for a focus
    node and value."""

    component: str
    text: Text

    def __call__(self, focus: Term, value: Term | None) -> str:
        return self.text(focus, value)


#: A value test: the SPARQL boolean (for a variable) that holds when a value node conforms,
#: and what a failure says.
_Test = tuple[Callable[[str], str], _Message]


@dataclass
class _Check:
    """One SPARQL query and what turns each of its solutions into results. `per_focus` is set
    instead for a SPARQL-based constraint that must run once per focus node (see sparql_check)."""

    query: str
    handle: Callable[[Row], Iterable[_Result]]
    per_focus: _PerFocus | None = None


@dataclass
class _PerFocus:
    """The focus nodes (with their enclosing ones), and the query to run with $this bound."""

    focus_query: str
    constraint_query: str
    ancestors: list[str]


@dataclass
class _Link:
    """An sh:node of a shape: the nested shape's results on a value node make one result of the
    referring shape (pySHACL lists the nested ones too, as its sh:detail)."""

    depth: int
    shape: _Shape
    message: _Message


@dataclass
class _Plan:
    """The checks of a shape in one context, and the plans of the shapes it reaches by sh:node."""

    checks: list[_Check] = field(default_factory=list)
    links: list[tuple[_Link, _Plan]] = field(default_factory=list)

    def extend(self, other: _Plan) -> None:
        self.checks.extend(other.checks)
        self.links.extend(other.links)

    def queries(self) -> Iterator[str]:
        for c in self.checks:
            if c.per_focus is not None:
                yield c.per_focus.focus_query
                yield c.per_focus.constraint_query
            else:
                yield c.query
        for _, sub in self.links:
            yield from sub.queries()


# -- where focus nodes come from --------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Focus:
    """The focus nodes of a validation context: the targets of a shape (top level), or the
    value nodes of an enclosing context (sh:node, sh:property of a property shape)."""

    targets_of: _Shape | None = None
    values_of: _Context | None = None

    @property
    def depth(self) -> int:
        return 0 if self.values_of is None else self.values_of.focus.depth + 1


@dataclass(frozen=True, eq=False)
class _Context:
    """A shape validated on some focus nodes; `ancestors` names, in the queries, the focus nodes
    of the enclosing contexts (innermost first)."""

    shape: _Shape
    focus: _Focus

    @property
    def depth(self) -> int:
        return self.focus.depth

    @property
    def ancestors(self) -> list[str]:
        return [f"?sh_a{i}" for i in range(1, self.depth + 1)]


@dataclass(frozen=True)
class _Scope:
    """Which triples count. With `excluded` graphs (over the union of all graphs), targets and
    the values of IRI paths are read only from triples in other graphs; class membership,
    complex paths and SPARQL-based constraints read the whole union.

    Reading a triple pattern graph by graph (to leave some out) costs; it is needed only for
    the predicates the excluded graphs use (`predicates`) and, for rdf:type, the classes they
    use (`classes`); None: not known, assume any."""

    excluded: tuple[str, ...] = ()
    predicates: frozenset[str] | None = None
    classes: frozenset[str] | None = None

    def excludes(self, predicate: str, objects: Sequence[str] = ()) -> bool:
        """Whether triples with this predicate (an IRI or a variable, in SPARQL syntax) and one
        of these objects (any object when none are given) may lie in an excluded graph."""
        if not self.excluded:
            return False
        if self.predicates is None or not predicate.startswith("<"):
            return True
        if predicate not in self.predicates:
            return False
        if predicate == str(RDF_TYPE) and objects and self.classes is not None:
            return any(o in self.classes for o in objects)
        return True

    @staticmethod
    def of(runner: _Runner, excluded: Sequence[str]) -> _Scope:
        """The scope of a validation leaving these graphs out, with what they hold."""
        if not excluded:
            return _Scope()
        predicates: set[str] = set()
        classes: set[str] = set()
        for g in excluded:
            for row in runner.rows(f"SELECT DISTINCT ?p WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"):
                predicates.add(str(row["p"]))
            for row in runner.rows(
                f"SELECT DISTINCT ?c WHERE {{ GRAPH <{g}> {{ ?s {RDF_TYPE} ?c }} }}"
            ):
                classes.add(str(row["c"]))
        return _Scope(tuple(excluded), frozenset(predicates), frozenset(classes))


# -- describing terms in default messages -----------------------------------------------------


def _plain(term: Term | None) -> str:
    """A term as kgraph.validation prints it (str() of the rdflib term)."""
    if term is None:
        return ""
    return term.value


def _to_rdflib(t: Term) -> rdflib.term.Node:
    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if t.language:
        return rdflib.Literal(t.value, lang=t.language)
    return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))


def _to_ox(t: object) -> Term:
    if isinstance(t, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return t
    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, rdflib.Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise TypeError(f"not an RDF term: {t!r}")


class _Describer:
    """Terms written as pySHACL writes them in its default messages (used when a shape has no
    sh:message). Shapes-graph terms: as given (an rdflib graph keeps its prefixes and terms).
    Data terms: as pySHACL sees them in kgraph.validation.validate_store, which copies the data
    into a fresh rdflib graph (rdflib's default prefixes, xsd:string written out); a data blank
    node is described by its triples, read from the store being validated."""

    def __init__(
        self,
        shapes: rdflib.Graph,
        originals: Mapping[Term, rdflib.term.Node] | None = None,
        store: ox.Store | None = None,
    ) -> None:
        self.shapes = shapes
        self.shapes.namespace_manager.bind("sh", rdflib.URIRef(SH), override=False, replace=False)
        self.originals = originals or {}
        self.store = store
        self.data = rdflib.Graph()
        self._described: set[Term] = set()

    def for_store(self, store: ox.Store) -> _Describer:
        """A describer for one validation (it gathers the triples of the blank nodes it names)."""
        return _Describer(self.shapes, self.originals, store)

    def shape_term(self, t: Term) -> str:
        return stringify_node(self.shapes, self.originals.get(t) or _to_rdflib(t))

    def data_term(self, t: Term | None) -> str:
        if t is None:
            return "None"
        if isinstance(t, ox.BlankNode):
            self._gather(t, 0)
        return stringify_node(self.data, _to_rdflib(t))

    def _gather(self, node: ox.BlankNode, depth: int) -> None:
        if self.store is None or node in self._described or depth > 12:
            return
        self._described.add(node)
        for q in self.store.quads_for_pattern(node, None, None, None):
            self.data.add(tuple(_to_rdflib(x) for x in _terms(q)))  # type: ignore[arg-type]
            if isinstance(q.object, ox.BlankNode):
                self._gather(q.object, depth + 1)


# -- SPARQL text helpers ----------------------------------------------------------------------

_IRI_REF = re.compile(r'<[^<>"{}|^`\\\s]*>')


def _mask(text: str) -> str:
    """The query with its strings, IRIs and comments blanked out (same length), so keywords and
    braces can be searched for without matching inside them."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith('"""', i) or text.startswith("'''", i):
            quote = text[i : i + 3]
            j = i + 3
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            blank(i, min(n, j + 3))
            i = j + 3
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i, min(n, j + 1))
            i = j + 1
        elif c == "<":
            m = _IRI_REF.match(text, i)
            if m:
                blank(i, m.end())
                i = m.end()
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def _string(s: str) -> str:
    """A SPARQL string literal."""
    escaped = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _and(parts: Sequence[str]) -> str:
    return "(" + " && ".join(parts) + ")" if parts else "true"


# -- SPARQL-based constraints -----------------------------------------------------------------

# pySHACL's own tests for what a SPARQL-based constraint may not contain (it fails validation).
_LINES = re.MULTILINE | re.IGNORECASE
_HAS_MINUS = re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", flags=_LINES)
_HAS_VALUES = re.compile(
    r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))", flags=_LINES
)
_HAS_SERVICE = re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\<]", flags=_LINES)
# pySHACL substitutes $PATH textually, and pre-binds $this and $currentShape when they appear
# after a space, brace or parenthesis.
_PATH_VAR = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.MULTILINE)
_CURRENT_SHAPE = re.compile(r"([\s{}()])[\$\?]currentShape", flags=re.MULTILINE)
_SHAPES_GRAPH = re.compile(r"([\s{}()])[\$\?]shapesGraph", flags=re.MULTILINE)
_AGGREGATING = re.compile(
    r"(?<![:\w])(GROUP\s+BY|HAVING|LIMIT|OFFSET)\b"
    r"|(?<![:\w])(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(",
    flags=re.IGNORECASE,
)


@dataclass(frozen=True)
class _SparqlText:
    """A sh:select prepared for batch evaluation: where to add projected variables and where
    to put the focus pattern."""

    text: str
    projection_at: int  # just after SELECT [DISTINCT|REDUCED]
    where_at: int  # just after the opening brace of the WHERE clause
    star: bool
    projects_this: bool
    single: bool  # False: must run once per focus node (aggregates, subqueries, slices)


def _closing(masked: str, start: int) -> int:
    """The index of the brace closing the group whose content starts at `start`."""
    depth = 0
    for k in range(start, len(masked)):
        if masked[k] == "{":
            depth += 1
        elif masked[k] == "}":
            if depth == 0:
                return k
            depth -= 1
    return -1


_NOT_EXISTS = re.compile(r"\bFILTER\s+NOT\s+EXISTS\s*\{", flags=re.IGNORECASE)
_VARIABLE = re.compile(r"[?$]([A-Za-z_0-9]+)")
_NOT_PLAIN = re.compile(
    r"[{}()]|\b(FILTER|BIND|OPTIONAL|MINUS|VALUES|SERVICE|GRAPH|SELECT|EXISTS|UNION)\b",
    flags=re.IGNORECASE,
)


def _not_exists_as_minus(text: str, where_at: int) -> str:
    """Rewrite each `FILTER NOT EXISTS { P }` at the top of the WHERE clause as `MINUS { P }`
    where that means the same: P is a plain basic graph pattern and every variable it shares with
    the rest of the query is bound by a triple pattern of the clause (or is $this). pyoxigraph
    evaluates NOT EXISTS row by row, with P's joins planned without the row's bindings (seconds
    over all focus nodes); MINUS evaluates P once."""
    masked = _mask(text)
    end = _closing(masked, where_at)
    if end < 0:
        return text
    # the clause's own triple patterns: its text with groups and bracketed expressions blanked
    residue = list(masked[where_at:end])
    depth = 0
    for k, ch in enumerate(residue):
        opening = ch in "{("
        depth += 1 if opening else -1 if ch in "})" else 0
        if depth > 0 or ch in "})":
            residue[k] = " "
    bound = set(_VARIABLE.findall("".join(residue))) | {"this"}
    spans = []
    for m in _NOT_EXISTS.finditer(masked, where_at, end):
        inner_start = m.end()
        inner_end = _closing(masked, inner_start)
        if inner_end < 0 or masked[where_at : m.start()].count("{") != masked[
            where_at : m.start()
        ].count("}"):
            continue  # not at the top of the clause
        inner = masked[inner_start:inner_end]
        if _NOT_PLAIN.search(inner):
            continue
        outside = masked[: m.start()] + masked[inner_end + 1 :]
        shared = set(_VARIABLE.findall(inner)) & set(_VARIABLE.findall(outside))
        if shared and shared <= bound:
            spans.append((m.start(), inner_start, inner_end))
    if not spans:
        return text
    minus = " ".join(f"MINUS {{ {text[a:b]} }}" for _, a, b in spans)
    out = text[:end] + f" {minus} " + text[end:]
    for start, _, inner_end in reversed(spans):
        out = out[:start] + " " * (inner_end + 1 - start) + out[inner_end + 1 :]
    return out


def _prepare_select(
    text: str, shape: _Shape, path_sparql: str | None, *, batch: bool = False
) -> _SparqlText:
    label = shape.label
    for regex, what in ((_HAS_MINUS, "MINUS"), (_HAS_VALUES, "VALUES"), (_HAS_SERVICE, "SERVICE")):
        if regex.search(text):
            raise UnsupportedShapes(label, f"a SPARQL-based constraint with {what}")
    if _SHAPES_GRAPH.search(text):
        raise UnsupportedShapes(label, "$shapesGraph in a SPARQL-based constraint")
    if _PATH_VAR.search(text):
        if path_sparql is None:
            raise UnsupportedShapes(label, "$PATH in a SPARQL-based constraint of a node shape")
        text = _PATH_VAR.sub(lambda m: m.group(1) + path_sparql, text)
    masked = _mask(text)
    selects = [m for m in re.finditer(r"\bSELECT\b", masked, flags=re.IGNORECASE)]
    if not selects:
        raise UnsupportedShapes(label, "a SPARQL-based constraint that is not a SELECT query")
    head = re.compile(r"\s*(DISTINCT|REDUCED)?", flags=re.IGNORECASE).match(
        masked, selects[0].end()
    )
    assert head is not None
    projection_at = head.end()
    depth = 0
    where_at = -1
    for k in range(projection_at, len(masked)):
        ch = masked[k]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "{" and depth == 0:
            where_at = k + 1
            break
    if where_at < 0:
        raise UnsupportedShapes(label, "a SPARQL-based constraint without a WHERE clause")
    projection = masked[projection_at : where_at - 1]
    star = projection.strip().startswith("*")
    projects_this = star or re.search(r"[?$]this\b", projection) is not None
    single = len(selects) == 1 and not _AGGREGATING.search(masked)
    if not single and not projects_this:
        raise UnsupportedShapes(
            label, "an aggregating SPARQL-based constraint that does not select $this"
        )
    if batch and single:
        text = _not_exists_as_minus(text, where_at)
    return _SparqlText(text, projection_at, where_at, star, projects_this, single)


def _prefixes(g: _ShapesGraph, constraint: Term) -> dict[str, str]:
    """The prefixes of a SPARQL-based constraint, collected as pySHACL collects them: rdf, rdfs
    and owl, then the sh:declare of its sh:prefixes (and of the shapes graph's ontologies)."""
    prefixes = {"rdf": RDF, "rdfs": RDFS, "owl": OWL}
    values = g.objects(constraint, _sh("prefixes"))
    if not values:
        return prefixes
    ontologies = set(g.subjects(RDF_TYPE, OWL_ONTOLOGY))
    global_declares = {d for o in ontologies for d in g.objects(o, _sh("declare"))}
    for value in values:
        own = set(g.objects(value, _sh("declare")))
        declares = own if (own and value in ontologies) else global_declares | own
        for dec in declares:
            prefix = g.objects(dec, _sh("prefix"))
            namespace = g.objects(dec, _sh("namespace"))
            if len(prefix) != 1 or len(namespace) != 1:
                raise UnsupportedShapes(
                    _plain(constraint), "an sh:declare without one prefix and one namespace"
                )
            prefixes[_plain(prefix[0])] = _plain(namespace[0])
    return prefixes


def _fill(message: str, bindings: Mapping[str, Term]) -> str:
    """Substitute {$var} and {?var} in a message, as pySHACL does for SPARQL-based results."""
    for name, value in bindings.items():
        # the value as it is, not as a replacement template (a backslash stays a backslash)
        message = re.sub(
            "{[?$]" + re.escape(name) + "}", _plain(value).replace("\\", "\\\\"), message
        )
    return message


# -- the compiler -----------------------------------------------------------------------------


class _Builder:
    """Turns the shapes into query plans for one evaluation scope. Compiling runs it once (to
    find unsupported constructs and check every query parses); each validation runs it again,
    which costs milliseconds."""

    def __init__(
        self,
        shapes: _CompiledGraph,
        scope: _Scope,
        focus: Mapping[Term, list[Term]] | None = None,
        subclasses: Callable[[str], list[str]] | None = None,
        describer: _Describer | None = None,
    ):
        self.shapes = shapes
        self.describer = describer or shapes.describer
        # rdfs:subClassOf* read once per class and validation: a VALUES of classes joins with
        # rdf:type several times faster than the property path
        self.subclasses = subclasses or (lambda c: [c])
        self.g = shapes.graph
        self.scope = scope
        self.focus_lists = focus
        # Over all focus nodes, per-row EXISTS is slow in pyoxigraph (its inner joins do not use
        # the outer bindings); sets computed once and hash-joined are fast. Over a few focus
        # nodes it is the other way round.
        self.batch = focus is None
        self._counter = itertools.count()
        self._aux: list[str] | None = None
        self._aux_var = ""

    def fresh(self, stem: str = "x") -> str:
        return f"?sh_{stem}{next(self._counter)}"

    # -- basic patterns ---------------------------------------------------------------------
    def triple(self, s: str, p: str, o: str, objects: Sequence[str] = ()) -> str:
        """A triple pattern over the data: graph by graph, leaving the excluded graphs out, where
        they may hold such triples (`objects`: the values `o` may take, when known)."""
        if not self.scope.excludes(p, objects):
            return f"{s} {p} {o} ."
        g = self.fresh("g")
        excluded = ", ".join(f"<{x}>" for x in self.scope.excluded)
        return f"GRAPH {g} {{ {s} {p} {o} }} FILTER({g} NOT IN ({excluded}))"

    def path(self, s: str, path: Term, o: str) -> str:
        if isinstance(path, ox.NamedNode):
            return self.triple(s, str(path), o)
        return f"{s} {self.shapes.sparql_path(path)} {o} ."

    def values_pattern(self, ctx: _Context, this: str, value: str) -> str:
        """Binds `value` to each value node of `this` (the focus node itself for a node shape)."""
        if ctx.shape.is_property:
            assert ctx.shape.path is not None
            return self.path(this, ctx.shape.path, value)
        return f"BIND({this} AS {value})"

    def target_parts(self, shape: _Shape, this: str) -> list[str]:
        g, node = self.g, shape.node
        parts = []
        classes = g.objects(node, _sh("targetClass")) + self.shapes.implicit_class(node)
        for c in classes:
            if not isinstance(c, ox.NamedNode):
                raise UnsupportedShapes(shape.label, "a blank node as sh:targetClass")
            t, closure = self.fresh("t"), self.subclasses(str(c))
            parts.append(
                f"VALUES {t} {{ {' '.join(closure)} }} {self.triple(this, str(RDF_TYPE), t, closure)}"
            )
        for n in g.objects(node, _sh("targetNode")):
            if isinstance(n, ox.BlankNode):
                raise UnsupportedShapes(shape.label, "a blank node as sh:targetNode")
            parts.append(f"VALUES {this} {{ {n} }}")
        for p in g.objects(node, _sh("targetSubjectsOf")):
            parts.append(
                self.triple(this, self._iri(shape, p, "sh:targetSubjectsOf"), self.fresh("o"))
            )
        for p in g.objects(node, _sh("targetObjectsOf")):
            parts.append(
                self.triple(self.fresh("s"), self._iri(shape, p, "sh:targetObjectsOf"), this)
            )
        return parts

    def focus_pattern(self, focus: _Focus, this: str, ancestors: list[str]) -> str:
        """A group binding `this` to each focus node (and `ancestors` to the enclosing ones)."""
        if focus.values_of is None:
            assert focus.targets_of is not None
            if self.focus_lists is not None:
                nodes = " ".join(str(n) for n in self.focus_lists.get(focus.targets_of.node, []))
                return f"VALUES {this} {{ {nodes} }}"
            union = " UNION ".join(f"{{ {p} }}" for p in self.target_parts(focus.targets_of, this))
            return f"{{ SELECT DISTINCT {this} WHERE {{ {union} }} }}"
        parent = focus.values_of
        inner = self.focus_pattern(parent.focus, ancestors[0], ancestors[1:])
        step = self.values_pattern(parent, ancestors[0], this)
        return f"{{ SELECT DISTINCT {this} {' '.join(ancestors)} WHERE {{ {inner} {step} }} }}"

    def select(
        self,
        ctx: _Context,
        extra: str,
        body: str,
        tail: str = "",
        distinct: bool = True,
        with_focus: bool = True,
    ) -> str:
        ancestors = ctx.ancestors
        head = "SELECT DISTINCT" if distinct else "SELECT"
        focus = self.focus_pattern(ctx.focus, "?this", ancestors) if with_focus else ""
        return f"{head} ?this {' '.join(ancestors)} {extra} WHERE {{ {focus} {body} }} {tail}"

    def _iri(self, shape: _Shape, term: Term, what: str) -> str:
        if not isinstance(term, ox.NamedNode):
            raise UnsupportedShapes(shape.label, f"a value of {what} that is not an IRI")
        return str(term)

    # -- plans --------------------------------------------------------------------------------
    def plans(self) -> list[_Plan]:
        plans = []
        for shape in self.shapes.top_level:
            if self.focus_lists is not None and not self.focus_lists.get(shape.node):
                continue
            plans.append(self.plan(_Context(shape, _Focus(targets_of=shape)), ()))
        return plans

    def plan(self, ctx: _Context, stack: tuple[Term, ...]) -> _Plan:
        shape = ctx.shape
        plan = _Plan()
        if shape.deactivated:
            return plan
        if shape.node in stack:
            raise UnsupportedShapes(shape.label, "a recursive shape")
        stack = stack + (shape.node,)
        self.shapes.check_parameters(shape)
        g, node = self.g, shape.node
        tests = self.value_tests(shape, stack, with_node=False)
        if tests:
            plan.checks.append(self.value_check(ctx, tests))
        plan.checks.extend(self.count_checks(ctx))
        plan.checks.extend(self.unique_lang_checks(ctx))
        plan.checks.extend(self.has_value_checks(ctx))
        plan.checks.extend(self.pair_checks(ctx))
        plan.checks.extend(self.qualified_checks(ctx, stack))
        plan.checks.extend(self.closed_checks(ctx))
        for constraint in g.objects(node, _sh("sparql")):
            check = self.sparql_check(ctx, constraint)
            if check is not None:
                plan.checks.append(check)
        for child in g.objects(node, _sh("property")):
            child_shape = self.shapes.shape(child, expect_property=True)
            focus = _Focus(values_of=ctx) if shape.is_property else ctx.focus
            plan.extend(self.plan(_Context(child_shape, focus), stack))
        nodes = g.objects(node, _sh("node"))
        for nested in nodes:
            nested_shape = self.shapes.shape(nested, expect_property=False)
            names = ", ".join(f"'{self.describer.shape_term(n)}'" for n in nodes)
            default = (
                f"Value does not conform to Shape {self.describer.shape_term(nodes[0])}."
                if len(nodes) < 2
                else f"Value must conform to every Shape in ({names})."
            ) + " See details for more information."
            link = _Link(
                ctx.depth, shape, self.message(shape, "NodeConstraintComponent", _fixed(default))
            )
            plan.links.append(
                (link, self.plan(_Context(nested_shape, _Focus(values_of=ctx)), stack))
            )
        return plan

    def message(self, shape: _Shape, component: str, default: Text) -> _Message:
        """A shape's sh:message when it has one (for every constraint of the shape), else the
        component's default message."""
        if shape.messages:
            first = shape.messages[0]
            return _Message(component, _fixed(first))
        return _Message(component, default)

    def result(self, ctx: _Context, row: Row, value: Term | None, message: _Message) -> _Result:
        fpath = tuple(row[a[1:]] for a in reversed(ctx.ancestors)) + (row["this"],)
        return _Result(
            fpath,
            ctx.shape.path,
            value,
            message(row["this"], value),
            ctx.shape.severity_name,
            ctx.shape.node,
            message.component,
        )

    def reporter(
        self, ctx: _Context, message: _Message, value: str | None = None
    ) -> Callable[[Row], list[_Result]]:
        """A check's solutions as results, the value (if any) bound to the variable `value`."""

        def handle(row: Row) -> list[_Result]:
            return [self.result(ctx, row, row.get(value) if value else None, message)]

        return handle

    # -- value tests: one boolean per value node -------------------------------------------
    def value_tests(
        self, shape: _Shape, stack: tuple[Term, ...], *, with_node: bool
    ) -> list[_Test]:
        """The constraints that test each value node on its own, as (SPARQL boolean that holds
        when the value conforms, message). sh:node is one of them only where no results are
        reported (inside sh:or and the like); elsewhere it is a _Link."""
        g, node, d = self.g, shape.node, self.describer
        tests: list[_Test] = []

        def add(component: str, ok: Callable[[str], str], default: Text) -> None:
            tests.append((ok, self.message(shape, f"{component}ConstraintComponent", default)))

        def about_value(template: str) -> Text:
            return lambda focus, value: template.format(d.data_term(value))

        classes = g.objects(node, _sh("class"))
        for c in classes:
            text = (
                f"Value does not have class {d.shape_term(classes[0])}"
                if len(classes) < 2
                else "Value class is not in classes ({})".format(
                    ", ".join(d.shape_term(x) for x in classes)
                )
            )
            add(
                "Class",
                partial(self.instance_of, class_iri=self._iri(shape, c, "sh:class")),
                _fixed(text),
            )
        datatypes = g.objects(node, _sh("datatype"))
        if len(datatypes) > 1:
            raise UnsupportedShapes(shape.label, "more than one sh:datatype")
        for dt in datatypes:
            if not isinstance(dt, ox.NamedNode):
                raise UnsupportedShapes(shape.label, "a value of sh:datatype that is not an IRI")
            add(
                "Datatype",
                partial(_datatype_ok, dt=dt),
                _fixed(f"Value is not Literal with datatype {d.shape_term(dt)}"),
            )
        kinds = g.objects(node, _sh("nodeKind"))
        if len(kinds) > 1:
            raise UnsupportedShapes(shape.label, "more than one sh:nodeKind")
        for kind in kinds:
            add(
                "NodeKind",
                partial(_node_kind_ok, kind=kind),
                _fixed(f"Value is not of Node Kind {d.shape_term(kind)}"),
            )
        patterns = g.objects(node, _sh("pattern"))
        flags = self.shapes.pattern_flags(shape)
        for pattern in patterns:
            literal = self.shapes.checked_pattern(shape, pattern, flags)
            text = (
                f"Value does not match pattern '{_plain(pattern)}'"
                if len(patterns) < 2
                else "Value does not match every pattern in ('{}')".format(
                    "', '".join(_plain(x) for x in patterns)
                )
            )
            add(
                "Pattern", partial(_pattern_ok, pattern=literal, flags=_string(flags)), _fixed(text)
            )
        for name, op in (("minLength", ">="), ("maxLength", "<=")):
            for n in g.objects(node, _sh(name)):
                limit = self._integer(shape, n, f"sh:{name}")
                add(
                    name[0].upper() + name[1:],
                    partial(_length_ok, op=op, limit=limit),
                    _fixed(f"String length not {op} {d.data_term(n)}"),
                )
        for lst in g.objects(node, _sh("languageIn")):
            ranges = [_plain(x).lower() for x in self.items(shape, lst, "sh:languageIn")]
            add(
                "LanguageIn",
                partial(_language_ok, ranges=ranges),
                _fixed(f"String language is not in {d.shape_term(lst)}"),
            )
        for lst in g.objects(node, _sh("in")):
            allowed = self.items(shape, lst, "sh:in")
            if any(isinstance(m, ox.BlankNode) for m in allowed):
                raise UnsupportedShapes(shape.label, "a blank node in sh:in")
            listed = [d.shape_term(m) for m in allowed]
            add(
                "In",
                partial(_in_ok, allowed=[str(m) for m in allowed]),
                about_value(
                    "Value {} not in list " + str(listed).replace("{", "{{").replace("}", "}}")
                ),
            )
        for name, op in (
            ("minExclusive", ">"),
            ("minInclusive", ">="),
            ("maxExclusive", "<"),
            ("maxInclusive", "<="),
        ):
            bounds = g.objects(node, _sh(name))
            for b in bounds:
                if not isinstance(b, ox.Literal):
                    raise UnsupportedShapes(
                        shape.label, f"a value of sh:{name} that is not a literal"
                    )
                text = (
                    f"Value is not {op} {d.shape_term(bounds[0])}"
                    if len(bounds) < 2
                    else "Value is not {} in ({})".format(
                        op, ", ".join(d.shape_term(x) for x in bounds)
                    )
                )
                add(
                    name[0].upper() + name[1:],
                    partial(_range_ok, op=op, bound=str(b)),
                    _fixed(text),
                )
        for member in g.objects(node, _sh("not")):
            negated = self.shapes.shape(member, expect_property=None)
            add(
                "Not",
                partial(self.conforms_not, shape=negated, stack=stack),
                about_value("Node {} must not conform to shape " + _braced(d.shape_term(member))),
            )
        for name, word in (
            ("and", "all shapes"),
            ("or", "one or more shapes"),
            ("xone", "exactly one shape"),
        ):
            lists = g.objects(node, _sh(name))
            for lst in lists:
                members = [
                    self.shapes.shape(m, expect_property=None)
                    for m in self.items(shape, lst, f"sh:{name}")
                ]
                named = [
                    " , ".join(d.shape_term(m) for m in self.items(shape, x, f"sh:{name}"))
                    for x in lists
                ]
                shown = named[0] if len(named) < 2 else " and ".join(f"({x})" for x in named)
                add(
                    name.capitalize(),
                    partial(self.combine, name=name, members=members, stack=stack),
                    about_value("Node {} must conform to " + word + " in " + _braced(shown)),
                )
        if with_node:
            for nested in g.objects(node, _sh("node")):
                nested_shape = self.shapes.shape(nested, expect_property=False)
                add(
                    "Node",
                    partial(self.conforms_strictly, shape=nested_shape, stack=stack),
                    _fixed(""),
                )
        return tests

    def conforms_not(self, v: str, *, shape: _Shape, stack: tuple[Term, ...]) -> str:
        return f"!{self.ok(shape, v, False, stack)}"

    def conforms_strictly(self, v: str, *, shape: _Shape, stack: tuple[Term, ...]) -> str:
        return self.ok(shape, v, True, stack)

    def instance_of(self, v: str, *, class_iri: str) -> str:
        """A boolean: `v` is an instance of the class or of a subclass. In a batch value check,
        the instances are found once and left-joined to the values (see __init__)."""
        if self.batch and self._aux is not None and v == self._aux_var:
            flag, t = self.fresh("c"), self.fresh("t")
            classes = " ".join(self.subclasses(class_iri))
            self._aux.append(
                f"OPTIONAL {{ {{ SELECT DISTINCT {v} (true AS {flag}) WHERE "
                f"{{ VALUES {t} {{ {classes} }} {v} <{RDF}type> {t} }} }} }}"
            )
            return f"BOUND({flag})"
        # one path pattern from a bound node: EXISTS with a join inside would be planned without
        # knowing `v` is bound
        return f"EXISTS {{ {v} <{RDF}type>/<{RDFS}subClassOf>* {class_iri} }}"

    def combine(self, v: str, *, name: str, members: list[_Shape], stack: tuple[Term, ...]) -> str:
        """sh:and, sh:or or sh:xone of the members' conformance."""
        oks = [self.ok(m, v, False, stack) for m in members]
        if name == "and":
            return _and(oks)
        if name == "or":
            return _or(oks)
        return "((" + " + ".join(f"IF(COALESCE({ok}, false), 1, 0)" for ok in oks) + ") = 1)"

    def value_check(self, ctx: _Context, tests: list[_Test]) -> _Check:
        """All the value tests of a shape in one query: one scan of the value nodes, with a code
        per failed test (an error in a test counts as a failure)."""
        self._aux, self._aux_var = [], "?value"
        try:
            codes = ", ".join(
                f'IF(COALESCE({ok("?value")}, false), "", "{i} ")'
                for i, (ok, _) in enumerate(tests)
            )
            aux = " ".join(self._aux)
        finally:
            self._aux = None
        body = (
            f"{self.values_pattern(ctx, '?this', '?value')} {aux} "
            f'BIND(CONCAT({codes}, "") AS ?sh_k) FILTER(?sh_k != "")'
        )
        query = self.select(ctx, "?value ?sh_k", body)

        def handle(row: Row) -> Iterator[_Result]:
            for code in row["sh_k"].value.split():
                yield self.result(ctx, row, row["value"], tests[int(code)][1])

        return _Check(query, handle)

    # -- conformance as one boolean (inside sh:or, sh:and, sh:not, sh:xone, counts) ------
    def ok(self, shape: _Shape, var: str, strict: bool, stack: tuple[Term, ...]) -> str:
        """A SPARQL boolean that holds when `var` conforms to `shape`. As pySHACL decides it:
        a shape nested in sh:or (and the like) conforms unless one of its constraints fails
        at a severity other than Warning or Info (`strict` False); a shape nested in sh:node
        conforms only if it has no result at all (`strict` True)."""
        if shape.deactivated or (not strict and shape.severity in LENIENT_SEVERITIES):
            return "true"
        if shape.node in stack:
            raise UnsupportedShapes(shape.label, "a recursive shape")
        stack = stack + (shape.node,)
        self.shapes.check_parameters(shape)
        g, node = self.g, shape.node
        for name in (
            "sparql",
            "qualifiedValueShape",
            "closed",
            "equals",
            "disjoint",
            "lessThan",
            "lessThanOrEquals",
        ):
            if g.objects(node, _sh(name)):
                raise UnsupportedShapes(
                    shape.label,
                    f"sh:{name} in a shape used by sh:or, sh:and, sh:not, sh:xone or sh:qualifiedValueShape",
                )
        tests = [ok for ok, _ in self.value_tests(shape, stack, with_node=True)]
        parts: list[str] = []
        if not shape.is_property:
            parts += [f"COALESCE({t(var)}, false)" for t in tests]
            for hv in g.objects(node, _sh("hasValue")):
                parts.append(f"sameTerm({var}, {self._term(shape, hv, 'sh:hasValue')})")
            for child in g.objects(node, _sh("property")):
                parts.append(
                    self.ok(self.shapes.shape(child, expect_property=True), var, strict, stack)
                )
            return _and(parts)
        assert shape.path is not None
        path = shape.path
        if tests:
            v = self.fresh("v")
            ok = _and([f"COALESCE({t(v)}, false)" for t in tests])
            parts.append(f"NOT EXISTS {{ {self.path(var, path, v)} FILTER(!{ok}) }}")
        for child in g.objects(node, _sh("property")):
            v = self.fresh("v")
            child_ok = self.ok(self.shapes.shape(child, expect_property=True), v, strict, stack)
            parts.append(f"NOT EXISTS {{ {self.path(var, path, v)} FILTER(!{child_ok}) }}")
        low, high = self.counts(shape)
        if low:
            parts.append(f"EXISTS {{ {self.distinct_values(shape, var, path, low)} }}")
        if high is not None:
            parts.append(f"NOT EXISTS {{ {self.distinct_values(shape, var, path, high + 1)} }}")
        for hv in g.objects(node, _sh("hasValue")):
            parts.append(
                f"EXISTS {{ {self.path(var, path, self._term(shape, hv, 'sh:hasValue'))} }}"
            )
        if self.unique_lang(shape):
            a, b = self.fresh("v"), self.fresh("v")
            parts.append(
                f"NOT EXISTS {{ {self.path(var, path, a)} {self.path(var, path, b)} "
                f"FILTER({_same_language(a, b)}) }}"
            )
        return _and(parts)

    def distinct_values(self, shape: _Shape, var: str, path: Term, n: int) -> str:
        """A pattern with n pairwise different value nodes (counts inside a boolean)."""
        if n > 4:
            raise UnsupportedShapes(
                shape.label, "a cardinality above 3 in a shape used by sh:or and the like"
            )
        vs = [self.fresh("v") for _ in range(n)]
        pattern = " ".join(self.path(var, path, v) for v in vs)
        different = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2)]
        return pattern + (f" FILTER({' && '.join(different)})" if different else "")

    # -- constraints on the set of value nodes ---------------------------------------------
    def counts(self, shape: _Shape) -> tuple[int, int | None]:
        g = self.g
        lows = [
            self._integer(shape, x, "sh:minCount") for x in g.objects(shape.node, _sh("minCount"))
        ]
        highs = [
            self._integer(shape, x, "sh:maxCount") for x in g.objects(shape.node, _sh("maxCount"))
        ]
        if len(lows) > 1 or len(highs) > 1:
            raise UnsupportedShapes(shape.label, "more than one sh:minCount or sh:maxCount")
        if (lows or highs) and not shape.is_property:
            raise UnsupportedShapes(shape.label, "sh:minCount or sh:maxCount on a node shape")
        return (lows[0] if lows else 0), (highs[0] if highs else None)

    def count_checks(self, ctx: _Context) -> list[_Check]:
        shape, d = ctx.shape, self.describer
        low, high = self.counts(shape)
        if not low and high is None:
            return []
        path_text = d.shape_term(shape.path) if shape.path is not None else ""
        too_few = self.message(
            shape,
            "MinCountConstraintComponent",
            _about_focus(d, f"Less than {low} values on {{}}->{_braced(path_text)}"),
        )
        too_many = self.message(
            shape,
            "MaxCountConstraintComponent",
            _about_focus(d, f"More than {high} values on {{}}->{_braced(path_text)}"),
        )
        if self.batch:
            return self.batch_count_checks(ctx, low, high, too_few, too_many)
        n = "COUNT(DISTINCT ?value)"
        conditions = ([f"{n} < {low}"] if low else []) + (
            [f"{n} > {high}"] if high is not None else []
        )
        group = " ".join(["?this"] + ctx.ancestors)
        body = f"OPTIONAL {{ {self.values_pattern(ctx, '?this', '?value')} }}"
        query = self.select(
            ctx,
            "(COUNT(DISTINCT ?value) AS ?sh_n)",
            body,
            f"GROUP BY {group} HAVING ({' || '.join(conditions)})",
            distinct=False,
        )

        def handle(row: Row) -> Iterator[_Result]:
            n = int(row["sh_n"].value)
            if low and n < low:
                yield self.result(ctx, row, None, too_few)
            if high is not None and n > high:
                yield self.result(ctx, row, None, too_many)

        return [_Check(query, handle)]

    def batch_count_checks(
        self, ctx: _Context, low: int, high: int | None, too_few: _Message, too_many: _Message
    ) -> list[_Check]:
        """Counts over all focus nodes: the values are counted per subject once, over the whole
        property, and the focus nodes joined (or anti-joined) to those counts; counting per focus
        node after a left join is several times slower in pyoxigraph."""
        checks = []
        values = self.values_pattern(ctx, "?this", "?sh_v")
        if low:
            enough = (
                values
                if low == 1
                else (
                    f"{{ SELECT ?this WHERE {{ {values} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?sh_v) >= {low}) }}"
                )
            )
            query = self.select(ctx, "", f"MINUS {{ {enough} }}")
            checks.append(_Check(query, self.reporter(ctx, too_few)))
        if high is not None:
            body = f"{{ SELECT ?this WHERE {{ {values} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?sh_v) > {high}) }}"
            checks.append(_Check(self.select(ctx, "", body), self.reporter(ctx, too_many)))
        return checks

    def unique_lang(self, shape: _Shape) -> bool:
        values = self.g.objects(shape.node, _sh("uniqueLang"))
        if values and not shape.is_property:
            raise UnsupportedShapes(shape.label, "sh:uniqueLang on a node shape")
        return any(isinstance(x, ox.Literal) and x.value in ("true", "1") for x in values)

    def unique_lang_checks(self, ctx: _Context) -> list[_Check]:
        if not self.unique_lang(ctx.shape):
            return []
        a, b = (
            self.values_pattern(ctx, "?this", "?sh_v1"),
            self.values_pattern(ctx, "?this", "?sh_v2"),
        )
        body = f"{a} {b} FILTER({_same_language('?sh_v1', '?sh_v2')}) BIND(LCASE(LANG(?sh_v1)) AS ?sh_l)"
        message = self.message(
            ctx.shape,
            "UniqueLangConstraintComponent",
            _fixed("More than one String shares the same Language"),
        )
        # one result per language used twice, without a value (as pySHACL reports it)
        return [_Check(self.select(ctx, "?sh_l", body), self.reporter(ctx, message))]

    def has_value_checks(self, ctx: _Context) -> list[_Check]:
        shape, d = ctx.shape, self.describer
        values = self.g.objects(shape.node, _sh("hasValue"))
        shown = [d.shape_term(x) for x in values]
        checks = []
        for hv in values:
            term = self._term(shape, hv, "sh:hasValue")
            if shape.is_property:
                assert shape.path is not None
                body = f"FILTER NOT EXISTS {{ {self.path('?this', shape.path, term)} }}"
                path_text = d.shape_term(shape.path)
                default = _about_focus(
                    d,
                    f"Node {{}}->{_braced(path_text)} does not contain a value "
                    f"in the set: {_braced(str(shown))}",
                )
            else:
                body = f"FILTER(!sameTerm(?this, {term}))"
                default = _about_focus(
                    d, f"Node {{}} value is not a in the set of values: {_braced(str(shown))}"
                )
            message = self.message(shape, "HasValueConstraintComponent", default)
            checks.append(_Check(self.select(ctx, "", body), self.reporter(ctx, message)))
        return checks

    def pair_checks(self, ctx: _Context) -> list[_Check]:
        shape, d, g = ctx.shape, self.describer, self.g
        checks = []
        for name, sign in (
            ("equals", "!="),
            ("disjoint", "=="),
            ("lessThan", "<="),
            ("lessThanOrEquals", "<"),
        ):
            others = g.objects(shape.node, _sh(name))
            if others and name.startswith("less") and not shape.is_property:
                raise UnsupportedShapes(shape.label, f"sh:{name} on a node shape")
            for other in others:
                q = self._iri(shape, other, f"sh:{name}")
                rules = (
                    d.shape_term(others[0])
                    if len(others) < 2
                    else ", ".join(d.shape_term(x) for x in others)
                )
                default = _about_both(d, "Value of {}->" + _braced(rules) + f" {sign} " + "{}")
                message = self.message(
                    shape, name[0].upper() + name[1:] + "ConstraintComponent", default
                )
                values = self.values_pattern(ctx, "?this", "?value")
                if name == "equals":
                    focus = self.focus_pattern(ctx.focus, "?this", ctx.ancestors)
                    body = (
                        f"{{ {focus} {values} FILTER NOT EXISTS {{ {self.triple('?this', q, '?value')} }} }} UNION "
                        f"{{ {self.focus_pattern(ctx.focus, '?this', ctx.ancestors)} {self.triple('?this', q, '?value')} "
                        f"FILTER NOT EXISTS {{ {self.values_pattern(ctx, '?this', '?sh_w')} "
                        f"FILTER(sameTerm(?sh_w, ?value)) }} }}"
                    )
                elif name == "disjoint":
                    body = f"{values} {self.triple('?this', q, '?value')}"
                else:
                    op = "<" if name == "lessThan" else "<="
                    body = f"{values} {self.triple('?this', q, '?sh_o')} FILTER(!COALESCE(?value {op} ?sh_o, false))"
                checks.append(
                    _Check(
                        self.select(ctx, "?value", body, with_focus=name != "equals"),
                        self.reporter(ctx, message, "value"),
                    )
                )
        return checks

    def qualified_checks(self, ctx: _Context, stack: tuple[Term, ...]) -> list[_Check]:
        shape, g, d = ctx.shape, self.g, self.describer
        value_shapes = g.objects(shape.node, _sh("qualifiedValueShape"))
        if not value_shapes or not shape.is_property:
            return []  # pySHACL ignores sh:qualifiedValueShape on a node shape
        lows = [
            self._integer(shape, x, "sh:qualifiedMinCount")
            for x in g.objects(shape.node, _sh("qualifiedMinCount"))
        ]
        highs = [
            self._integer(shape, x, "sh:qualifiedMaxCount")
            for x in g.objects(shape.node, _sh("qualifiedMaxCount"))
        ]
        if len(lows) > 1 or len(highs) > 1 or not (lows or highs):
            raise UnsupportedShapes(
                shape.label, "sh:qualifiedValueShape without one qualified count"
            )
        low, high = (lows[0] if lows else None), (highs[0] if highs else None)
        disjoint = any(
            isinstance(x, ox.Literal) and x.value in ("true", "1")
            for x in g.objects(shape.node, _sh("qualifiedValueShapesDisjoint"))
        )
        shown = ",".join(d.shape_term(s) for s in value_shapes)
        counts = (f" MinCount {low}" if low is not None else "") + (
            f" MaxCount {high}" if high is not None else ""
        )
        text = (
            f"Focus node does not conform to shapes{counts}: ({shown})"
            if len(value_shapes) > 1
            else f"Focus node does not conform to shape{counts}: {shown}"
        )
        too_few = self.message(shape, "QualifiedMinCountConstraintComponent", _fixed(text))
        too_many = self.message(shape, "QualifiedMaxCountConstraintComponent", _fixed(text))
        checks = []
        for q in value_shapes:
            q_shape = self.shapes.shape(q, expect_property=None)
            siblings = []
            if disjoint:
                for parent in g.subjects(_sh("property"), shape.node):
                    for sibling_ps in g.objects(parent, _sh("property")):
                        siblings += [
                            s for s in g.objects(sibling_ps, _sh("qualifiedValueShape")) if s != q
                        ]
            sibling_oks = [
                self.ok(self.shapes.shape(s, expect_property=None), "?value", False, stack)
                for s in dict.fromkeys(siblings)
            ]
            counted = (
                f"COALESCE({self.ok(q_shape, '?value', False, stack)}"
                + (f" && !{_or(sibling_oks)}" if sibling_oks else "")
                + ", false)"
            )
            n = f"SUM(IF(BOUND(?value) && {counted}, 1, 0))"
            conditions = ([f"{n} < {low}"] if low is not None else []) + (
                [f"{n} > {high}"] if high is not None else []
            )
            group = " ".join(["?this"] + ctx.ancestors)
            inner = self.select(
                ctx, "?value", f"OPTIONAL {{ {self.values_pattern(ctx, '?this', '?value')} }}"
            )
            query = (
                f"SELECT ?this {' '.join(ctx.ancestors)} ({n} AS ?sh_n) "
                f"WHERE {{ {{ {inner} }} }} GROUP BY {group} HAVING ({' || '.join(conditions)})"
            )

            def handle(row: Row) -> Iterator[_Result]:
                n = int(row["sh_n"].value)
                if low is not None and n < low:
                    yield self.result(ctx, row, None, too_few)
                if high is not None and n > high:
                    yield self.result(ctx, row, None, too_many)

            checks.append(_Check(query, handle))
        return checks

    def closed_checks(self, ctx: _Context) -> list[_Check]:
        shape, g, d = ctx.shape, self.g, self.describer
        closed = g.objects(shape.node, _sh("closed"))
        if not any(isinstance(x, ox.Literal) and x.value in ("true", "1") for x in closed):
            return []
        allowed: list[Term] = []
        for child in g.objects(shape.node, _sh("property")):
            allowed += [p for p in g.objects(child, _sh("path")) if isinstance(p, ox.NamedNode)]
        for lst in g.objects(shape.node, _sh("ignoredProperties")):
            allowed += [
                p
                for p in self.items(shape, lst, "sh:ignoredProperties")
                if isinstance(p, ox.NamedNode)
            ]
        allowed_text = ", ".join(str(p) for p in dict.fromkeys(allowed))
        keep = f"FILTER(?sh_p NOT IN ({allowed_text}))" if allowed else ""
        body = (
            f"{self.values_pattern(ctx, '?this', '?sh_s')} {self.triple('?sh_s', '?sh_p', '?value')} {keep} "
            f"FILTER(!(?sh_p = {RDF_TYPE} && ?value = {RDFS_RESOURCE}))"
        )
        message = self.message(
            shape,
            "ClosedConstraintComponent",
            _about_both(d, "Node {} is closed. It cannot have value: {}"),
        )

        def handle(row: Row) -> list[_Result]:
            r = self.result(ctx, row, row["value"], message)
            return [
                _Result(r.fpath, row["sh_p"], r.value, r.message, r.severity, r.shape, r.component)
            ]

        return [_Check(self.select(ctx, "?sh_p ?value", body), handle)]

    # -- SPARQL-based constraints ------------------------------------------------------------
    def sparql_check(self, ctx: _Context, constraint: Term) -> _Check | None:
        """A sh:sparql constraint, with $this bound to each focus node. The focus pattern is put
        first in the query's WHERE clause, so the query runs once for all focus nodes; a query
        that aggregates or has subqueries, where that would change its meaning, runs once per
        focus node with $this substituted (as pySHACL pre-binds it)."""
        shape, g = ctx.shape, self.g
        if any(
            isinstance(x, ox.Literal) and x.value in ("true", "1")
            for x in g.objects(constraint, _sh("deactivated"))
        ):
            return None
        selects = g.objects(constraint, _sh("select"))
        if len(selects) != 1 or not isinstance(selects[0], ox.Literal):
            raise UnsupportedShapes(shape.label, "an sh:sparql constraint without one sh:select")
        path_sparql = self.shapes.sparql_path(shape.path) if shape.path is not None else None
        prepared = _prepare_select(selects[0].value, shape, path_sparql, batch=self.batch)
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _prefixes(g, constraint).items())
        bind_shape = ""
        if _CURRENT_SHAPE.search(prepared.text):
            if not isinstance(shape.node, ox.NamedNode):
                raise UnsupportedShapes(shape.label, "$currentShape in a blank-node shape")
            bind_shape = f" BIND({shape.node} AS ?currentShape) "
        messages = sorted(_plain(m) for m in g.objects(constraint, _sh("message")))
        ancestors = ctx.ancestors
        text = prepared.text
        if prepared.single:
            added = (
                ""
                if prepared.star
                else " ".join(([] if prepared.projects_this else ["?this"]) + ancestors)
            )
            focus = self.focus_pattern(ctx.focus, "?this", ancestors)
            query = (
                prologue
                + text[: prepared.projection_at]
                + f" {added} "
                + text[prepared.projection_at : prepared.where_at]
                + f" {focus}{bind_shape} "
                + text[prepared.where_at :]
            )
            per_focus = None
        else:
            query = ""
            constraint_query = (
                prologue + text[: prepared.where_at] + bind_shape + text[prepared.where_at :]
            )
            focus_query = f"SELECT DISTINCT ?this {' '.join(ancestors)} WHERE {{ {self.focus_pattern(ctx.focus, '?this', ancestors)} }}"
            per_focus = _PerFocus(focus_query, constraint_query, ancestors)
        own = {a[1:] for a in ancestors} | ({"this"} if not prepared.projects_this else set())

        def handle(row: Row) -> list[_Result]:
            return self.sparql_results(ctx, row, own, prepared.projects_this, messages)

        return _Check(query, handle, per_focus)

    def sparql_results(
        self, ctx: _Context, row: Row, own: set[str], projects_this: bool, messages: list[str]
    ) -> list[_Result]:
        """One solution of a SPARQL-based constraint, read as pySHACL reads it."""
        shape = ctx.shape
        bindings = {k: v for k, v in row.items() if k not in own}
        focus = row["this"]
        bindings.pop("failure", None)
        path = bindings.pop("path", None)
        value = bindings.pop("value", None)
        this = bindings.pop("this", None)
        if not projects_this:
            this = None
        if path is None and value is None and this is None:
            return []  # pySHACL ignores a solution that binds none of $this, ?path, ?value
        if value is None and not shape.is_property:
            value = focus
        template = {**bindings}
        if this is not None:
            template["this"] = this
        if path is not None:
            template["path"] = path
        if value is not None:
            template["value"] = value
        chosen = messages or list(shape.messages)
        message = _fill(chosen[0], template) if chosen else NO_MESSAGE
        fpath = tuple(row[a[1:]] for a in reversed(ctx.ancestors)) + (this or focus,)
        return [
            _Result(
                fpath,
                path if path is not None else shape.path,
                value,
                message,
                shape.severity_name,
                shape.node,
                "SPARQLConstraintComponent",
            )
        ]

    # -- small readers -----------------------------------------------------------------------
    def items(self, shape: _Shape, lst: Term, what: str) -> list[Term]:
        try:
            return self.g.items(lst)
        except ValueError as exc:
            raise UnsupportedShapes(
                shape.label, f"{what} whose value is not an RDF list ({exc})"
            ) from None

    def _integer(self, shape: _Shape, term: Term, what: str) -> int:
        try:
            return int(_plain(term))
        except ValueError:
            raise UnsupportedShapes(
                shape.label, f"a value of {what} that is not an integer"
            ) from None

    def _term(self, shape: _Shape, term: Term, what: str) -> str:
        if isinstance(term, ox.BlankNode):
            raise UnsupportedShapes(shape.label, f"a blank node as {what}")
        return str(term)


def _fixed(text: str) -> Text:
    return lambda focus, value: text


def _about_focus(d: _Describer, template: str) -> Text:
    """A default message naming the focus node ("{}" in the template)."""
    return lambda focus, value: template.format(d.data_term(focus))


def _about_both(d: _Describer, template: str) -> Text:
    """A default message naming the focus node and the value ("{}" twice in the template)."""
    return lambda focus, value: template.format(d.data_term(focus), d.data_term(value))


def _braced(text: str) -> str:
    """Text to put in a str.format template as it is."""
    return text.replace("{", "{{").replace("}", "}}")


def _pattern_ok(v: str, *, pattern: str, flags: str) -> str:
    return f"(!isBlank({v}) && REGEX(STR({v}), {pattern}, {flags}))"


def _length_ok(v: str, *, op: str, limit: int) -> str:
    return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {limit})"


def _in_ok(v: str, *, allowed: list[str]) -> str:
    # sameTerm: sh:in compares terms, not values (1 is not 1.0)
    return _or([f"sameTerm({v}, {m})" for m in allowed])


def _range_ok(v: str, *, op: str, bound: str) -> str:
    return f"({v} {op} {bound})"


def _or(parts: Sequence[str]) -> str:
    return "(" + " || ".join(parts) + ")" if parts else "false"


def _same_language(a: str, b: str) -> str:
    return f'!sameTerm({a}, {b}) && LANG({a}) != "" && LCASE(LANG({a})) = LCASE(LANG({b}))'


def _datatype_ok(v: str, *, dt: ox.NamedNode) -> str:
    """sh:datatype as pySHACL applies it: rdfs:Literal takes any literal, rdf:langString any
    language-tagged one; otherwise the datatype must be the same IRI and, where the engine can
    tell, the lexical form must be well-formed for it."""
    if dt == RDFS_LITERAL:
        return f"isLiteral({v})"
    if dt == RDFS_DATATYPE:
        return f'(isLiteral({v}) && LANG({v}) = "")'
    if dt == RDF_LANGSTRING:
        return f'(isLiteral({v}) && LANG({v}) != "")'
    same = f"(isLiteral({v}) && DATATYPE({v}) = {dt})"
    if dt in CHECKED_DATATYPES:
        return f"({same} && isLiteral({dt}({v})))"
    return same


def _node_kind_ok(v: str, *, kind: Term) -> str:
    tests = {
        _sh("IRI"): f"isIRI({v})",
        _sh("BlankNode"): f"isBlank({v})",
        _sh("Literal"): f"isLiteral({v})",
        _sh("BlankNodeOrIRI"): f"(isIRI({v}) || isBlank({v}))",
        _sh("BlankNodeOrLiteral"): f"(isBlank({v}) || isLiteral({v}))",
        _sh("IRIOrLiteral"): f"(isIRI({v}) || isLiteral({v}))",
    }
    # pySHACL: an unknown node kind matches nothing
    return tests.get(kind, "false") if isinstance(kind, ox.NamedNode) else "false"


def _language_ok(v: str, *, ranges: list[str]) -> str:
    """sh:languageIn as pySHACL applies it: the tag, or its first subtag, is one of the listed
    ones (case-insensitively); "*" takes any tag."""
    if "*" in ranges:
        return f'(isLiteral({v}) && LANG({v}) != "")'
    listed = ", ".join(_string(r) for r in ranges)
    tag = f"LCASE(LANG({v}))"
    return f'(isLiteral({v}) && LANG({v}) != "" && ({tag} IN ({listed}) || STRBEFORE({tag}, "-") IN ({listed})))'


# -- the compiled shapes ----------------------------------------------------------------------


class _CompiledGraph:
    """The shapes graph with what the builder asks of it: shapes, paths, checked patterns."""

    def __init__(self, graph: _ShapesGraph, describer: _Describer) -> None:
        self.graph = graph
        self.describer = describer
        self._shapes: dict[Term, _Shape] = {}
        self._patterns: dict[tuple[Term, str], str] = {}
        self._check_unsupported()
        self.top_level = [self.shape(n, expect_property=None) for n in self._targeted()]

    def _check_unsupported(self) -> None:
        g = self.graph
        for p in _UNSUPPORTED_PREDICATES:
            for s, _ in g.pairs(p):
                raise UnsupportedShapes(
                    _plain(s), f"{_plain(p)} (SHACL-AF or custom constraint components)"
                )
        for t in _UNSUPPORTED_TYPES:
            for s in g.subjects(RDF_TYPE, t):
                raise UnsupportedShapes(_plain(s), f"a {_plain(t)}")

    def _targeted(self) -> list[Term]:
        """The shapes that have targets, in a stable order (pySHACL validates every shape; those
        without targets have no focus nodes of their own)."""
        g = self.graph
        nodes: dict[Term, None] = {}
        for p in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            for s, _ in g.pairs(_sh(p)):
                nodes[s] = None
        for s in self._harvest():
            if self.implicit_class(s):
                nodes[s] = None
        return sorted(nodes, key=lambda n: (isinstance(n, ox.BlankNode), n.value))

    def _harvest(self) -> set[Term]:
        """The nodes pySHACL takes for shapes (declared, or implied by how they are used)."""
        g = self.graph
        found = set(g.subjects(RDF_TYPE, _sh("NodeShape"))) | set(
            g.subjects(RDF_TYPE, _sh("PropertyShape"))
        )
        for p in (
            "targetClass",
            "targetNode",
            "targetSubjectsOf",
            "targetObjectsOf",
            "property",
            "node",
        ):
            found |= {s for s, _ in g.pairs(_sh(p))}
        for p in ("property", "node", "not", "qualifiedValueShape"):
            found |= {o for _, o in g.pairs(_sh(p))}
        for p in ("and", "or", "xone"):
            for _, lst in g.pairs(_sh(p)):
                try:
                    found |= set(g.items(lst))
                except ValueError:
                    continue
        return found

    def implicit_class(self, node: Term) -> list[Term]:
        """A shape that is also a class targets its instances (pySHACL: typed rdfs:Class or a
        subclass of it declared in the shapes graph)."""
        g = self.graph
        class_types = {RDFS_CLASS} | set(g.subjects(RDFS_SUBCLASSOF, RDFS_CLASS))
        return [node] if any(t in class_types for t in g.objects(node, RDF_TYPE)) else []

    def shape(self, node: Term, *, expect_property: bool | None) -> _Shape:
        if node not in self._shapes:
            self._shapes[node] = self._read_shape(node)
        shape = self._shapes[node]
        if expect_property is True and not shape.is_property:
            raise UnsupportedShapes(shape.label, "sh:property pointing at a shape without sh:path")
        if expect_property is False and shape.is_property:
            raise UnsupportedShapes(shape.label, "sh:node pointing at a property shape")
        return shape

    def _read_shape(self, node: Term) -> _Shape:
        g = self.graph
        label = _plain(node) if isinstance(node, ox.NamedNode) else f"_:{_plain(node)}"
        if isinstance(node, ox.Literal):
            raise UnsupportedShapes(label, "a literal used as a shape")
        paths = g.objects(node, _sh("path"))
        if len(paths) > 1:
            raise UnsupportedShapes(label, "more than one sh:path")
        severities = g.objects(node, _sh("severity"))
        severity = severities[0] if severities else _sh("Violation")
        if not isinstance(severity, ox.NamedNode):
            raise UnsupportedShapes(label, "an sh:severity that is not an IRI")
        deactivated = g.objects(node, _sh("deactivated"))
        messages = tuple(sorted(_plain(m) for m in g.objects(node, _sh("message"))))
        path = paths[0] if paths else None
        if path is not None:
            self.sparql_path(path)  # fails early on a malformed path
        return _Shape(
            node,
            path,
            severity,
            messages,
            any(isinstance(x, ox.Literal) and x.value in ("true", "1") for x in deactivated),
        )

    def check_parameters(self, shape: _Shape) -> None:
        for p in self.graph.predicates(shape.node):
            if (
                isinstance(p, ox.NamedNode)
                and p.value.startswith(SH)
                and p not in _PARAMETERS
                and p not in _DESCRIPTIVE
            ):
                raise UnsupportedShapes(shape.label, _plain(p))

    def sparql_path(self, path: Term) -> str:
        """A SHACL property path as a SPARQL property path."""
        g = self.graph
        if isinstance(path, ox.NamedNode):
            return str(path)
        if isinstance(path, ox.Literal):
            raise UnsupportedShapes(_plain(path), "a literal as sh:path")
        if g.objects(path, RDF_FIRST):
            return "(" + "/".join(self.sparql_path(p) for p in g.items(path)) + ")"
        for name, template in (
            ("inversePath", "^({})"),
            ("zeroOrMorePath", "({})*"),
            ("oneOrMorePath", "({})+"),
            ("zeroOrOnePath", "({})?"),
        ):
            inner = g.objects(path, _sh(name))
            if inner:
                return template.format(self.sparql_path(inner[0]))
        alternatives = g.objects(path, _sh("alternativePath"))
        if alternatives:
            return "(" + "|".join(self.sparql_path(p) for p in g.items(alternatives[0])) + ")"
        raise UnsupportedShapes(f"_:{path.value}", "a malformed sh:path")

    def pattern_flags(self, shape: _Shape) -> str:
        flags = self.graph.objects(shape.node, _sh("flags"))
        text = _plain(flags[0]) if flags else ""
        if set(text) - {"i", "m"}:
            # pySHACL applies only "i" and "m" (as Python regex flags); the others would differ
            raise UnsupportedShapes(shape.label, f"sh:flags {text!r}")
        return text

    def checked_pattern(self, shape: _Shape, pattern: Term, flags: str) -> str:
        """The pattern as a SPARQL string, once the engine has shown it can compile it (the
        regex dialects of pyoxigraph and of Python's re differ on look-arounds and the like)."""
        key = (pattern, flags)
        if key not in self._patterns:
            literal = _string(_plain(pattern))
            probe = ox.Store().query(f'SELECT (REGEX("", {literal}, {_string(flags)}) AS ?ok) {{}}')
            if next(iter(probe))["ok"] is None:  # type: ignore[arg-type]
                raise UnsupportedShapes(
                    shape.label,
                    f"the sh:pattern {_plain(pattern)!r} (not a regex the engine supports)",
                )
            self._patterns[key] = literal
        return self._patterns[key]


ShapesInput = ox.Store | rdflib.Graph | Iterable[ox.Triple | ox.Quad]


def compile_shapes(shapes: ShapesInput) -> CompiledShapes:
    """Compile a shapes graph (a pyoxigraph store, whose graphs are merged; an rdflib Graph;
    or triples or quads) into SPARQL. Raises UnsupportedShapes for a construct not compiled."""
    originals: dict[Term, rdflib.term.Node] = {}
    triples: list[tuple[Term, Term, Term]] = []
    if isinstance(shapes, rdflib.Graph):
        # its own prefixes and terms then name things in default messages, as pySHACL names them
        for t in shapes:
            converted = (_to_ox(t[0]), _to_ox(t[1]), _to_ox(t[2]))
            originals.update(zip(converted, t))
            triples.append(converted)
        return CompiledShapes(_CompiledGraph(_ShapesGraph(triples), _Describer(shapes, originals)))
    return _compile([_terms(t) for t in (iter(shapes) if isinstance(shapes, ox.Store) else shapes)])


def _compile(triples: list[tuple[Term, Term, Term]]) -> CompiledShapes:
    described = rdflib.Graph()
    for s, p, o in triples:
        described.add((_to_rdflib(s), _to_rdflib(p), _to_rdflib(o)))
    return CompiledShapes(_CompiledGraph(_ShapesGraph(triples), _Describer(described)))


def _terms(t: ox.Triple | ox.Quad) -> tuple[Term, Term, Term]:
    if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
        raise UnsupportedShapes("(shapes graph)", "an RDF 1.2 triple term")
    return t.subject, t.predicate, t.object


_COMPILED: dict[frozenset[tuple[Term, Term, Term]], CompiledShapes | UnsupportedShapes] = {}


def compiled_store_shapes(quads: Iterable[ox.Quad | ox.Triple]) -> CompiledShapes:
    """compile_shapes, remembered for the same shapes: compiling takes a fraction of a second
    and every validation of a store would repeat it (an UnsupportedShapes is remembered too)."""
    key = frozenset(_terms(q) for q in quads)
    known = _COMPILED.get(key)
    if known is None:
        try:
            known = _compile(sorted(key, key=str))
        except UnsupportedShapes as exc:
            known = exc
        if len(_COMPILED) >= 8:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = known
    if isinstance(known, UnsupportedShapes):
        raise known
    return known


class CompiledShapes:
    """Shapes compiled to SPARQL, ready to validate pyoxigraph stores."""

    def __init__(self, compiled: _CompiledGraph) -> None:
        self._compiled = compiled
        # Build every query once now: an unsupported construct fails here, not mid-validation,
        # and so does a query pyoxigraph cannot parse.
        probe = ox.Store()
        some_focus: dict[Term, list[Term]] = {
            s.node: [ox.NamedNode("urn:kgraph:focus")] for s in compiled.top_level
        }
        for scope, focus in (
            (_Scope(), None),
            (_Scope(excluded=("urn:kgraph:excluded",)), None),
            (_Scope(excluded=("urn:kgraph:excluded",)), some_focus),
        ):
            for plan in _Builder(compiled, scope, focus).plans():
                for query in plan.queries():
                    try:
                        probe.query(query)
                    except SyntaxError as exc:
                        raise UnsupportedShapes(
                            "(compiled query)", f"a query pyoxigraph rejects: {exc}\n{query}"
                        ) from None

    @property
    def shape_count(self) -> int:
        return len(self._compiled.top_level)

    def queries(
        self, store: ox.Store | None = None, *, exclude_graphs: Sequence[str] = ()
    ) -> list[str]:
        """The SPARQL queries of a full validation of `store` (for inspection and profiling)."""
        if store is None:
            scope, subclasses = _Scope(excluded=tuple(exclude_graphs)), None
        else:
            runner = _Runner(store, None)
            scope, subclasses = _Scope.of(runner, exclude_graphs), runner.subclasses
        return [
            q
            for plan in _Builder(self._compiled, scope, None, subclasses).plans()
            for q in plan.queries()
        ]

    def validate(
        self,
        store: ox.Store,
        *,
        default_graph: Sequence[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None,
        exclude_graphs: Sequence[str] = (),
        focus_nodes: Sequence[object] | None = None,
    ) -> ValidationReport:
        """Validate the store's data: its default graph is `default_graph` (a list of graphs:
        exact, but evaluated graph by graph) or, when None, the union of all its graphs, less
        `exclude_graphs` for targets and values (see _Scope). With `focus_nodes`, only those
        nodes are validated, against the shapes that target them (as pySHACL's focus_nodes=:
        IRIs only)."""
        runner = _Runner(store, default_graph)
        scope = _Scope() if default_graph is not None else _Scope.of(runner, exclude_graphs)
        focus_lists = None
        if focus_nodes is not None:
            # pySHACL validates IRIs only
            nodes = [
                n
                for n in dict.fromkeys(_focus_term(n) for n in focus_nodes)
                if isinstance(n, ox.NamedNode)
            ]
            if not nodes:
                return ValidationReport(conforms=True)
            focus_lists = self._targeted(runner, scope, nodes)
        results: list[_Result] = []
        describer = self._compiled.describer.for_store(store)
        for plan in _Builder(
            self._compiled, scope, focus_lists, runner.subclasses, describer
        ).plans():
            results.extend(runner.run(plan))
        return _report(results, self._compiled)

    def _targeted(
        self, runner: _Runner, scope: _Scope, nodes: list[ox.NamedNode]
    ) -> dict[Term, list[Term]]:
        """Which of the given nodes each shape targets: the nodes' types and the predicates they
        are subject and object of, read in three queries, matched against every shape here."""
        builder = _Builder(self._compiled, scope)
        values = " ".join(str(n) for n in nodes)
        types: dict[Term, set[str]] = {}
        out_predicates: dict[Term, set[str]] = {}
        in_predicates: dict[Term, set[str]] = {}
        for key, pattern, found in (
            ("t", builder.triple("?this", str(RDF_TYPE), "?t"), types),
            ("t", builder.triple("?this", "?t", "?sh_o"), out_predicates),
            ("t", builder.triple("?sh_s", "?t", "?this"), in_predicates),
        ):
            for row in runner.rows(
                f"SELECT DISTINCT ?this ?t WHERE {{ VALUES ?this {{ {values} }} {pattern} }}"
            ):
                if isinstance(row[key], ox.NamedNode):
                    found.setdefault(row["this"], set()).add(str(row[key]))
        g = self._compiled.graph
        out: dict[Term, list[Term]] = {}
        for shape in self._compiled.top_level:
            classes = {
                c
                for t in g.objects(shape.node, _sh("targetClass"))
                + self._compiled.implicit_class(shape.node)
                for c in runner.subclasses(str(t))
            }
            listed = {str(n) for n in g.objects(shape.node, _sh("targetNode"))}
            subjects_of = {str(p) for p in g.objects(shape.node, _sh("targetSubjectsOf"))}
            objects_of = {str(p) for p in g.objects(shape.node, _sh("targetObjectsOf"))}
            out[shape.node] = [
                n
                for n in nodes
                if str(n) in listed
                or types.get(n, set()) & classes
                or out_predicates.get(n, set()) & subjects_of
                or in_predicates.get(n, set()) & objects_of
            ]
        return out


def _focus_term(node: object) -> Term:
    if isinstance(node, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return node
    if isinstance(node, (rdflib.BNode, rdflib.Literal)):
        return _to_ox(node)
    return ox.NamedNode(str(node))


class _Runner:
    """Runs plans over a store: every query over the same default graph."""

    def __init__(self, store: ox.Store, default_graph: Sequence[object] | None) -> None:
        self.store = store
        self._subclasses: dict[str, list[str]] = {}
        self.options: dict[str, object] = (
            {"default_graph": list(default_graph)}
            if default_graph is not None
            else {"use_default_graph_as_union": True}
        )

    def rows(
        self, query: str, substitutions: Mapping[ox.Variable, Term] | None = None
    ) -> Iterator[dict[str, Term]]:
        options = dict(self.options)
        if substitutions:
            options["substitutions"] = substitutions
        solutions = self.store.query(query, **options)  # type: ignore[arg-type]
        names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
        for solution in solutions:  # type: ignore[union-attr]
            yield {n: solution[n] for n in names if solution[n] is not None}

    def subclasses(self, class_iri: str) -> list[str]:
        """The class and its subclasses (rdfs:subClassOf*), as SPARQL IRIs."""
        if class_iri not in self._subclasses:
            rows = self.rows(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS}subClassOf>* {class_iri} }}")
            found = {str(r["c"]) for r in rows if isinstance(r.get("c"), ox.NamedNode)}
            self._subclasses[class_iri] = sorted(found | {class_iri})
        return self._subclasses[class_iri]

    def run(self, plan: _Plan) -> list[_Result]:
        out: list[_Result] = []
        for check in plan.checks:
            for row in self._check_rows(check):
                out.extend(check.handle(row))
        for link, sub in plan.links:
            nested = self.run(sub)
            out.extend(nested)
            for key in dict.fromkeys(r.fpath[: link.depth + 2] for r in nested):
                focus, value = key[-2], key[-1]
                out.append(
                    _Result(
                        key[:-1],
                        link.shape.path,
                        value,
                        link.message(focus, value),
                        link.shape.severity_name,
                        link.shape.node,
                        link.message.component,
                    )
                )
        return out

    def _check_rows(self, check: _Check) -> Iterator[dict[str, Term]]:
        if check.per_focus is None:
            yield from self.rows(check.query)
            return
        per = check.per_focus
        foci: dict[Term, list[dict[str, Term]]] = {}
        for row in self.rows(per.focus_query):
            foci.setdefault(row["this"], []).append(row)
        this = ox.Variable("this")
        for node, focus_rows in foci.items():
            for row in self.rows(per.constraint_query, {this: node}):
                for focus_row in focus_rows:
                    yield {**row, **{a[1:]: focus_row[a[1:]] for a in per.ancestors}, "this": node}


def _report(results: Iterable[_Result], compiled: _CompiledGraph) -> ValidationReport:
    """Results as kgraph.validation reports them: plain strings, sorted; duplicates (pySHACL
    repeats a nested result under each result that refers to it) are listed once. The report
    graph lists every result (those of shapes reached through sh:node too, without sh:detail)."""
    unique = list(dict.fromkeys(results))
    violations = {
        Violation(
            focus=_plain(r.fpath[-1]),
            path=_plain(r.path) if r.path is not None else None,
            message=r.message,
            severity=r.severity,
            shape=_plain(r.shape),
            value=_plain(r.value) if r.value is not None else None,
        )
        for r in unique
    }
    ordered = sorted(
        violations, key=lambda v: (v.focus, v.path or "", v.message, v.value or "", v.shape or "")
    )
    conforms = not any(v.severity == "Violation" for v in ordered)
    return ValidationReport(
        conforms=conforms, violations=ordered, graph=_report_graph(unique, conforms, compiled)
    )


def _report_graph(results: list[_Result], conforms: bool, compiled: _CompiledGraph) -> rdflib.Graph:
    """The results as a SHACL validation report graph."""
    sh = rdflib.Namespace(SH)
    g = rdflib.Graph()
    g.bind("sh", sh)
    report = rdflib.BNode()
    g.add((report, rdflib.RDF.type, sh.ValidationReport))
    g.add((report, sh.conforms, rdflib.Literal(conforms)))
    for r in results:
        node = rdflib.BNode()
        shape = compiled.shape(r.shape, expect_property=None)
        g.add((report, sh.result, node))
        g.add((node, rdflib.RDF.type, sh.ValidationResult))
        g.add((node, sh.focusNode, _to_rdflib(r.fpath[-1])))
        if r.message != NO_MESSAGE:
            g.add((node, sh.resultMessage, rdflib.Literal(r.message)))
        g.add((node, sh.resultSeverity, _to_rdflib(shape.severity)))
        g.add((node, sh.sourceShape, _to_rdflib(r.shape)))
        g.add((node, sh.sourceConstraintComponent, sh[r.component]))
        if r.value is not None:
            g.add((node, sh.value, _to_rdflib(r.value)))
        if r.path is not None:
            g.add((node, sh.resultPath, _to_rdflib(r.path)))
            _copy_path(compiled.graph, r.path, g)
    return g


def _copy_path(source: _ShapesGraph, node: Term, target: rdflib.Graph) -> None:
    """The triples describing a blank-node path, so the report graph is self-contained."""
    if not isinstance(node, ox.BlankNode):
        return
    for p in source.predicates(node):
        for o in source.objects(node, p):
            target.add((_to_rdflib(node), _to_rdflib(p), _to_rdflib(o)))
            _copy_path(source, o, target)


__all__ = ["CompiledShapes", "UnsupportedShapes", "compile_shapes", "compiled_store_shapes"]
