#!/usr/bin/env python3
"""List the external terms kgraph uses that ontology/imports/ does not declare.

kgraph requires every term used in the data to be declared in the ontology or in a
vocabulary it imports, kept in the repository so that validation works offline. The
external terms are declared by hand, MIREOT-style, in ontology/imports/external-terms.ttl
(one rdf:type, rdfs:label, rdfs:isDefinedBy and, where known, skos:definition each).
This script keeps that module complete:

* it collects the external terms used in ontology/*.ttl, ontology/imports/*.ttl,
  shapes/*.ttl and data/ttl/**/*.ttl: every predicate, every rdf:type object, every
  object of a term-valued predicate (rdfs:subClassOf, schema:domainIncludes,
  skos:closeMatch of an ontology term, rdf:predicate, kg:unit, sh:path, sh:targetClass...)
  and every IRI in the namespace of a known vocabulary;
* it lists those that no file under ontology/ declares (gives an rdf:type);
* it checks that each external term declared in ontology/imports/ has rdfs:label@en and
  rdfs:isDefinedBy, and that it exists in the vocabulary, for the vocabularies rdflib
  ships as closed namespaces (PROV, SKOS, DCTERMS, FOAF, ORG, schema.org, OWL-Time,
  GeoSPARQL, VANN, RDF, RDFS, OWL).

Usage:
    python scripts/list_external_terms.py              # report; exit 1 if anything is wrong
    python scripts/list_external_terms.py --skeleton   # also print Turtle stubs to fill in
    python scripts/list_external_terms.py --used       # list every external term and where

Literal datatypes (xsd:) and the SHACL vocabulary itself (sh:) need no declaration.
Exit status: 0 when every external term is declared and every declaration checks out,
1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent

KGRAPH_BASE = "https://w3id.org/kgraph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "http://schema.org/"
KG = KGRAPH_BASE + "ontology#"

RDF_TYPE = RDF + "type"

#: Vocabularies whose terms kgraph may use: namespace -> short name. Any IRI in one of
#: these namespaces, in any position, is a term that must be declared.
VOCABULARIES: dict[str, str] = {
    RDF: "rdf",
    RDFS: "rdfs",
    OWL: "owl",
    SKOS: "skos",
    "http://www.w3.org/ns/prov#": "prov",
    "http://purl.org/dc/terms/": "dcterms",
    "http://xmlns.com/foaf/0.1/": "foaf",
    "http://www.w3.org/ns/org#": "org",
    SCHEMA: "schema",
    "http://semanticweb.cs.vu.nl/2009/11/sem/": "sem",
    "http://www.opengis.net/ont/geosparql#": "geo",
    "http://www.opengis.net/def/function/geosparql/": "geof",
    "http://www.w3.org/2006/time#": "time",
    "http://www.w3.org/ns/oa#": "oa",
    "http://qudt.org/vocab/unit/": "unit",
    "http://qudt.org/schema/qudt/": "qudt",
    "http://purl.org/vocab/vann/": "vann",
    "http://rdfs.org/ns/void#": "void",
    "http://www.w3.org/ns/dcat#": "dcat",
    "http://wikiba.se/ontology#": "wikibase",
    "http://www.cidoc-crm.org/cidoc-crm/": "crm",
}

#: Namespaces whose IRIs never need a declaration here.
EXEMPT_NAMESPACES = (XSD, SH, KGRAPH_BASE)

#: RDF collection syntax (the triples Turtle writes for `( ... )`), not vocabulary.
SYNTAX = {RDF + "first", RDF + "rest", RDF + "nil"}

#: Predicates whose objects are datatypes, which need no declaration.
DATATYPE_VALUED = {SH + "datatype"}

#: Predicates whose objects are terms (classes, properties, units, concepts of a standard).
TERM_VALUED = {
    RDFS + "subClassOf",
    RDFS + "subPropertyOf",
    RDFS + "domain",
    RDFS + "range",
    OWL + "equivalentClass",
    OWL + "equivalentProperty",
    OWL + "inverseOf",
    OWL + "onProperty",
    OWL + "someValuesFrom",
    OWL + "allValuesFrom",
    SCHEMA + "domainIncludes",
    SCHEMA + "rangeIncludes",
    "http://purl.org/dc/terms/isReplacedBy",
    RDF + "predicate",
    KG + "unit",
    KG + "timePrecision",
    KG + "unknownProperty",
    KG + "inferredProperty",
    SH + "targetClass",
    SH + "targetSubjectsOf",
    SH + "targetObjectsOf",
    SH + "class",
    SH + "path",
    SH + "predicate",
}

#: Mapping predicates whose objects are terms when their subject is an ontology term.
MAPPINGS = {
    SKOS + "closeMatch",
    SKOS + "exactMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
    SKOS + "relatedMatch",
}

#: Terms that exist in their vocabulary but are missing from rdflib's closed namespace.
KNOWN_MISSING_FROM_RDFLIB: set[str] = set()


def repository_files(root: Path) -> dict[str, list[Path]]:
    """The Turtle files that use terms, by kind; `imports` are the declaring modules."""
    data = root / "data" / "ttl"
    return {
        "ontology": sorted((root / "ontology").glob("*.ttl")),
        "imports": sorted((root / "ontology" / "imports").glob("*.ttl")),
        "shapes": sorted((root / "shapes").glob("*.ttl")),
        "data": sorted(data.glob("*.ttl")) + sorted((data / "sources").glob("*.ttl")),
    }


def triples(path: Path) -> Iterator[ox.Quad]:
    try:
        yield from ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
    except SyntaxError as exc:
        raise SystemExit(f"{path}:{exc.lineno}:{exc.offset}: {exc.msg}") from None


def vocabulary_of(iri: str) -> str | None:
    for namespace in sorted(VOCABULARIES, key=len, reverse=True):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return namespace
    return None


def is_exempt(iri: str) -> bool:
    return iri.startswith(EXEMPT_NAMESPACES) or iri in SYNTAX


def used_terms(
    files: Iterable[Path], root: Path, declaring: Iterable[Path] = ()
) -> dict[str, set[str]]:
    """External term IRI -> the places (file: role) that use it. In the `declaring` files
    (the import modules) a term as subject is being declared, not used."""
    declaring = set(declaring)
    used: dict[str, set[str]] = defaultdict(set)

    def note(term: object, where: str) -> None:
        if isinstance(term, ox.NamedNode) and not is_exempt(term.value):
            used[term.value].add(where)

    for path in files:
        name = str(path.relative_to(root))
        for q in triples(path):
            s, p, o = q.subject, q.predicate, q.object
            note(p, f"{name}: predicate")
            if p.value in DATATYPE_VALUED:
                continue
            if p.value == RDF_TYPE:
                note(o, f"{name}: rdf:type object")
            elif p.value in TERM_VALUED:
                note(o, f"{name}: object of <{p.value}>")
            elif (
                p.value in MAPPINGS
                and isinstance(s, ox.NamedNode)
                and s.value.startswith(KG)
            ):
                note(o, f"{name}: mapping target")
            for term, role in ((s, "subject"), (o, "object")):
                if role == "subject" and path in declaring:
                    continue
                if isinstance(term, ox.NamedNode) and vocabulary_of(term.value):
                    note(term, f"{name}: {role}")
    return used


def declarations(files: Iterable[Path]) -> dict[str, dict[str, list[ox.Term]]]:
    """Subject IRI -> predicate IRI -> objects, for the subjects given an rdf:type."""
    by_subject: dict[str, dict[str, list[ox.Term]]] = defaultdict(lambda: defaultdict(list))
    for path in files:
        for q in triples(path):
            if isinstance(q.subject, ox.NamedNode):
                by_subject[q.subject.value][q.predicate.value].append(q.object)
    return {s: dict(props) for s, props in by_subject.items() if RDF_TYPE in props}


def rdflib_namespaces() -> dict[str, object]:
    """Vocabulary namespace -> rdflib closed namespace, to check that terms exist."""
    from rdflib import namespace as ns

    known = {
        RDF: ns.RDF,
        RDFS: ns.RDFS,
        OWL: ns.OWL,
        SKOS: ns.SKOS,
        "http://www.w3.org/ns/prov#": ns.PROV,
        "http://purl.org/dc/terms/": ns.DCTERMS,
        "http://xmlns.com/foaf/0.1/": ns.FOAF,
        "http://www.w3.org/ns/org#": ns.ORG,
        SCHEMA: ns.SDO,  # rdflib's schema.org namespace is https://schema.org/
        "http://www.w3.org/2006/time#": ns.TIME,
        "http://www.opengis.net/ont/geosparql#": ns.GEO,
        "http://purl.org/vocab/vann/": ns.VANN,
        "http://www.w3.org/ns/dcat#": ns.DCAT,
        "http://rdfs.org/ns/void#": ns.VOID,
    }
    return known


def exists_in_rdflib(iri: str, namespaces: dict[str, object]) -> bool | None:
    """True/False when rdflib ships the term's vocabulary, None when it does not."""
    from rdflib import URIRef

    namespace = vocabulary_of(iri)
    if namespace is None or namespace not in namespaces:
        return None
    closed = namespaces[namespace]
    local = iri[len(namespace):]
    return URIRef(str(closed) + local) in closed  # type: ignore[operator]


