"""Example queries: the .rq files in queries/examples/, and their description as RDF.

Each example is one file `queries/examples/NNN-slug.rq` that opens with a header of comments:

    # title: Claims from unnamed sources
    # description: Provenance audit. Claims the article attributes to someone it does not
    #   name (kg:attribution kg:UnnamedSource), ...        <- continuation lines: "#" + spaces
    # keywords: provenance, audit, attribution               <- optional, comma-separated
    PREFIX kg: <https://w3id.org/kgraph/ontology#>
    SELECT ...

The query after the header declares every prefix it uses, so it runs anywhere as written. The
files are written against the default base IRI; `load_examples(namespaces)` rewrites them for a
deployment with another KGRAPH_BASE_IRI, as loading does for the data.

`examples_graph` describes the examples the way the SIB sparql-examples collections do (and
what their tools read from `/.well-known/sparql-examples`): each example is a
`sh:SPARQLExecutable` and `sh:SPARQLSelectExecutable` (or Ask/Construct), with `rdfs:label` (the
title), `rdfs:comment` (the description), the query text in `sh:select` / `sh:ask` /
`sh:construct` / `sh:describe`, `schema:keywords`, `schema:target` (the endpoint) and
`sh:prefixes` (the prefixes the queries declare). `schema:` is `https://schema.org/` here, as in
those collections.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kgraph.namespaces import Namespaces
from kgraph.settings import DEFAULT_BASE_IRI

#: Where the example files live (inside the package, so they ship with it).
EXAMPLES_DIR = Path(__file__).parent / "queries" / "examples"

#: The path, under the base IRI and under the server's root, of the examples' description.
WELL_KNOWN_PATH = ".well-known/sparql-examples"

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "https://schema.org/"

#: Prefixes written when the examples graph is serialised as Turtle.
GRAPH_PREFIXES = {"sh": SH, "rdf": RDF, "rdfs": RDFS, "schema": SCHEMA, "xsd": XSD}

#: Query form -> (the SHACL class of its executable, the property that holds its text).
FORMS: dict[str, tuple[str | None, str]] = {
    "select": (SH + "SPARQLSelectExecutable", SH + "select"),
    "ask": (SH + "SPARQLAskExecutable", SH + "ask"),
    "construct": (SH + "SPARQLConstructExecutable", SH + "construct"),
    # SHACL defines no describe executable; SIB uses sh:describe
    "describe": (None, SH + "describe"),
}

_FILE_NAME = re.compile(r"^(?P<number>\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*\.rq$")
_HEADER = re.compile(r"^#\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(?P<value>\S.*)$")
_PROLOGUE = re.compile(
    r"""\A(?:\s+|\#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*""", re.IGNORECASE
)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_PREFIX_DECL = re.compile(r"PREFIX\s+([^\s:]*):\s*<([^>]*)>", re.IGNORECASE)


class ExampleError(ValueError):
    """An example file that does not follow the format (names the file)."""


@dataclass(frozen=True)
class Example:
    id: str  #: the file name without .rq: "001-one-party-casualty-figures"
    title: str
    description: str
    keywords: tuple[str, ...]
    query: str  #: the SPARQL text after the header, prefixes included
    form: str  #: "select", "ask", "construct" or "describe"

    @property
    def number(self) -> str:
        """The three-digit number that orders the examples and names them in IRIs."""
        return self.id[:3]

    def iri(self, base: str) -> str:
        return f"{base}{WELL_KNOWN_PATH}/{self.number}"

    def prefixes(self) -> dict[str, str]:
        """The prefixes the query declares."""
        prologue = _PROLOGUE.match(self.query)
        return dict(_PREFIX_DECL.findall(prologue.group(0))) if prologue else {}

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id, "number": self.number, "title": self.title,
            "description": self.description, "keywords": list(self.keywords),
            "form": self.form, "query": self.query,
        }


