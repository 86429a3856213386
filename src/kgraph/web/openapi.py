"""OpenAPI descriptions of the protocol routes, whose handlers read the raw request (the SPARQL
Protocol's three request forms do not fit FastAPI's parameter models). They let generic clients
and fuzzers reach every parameter and body."""

from __future__ import annotations

from typing import Any


def _param(name: str, description: str, *, many: bool = False, where: str = "query") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if many:
        schema = {"type": "array", "items": {"type": "string"}}
    return {"name": name, "in": where, "required": False, "description": description,
            "schema": schema, "style": "form", "explode": True}


_QUERY_PARAMS = [
    _param("query", "A SPARQL 1.1 query (GET); without one, the service description"),
    _param("default-graph-uri", "An IRI of a graph in the query's default graph", many=True),
    _param("named-graph-uri", "An IRI of a named graph the query may use", many=True),
    _param("timeout", "Seconds the query may run, at most the server's limit"),
    _param("format", "A media type or short name (json, xml, csv, tsv, turtle, ntriples, jsonld)"),
    _param("output", "The same as format (Fuseki's name)"),
]
_UPDATE_PARAMS = [
    _param("using-graph-uri", "An IRI of a graph in the update's default graph", many=True),
    _param("using-named-graph-uri", "An IRI of a named graph the update may use", many=True),
]
_TEXT = {"schema": {"type": "string"}}
_FORM_QUERY = {"type": "object", "properties": {
    "query": {"type": "string"}, "default-graph-uri": {"type": "string"},
    "named-graph-uri": {"type": "string"}, "timeout": {"type": "string"},
    "format": {"type": "string"}, "output": {"type": "string"}}}
_FORM_UPDATE = {"type": "object", "properties": {
    "update": {"type": "string"}, "using-graph-uri": {"type": "string"},
    "using-named-graph-uri": {"type": "string"}}}
_RESPONSES = {
    "200": {"description": "Query results, a graph, or the service description",
            "content": {m: _TEXT for m in (
                "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "text/turtle", "application/n-triples",
                "application/rdf+xml", "application/ld+json")}},
    "400": {"description": "Malformed query or parameters (with line and column)"},
    "401": {"description": "A write without a valid Bearer token"},
    "403": {"description": "Writes are off, a maintained graph, or a SERVICE not allowed"},
    "406": {"description": "No acceptable format"},
    "413": {"description": "Request body or result over its limit"},
    "415": {"description": "Unsupported request body type"},
    "422": {"description": "The write violates the shapes; the SHACL report"},
    "503": {"description": "All query slots are busy (Retry-After)"},
    "504": {"description": "The query ran past its time limit and was stopped"},
}

SPARQL: dict[str, Any] = {
    "parameters": _QUERY_PARAMS + _UPDATE_PARAMS,
    "requestBody": {"required": False, "content": {
        "application/sparql-query": _TEXT,
        "application/sparql-update": _TEXT,
        "application/x-www-form-urlencoded": {"schema": {
            "type": "object", "properties": {**_FORM_QUERY["properties"], **_FORM_UPDATE["properties"]}}},
    }},
    "responses": _RESPONSES,
}
QUERY: dict[str, Any] = {
    "parameters": _QUERY_PARAMS,
    "requestBody": {"required": False, "content": {
        "application/sparql-query": _TEXT,
        "application/x-www-form-urlencoded": {"schema": _FORM_QUERY},
    }},
    "responses": _RESPONSES,
}
UPDATE: dict[str, Any] = {
    "parameters": _UPDATE_PARAMS,
    "requestBody": {"required": True, "content": {
        "application/sparql-update": _TEXT,
        "application/x-www-form-urlencoded": {"schema": _FORM_UPDATE},
    }},
    "responses": _RESPONSES,
}
_STORE_PARAMS = [
    _param("graph", "The IRI of the graph"),
    {"name": "default", "in": "query", "required": False, "allowEmptyValue": True,
     "description": "The default graph", "schema": {"type": "string"}},
]
STORE_READ: dict[str, Any] = {"parameters": _STORE_PARAMS, "responses": {
    "200": {"description": "The graph, or the whole dataset", "content": {m: _TEXT for m in (
        "text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
        "application/trig", "application/n-quads")}},
    "404": {"description": "No such graph"}, "406": {"description": "No acceptable format"}}}
STORE_WRITE: dict[str, Any] = {
    "parameters": _STORE_PARAMS,
    "requestBody": {"required": False, "content": {m: _TEXT for m in (
        "text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")}},
    "responses": {"201": {"description": "Graph created"}, "204": {"description": "Done"},
                  **{k: v for k, v in _RESPONSES.items() if k != "200"},
                  "404": {"description": "No such graph"}},
}