def check_declarations(
    declared: dict[str, dict[str, list[ox.Term]]]
) -> tuple[list[str], list[str]]:
    """Problems with the external declarations of ontology/imports/, and the terms checked
    against rdflib's copy of their vocabulary."""
    problems: list[str] = []
    checked: list[str] = []
    namespaces = rdflib_namespaces()
    for iri, props in sorted(declared.items()):
        if iri.startswith(KGRAPH_BASE):
            continue
        labels = [
            o for o in props.get(RDFS + "label", [])
            if isinstance(o, ox.Literal) and o.language == "en"
        ]
        if not labels:
            problems.append(f"{iri}: no rdfs:label@en")
        if not props.get(RDFS + "isDefinedBy"):
            problems.append(f"{iri}: no rdfs:isDefinedBy")
        if iri in KNOWN_MISSING_FROM_RDFLIB:
            continue
        found = exists_in_rdflib(iri, namespaces)
        if found is False:
            problems.append(f"{iri}: not a term of its vocabulary (per rdflib's closed namespace)")
        elif found:
            checked.append(iri)
    return problems, checked


def prefixed(iri: str) -> str:
    namespace = vocabulary_of(iri)
    if namespace is not None:
        local = iri[len(namespace):]
        if local.replace("_", "").replace("-", "").isalnum():
            return f"{VOCABULARIES[namespace]}:{local}"
    return f"<{iri}>"