def parse_example(text: str, name: str) -> Example:
    """One example from the text of its file; `name` is the file name (NNN-slug.rq)."""
    if not _FILE_NAME.match(name):
        raise ExampleError(f"{name}: an example file is named NNN-slug.rq (three digits, "
                           "then lower-case words joined by '-')")
    lines = text.replace("\r\n", "\n").split("\n")
    fields: dict[str, str] = {}
    key: str | None = None
    body_start = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        header = _HEADER.match(stripped)
        continuation = _CONTINUATION.match(line.rstrip())
        if continuation and key is not None:
            fields[key] += " " + continuation.group("value").strip()
        elif header and header.group("key") not in fields:
            key = header.group("key")
            fields[key] = header.group("value").strip()
        elif stripped.startswith("#") or (not stripped and not fields):
            key = None
        else:
            body_start = i
            break
    for required in ("title", "description"):
        if not fields.get(required):
            raise ExampleError(f"{name}: the header has no '# {required}: ...' line")
    unknown = set(fields) - {"title", "description", "keywords"}
    if unknown:
        raise ExampleError(f"{name}: unknown header field(s) {', '.join(sorted(unknown))}")
    query = "\n".join(lines[body_start:]).strip() + "\n"
    form = _query_form(query)
    if form is None:
        raise ExampleError(f"{name}: no SELECT, ASK, CONSTRUCT or DESCRIBE after the prologue")
    keywords = tuple(k.strip() for k in fields.get("keywords", "").split(",") if k.strip())
    return Example(
        id=name[: -len(".rq")], title=fields["title"], description=fields["description"],
        keywords=keywords, query=query, form=form,
    )


def load_examples(
    namespaces: Namespaces | None = None, directory: Path = EXAMPLES_DIR
) -> list[Example]:
    """Every example in `directory`, in the order of their numbers, rewritten for the base IRI
    of `namespaces` when it is not the default."""
    examples = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if namespaces is not None and namespaces.base != DEFAULT_BASE_IRI:
            text = text.replace(DEFAULT_BASE_IRI, namespaces.base)
        examples.append(parse_example(text, path.name))
    numbers = [e.number for e in examples]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ExampleError(f"{directory}: example number(s) used twice: {', '.join(duplicates)}")
    return examples


def examples_graph(examples: Sequence[Example], *, base: str, endpoint: str) -> list[ox.Triple]:
    """The examples as SIB-style SHACL executables: `<base>.well-known/sparql-examples/NNN`."""
    triples: list[ox.Triple] = []
    rdf_type = ox.NamedNode(RDF + "type")
    target = ox.NamedNode(endpoint)
    prefixes_node = ox.NamedNode(f"{base}{WELL_KNOWN_PATH}/prefixes")
    declared: dict[str, str] = {}
    for example in examples:
        node = ox.NamedNode(example.iri(base))
        shape_class, text_property = FORMS[example.form]
        triples.append(ox.Triple(node, rdf_type, ox.NamedNode(SH + "SPARQLExecutable")))
        if shape_class:
            triples.append(ox.Triple(node, rdf_type, ox.NamedNode(shape_class)))
        triples += [
            ox.Triple(node, ox.NamedNode(RDFS + "label"), ox.Literal(example.title, language="en")),
            ox.Triple(node, ox.NamedNode(RDFS + "comment"),
                      ox.Literal(example.description, language="en")),
            ox.Triple(node, ox.NamedNode(text_property), ox.Literal(example.query)),
            ox.Triple(node, ox.NamedNode(SCHEMA + "target"), target),
            ox.Triple(node, ox.NamedNode(SH + "prefixes"), prefixes_node),
        ]
        triples += [ox.Triple(node, ox.NamedNode(SCHEMA + "keywords"), ox.Literal(k))
                    for k in example.keywords]
        for prefix, namespace in example.prefixes().items():
            declared.setdefault(prefix, namespace)
    for prefix, namespace in sorted(declared.items()):
        declaration = ox.BlankNode()
        triples += [
            ox.Triple(prefixes_node, ox.NamedNode(SH + "declare"), declaration),
            ox.Triple(declaration, ox.NamedNode(SH + "prefix"), ox.Literal(prefix)),
            ox.Triple(declaration, ox.NamedNode(SH + "namespace"),
                      ox.Literal(namespace, datatype=ox.NamedNode(XSD + "anyURI"))),
        ]
    return triples


def examples_digest(examples: Iterable[Example]) -> str:
    """A short hash of the examples' content: it changes whenever any example does."""
    h = hashlib.sha256()
    for e in examples:
        for part in (e.id, e.title, e.description, ",".join(e.keywords), e.query):
            h.update(part.encode("utf-8") + b"\x00")
    return h.hexdigest()[:12]


def _query_form(query: str) -> str | None:
    prologue = _PROLOGUE.match(query)
    rest = query[prologue.end():] if prologue else query
    form = _FORM.match(rest)
    return form.group(1).lower() if form else None