def skeleton(iri: str) -> str:
    namespace = vocabulary_of(iri) or iri
    local = iri[len(namespace):] if namespace != iri else iri
    kind = "owl:Class" if local[:1].isupper() else "rdf:Property"
    return (
        f"{prefixed(iri)} a {kind} ;\n"
        f'    rdfs:label "{local}"@en ;\n'
        f'    skos:definition "TODO"@en ;\n'
        f"    rdfs:isDefinedBy <{namespace}> .\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    parser.add_argument("--skeleton", action="store_true", help="print Turtle stubs")
    parser.add_argument("--used", action="store_true", help="list every external term used")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()

    files = repository_files(root)
    users = files["ontology"] + files["imports"] + files["shapes"] + files["data"]
    used = used_terms(users, root, declaring=files["imports"])
    declared_anywhere = declarations(files["ontology"] + files["imports"])
    declared_imports = declarations(files["imports"])

    if args.used:
        for iri in sorted(used):
            mark = " " if iri in declared_anywhere else "!"
            print(f"{mark} {prefixed(iri)}  ({'; '.join(sorted(used[iri]))})")
        print()

    missing = sorted(iri for iri in used if iri not in declared_anywhere)
    problems, checked = check_declarations(declared_imports)
    unused = sorted(
        iri for iri in declared_imports
        if not iri.startswith(KGRAPH_BASE) and iri not in used
    )

    external = [i for i in declared_imports if not i.startswith(KGRAPH_BASE)]
    print(
        f"{len(used)} external terms used; {len(external)} declared in ontology/imports/; "
        f"{len(checked)} checked against rdflib's vocabularies."
    )
    if unused:
        print(f"\nDeclared but not used ({len(unused)}; harmless):")
        for iri in unused:
            print(f"  {prefixed(iri)}")
    if problems:
        print(f"\nDeclarations with problems ({len(problems)}):")
        for line in problems:
            print(f"  {line}")
    if missing:
        print(f"\nUsed but not declared ({len(missing)}):")
        for iri in missing:
            print(f"  {prefixed(iri)}  ({'; '.join(sorted(used[iri]))})")
        if args.skeleton:
            print("\n# Stubs for ontology/imports/external-terms.ttl:\n")
            for iri in missing:
                print(skeleton(iri))
    return 1 if missing or problems else 0


if __name__ == "__main__":
    sys.exit(main())
