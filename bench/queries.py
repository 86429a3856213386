"""The query mix of the comparison: the same text for every server, with explicit PREFIX lines
(oxigraph and rdflib do not predeclare kgraph's prefixes).

Every query reads the *union default graph*: the union of all graphs in each server
(kgraph's default, oxigraph's `--union-default-graph`, rdflib's `Dataset(default_union=True)`),
which hold the same quads (the digest check across servers is what proves it).

The audits are kgraph's five provenance-audit example queries (`src/kgraph/queries/examples/`): 001
(single-party figures), 002 (unnamed sources), 003 (the outlet's own voice), 004 (curators'
inferences) and 005 (how a quote travelled), each without its ORDER BY (the digest ignores order);
001 takes a SAMPLE and 003 gives a row per passage where the examples GROUP_CONCAT (engines
concatenate in different orders, which the digest would count as different answers). A
relay-origin query written for the benchmark (a transitive path from every relay, with a NOT
EXISTS and an EXISTS per row) stays as a stress case of its own group. The competency-style
questions are aimed at the busiest entities of the generated data (from the generator's
manifest).
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIXES = """PREFIX kg: <https://w3id.org/kgraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <http://schema.org/>
PREFIX time: <http://www.w3.org/2006/time#>
"""

SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples"


@dataclass(frozen=True)
class Query:
    name: str
    group: str        # lookup, entity page, competency, audit, path closure, search,
                      # aggregate, construct
    text: str
    graph: bool = False   # CONSTRUCT: N-Triples, digest of the triples

    @property
    def accept(self) -> str:
        return GRAPH_ACCEPT if self.graph else SELECT_ACCEPT


def mix(hot: dict[str, str]) -> list[Query]:
    claim, person, settlement, event = hot["claim"], hot["person"], hot["settlement"], hot["event"]
    search = hot["search"]
    q = [
        Query("lookup", "point lookup", f"SELECT ?p ?o WHERE {{ <{claim}> ?p ?o }}"),
        Query("entity-page", "entity page", f"""CONSTRUCT {{
  <{person}> ?p ?o .
  ?claim a kg:Claim ; rdfs:label ?claimLabel ; kg:claimant ?claimant ; kg:attribution ?attribution ;
         kg:stance ?stance ; prov:wasDerivedFrom ?ref .
  ?ref kg:passage ?passage ; kg:quote ?quote ; kg:statedIn ?doc ; prov:wasDerivedFrom ?upstream .
  ?passage kg:text ?passageText .
  ?upstream schema:author ?author .
}} WHERE {{
  {{ <{person}> ?p ?o }}
  UNION
  {{
    {{ ?claim rdf:subject <{person}> }} UNION {{ ?claim rdf:object <{person}> }}
    UNION {{ ?claim kg:claimant <{person}> }}
    ?claim a kg:Claim .
    OPTIONAL {{ ?claim rdfs:label ?claimLabel }}
    OPTIONAL {{ ?claim kg:claimant ?claimant }}
    OPTIONAL {{ ?claim kg:attribution ?attribution }}
    OPTIONAL {{ ?claim kg:stance ?stance }}
    OPTIONAL {{
      ?claim prov:wasDerivedFrom ?ref . ?ref a kg:Reference .
      OPTIONAL {{ ?ref kg:passage ?passage . OPTIONAL {{ ?passage kg:text ?passageText }} }}
      OPTIONAL {{ ?ref kg:quote ?quote }}
      OPTIONAL {{ ?ref kg:statedIn ?doc }}
      OPTIONAL {{ ?ref prov:wasDerivedFrom|prov:wasQuotedFrom ?upstream .
                 OPTIONAL {{ ?upstream schema:author ?author }} }}
    }}
  }}
}}""", graph=True),
        Query("cq-event-figures", "competency", f"""SELECT ?claim ?predicate ?claimant ?amount ?approximation ?lower ?upper ?side
WHERE {{
  ?claim a kg:CasualtyClaim ; rdf:subject <{event}> ; rdf:predicate ?predicate ;
         kg:claimant ?claimant ; kg:objectValue ?q .
  ?q kg:amount ?amount ; kg:approximation ?approximation .
  OPTIONAL {{ ?q kg:lowerBound ?lower }}
  OPTIONAL {{ ?q kg:upperBound ?upper }}
  OPTIONAL {{ ?claim kg:side ?side }}
}}"""),
        Query("cq-place-chronology", "competency", f"""SELECT ?claim ?force ?claimant ?stance ?earliest ?latest ?precision ?place ?container
WHERE {{
  ?claim a kg:TerritorialControlClaim ; rdf:predicate kg:tookControlOf ; rdf:object <{settlement}> ;
         rdf:subject ?force ; kg:claimant ?claimant ; kg:stance ?stance .
  OPTIONAL {{ ?claim kg:time ?t . ?t kg:earliest ?earliest ; kg:latest ?latest ; kg:timePrecision ?precision }}
  <{settlement}> kg:locatedIn+ ?container .
  BIND (<{settlement}> AS ?place)
}}"""),
        Query("cq-competing", "competency", """SELECT ?claim ?label ?claimant ?attribution ?quote ?otherClaim ?otherLabel ?otherClaimant ?otherQuote
WHERE {
  ?claim kg:competesWith ?otherClaim ;
         rdfs:label ?label ;
         kg:claimant ?claimant ;
         kg:attribution ?attribution ;
         prov:wasDerivedFrom/kg:quote ?quote .
  ?otherClaim rdfs:label ?otherLabel ;
              kg:claimant ?otherClaimant ;
              prov:wasDerivedFrom/kg:quote ?otherQuote .
  FILTER (STR(?claim) < STR(?otherClaim))
}"""),
        Query("cq-claims-per-country", "competency", """SELECT ?country (COUNT(DISTINCT ?claim) AS ?claims)
WHERE {
  ?claim a kg:Claim ; kg:location ?place .
  ?place kg:locatedIn+ ?country .
  ?country a kg:Country .
}
GROUP BY ?country"""),
        Query("audit-single-party", "audit", """SELECT ?subjectLabel ?predicate ?sideLabel
       (COUNT(DISTINCT ?claim) AS ?claims)
       (COUNT(DISTINCT ?claimant) AS ?claimants)
       (COUNT(DISTINCT ?party) AS ?parties)
       (SAMPLE(?partyLabel) AS ?partyName)
WHERE {
  ?claim a kg:CasualtyClaim ;
         rdf:subject ?subject ;
         rdf:predicate ?predicate ;
         kg:claimant ?claimant .
  OPTIONAL { ?claim kg:side ?side .
             OPTIONAL { ?side rdfs:label ?sideLabel FILTER (LANGMATCHES(LANG(?sideLabel), "en")) } }
  OPTIONAL { ?claimant kg:affiliatedWith ?affiliation }
  BIND (COALESCE(?affiliation, ?claimant) AS ?party)
  OPTIONAL { ?party rdfs:label ?partyLabel FILTER (LANGMATCHES(LANG(?partyLabel), "en")) }
  OPTIONAL { ?subject rdfs:label ?subjectLabel FILTER (LANGMATCHES(LANG(?subjectLabel), "en")) }
}
GROUP BY ?subjectLabel ?predicate ?sideLabel
HAVING (COUNT(DISTINCT ?party) = 1)"""),
        Query("audit-unnamed", "audit", """SELECT ?claim ?label ?claimant ?claimantLabel ?namedAs ?passage ?text
WHERE {
  ?claim a kg:Claim ;
         kg:attribution kg:UnnamedSource ;
         rdfs:label ?label ;
         kg:claimant ?claimant ;
         prov:wasDerivedFrom ?ref .
  ?ref a kg:Reference ;
       kg:passage ?passage .
  ?passage kg:text ?text .
  OPTIONAL { ?ref kg:claimantNamedAs ?namedAs }
  OPTIONAL { ?claimant rdfs:label ?claimantLabel FILTER (LANGMATCHES(LANG(?claimantLabel), "en")) }
}"""),
        Query("audit-inferred", "audit", """SELECT ?node ?inferredProperty ?inferredValue ?curator ?reason
WHERE {
  ?node kg:hasInference ?inference .
  ?inference a kg:CuratorInference ;
             kg:inferredProperty ?inferredProperty ;
             kg:reason ?reason .
  OPTIONAL { ?inference kg:inferredValue ?inferredValue }
  OPTIONAL { ?inference prov:wasAttributedTo ?curator }
}"""),
        Query("audit-own-voice", "audit", """SELECT DISTINCT ?claim ?label ?outlet ?identityKnown ?passage ?passageRole
WHERE {
  ?claim a kg:Claim ;
         kg:attribution kg:UnattributedInSource ;
         rdfs:label ?label ;
         kg:claimant ?outlet ;
         prov:wasDerivedFrom/kg:passage ?passage .
  OPTIONAL { ?outlet kg:identityKnown ?identityKnown }
  OPTIONAL { ?passage kg:passageRole ?passageRole }
}"""),
        Query("audit-quote-relay", "audit", """SELECT ?claim ?relay ?upstream ?author ?article ?translation ?fromLanguage
WHERE {
  VALUES (?relayProperty ?relay) {
    (prov:wasQuotedFrom "quoted")
    (prov:wasDerivedFrom "paraphrased")
  }
  ?claim a kg:Claim ;
         prov:wasDerivedFrom ?ref .
  ?ref a kg:Reference ;
       kg:statedIn ?article ;
       ?relayProperty ?upstream .
  OPTIONAL { ?upstream schema:author ?author }
  OPTIONAL {
    ?article prov:qualifiedDerivation ?derivation .
    ?derivation prov:entity ?upstream ;
                prov:hadActivity ?translation .
    ?translation a kg:Translation .
    OPTIONAL { ?translation kg:fromLanguage ?fromLanguage }
  }
}"""),
        Query("text-search", "label search", f"""SELECT ?s ?label
WHERE {{
  ?s rdfs:label ?label .
  FILTER (CONTAINS(LCASE(STR(?label)), "{search}"))
}}"""),
        Query("aggregate-claimants", "aggregate", """SELECT ?claimant ?attribution (COUNT(?claim) AS ?claims)
WHERE {
  ?claim a kg:Claim ;
         kg:claimant ?claimant ;
         kg:attribution ?attribution .
}
GROUP BY ?claimant ?attribution"""),
        Query("construct-relay", "construct", """CONSTRUCT {
  ?article prov:wasDerivedFrom ?upstream .
  ?upstream schema:author ?author ; rdfs:label ?upstreamLabel .
  ?author rdfs:label ?authorLabel .
  ?translation a kg:Translation ; prov:used ?upstream ; kg:fromLanguage ?language .
}
WHERE {
  ?article a kg:NewsArticle ; prov:wasDerivedFrom ?upstream .
  ?upstream schema:author ?author .
  OPTIONAL { ?upstream rdfs:label ?upstreamLabel FILTER (LANGMATCHES(LANG(?upstreamLabel), "en")) }
  OPTIONAL { ?author rdfs:label ?authorLabel FILTER (LANGMATCHES(LANG(?authorLabel), "en")) }
  OPTIONAL {
    ?article prov:qualifiedDerivation ?derivation .
    ?derivation prov:entity ?upstream ; prov:hadActivity ?translation .
    ?translation a kg:Translation .
    OPTIONAL { ?translation kg:fromLanguage ?language }
  }
}""", graph=True),
        # last: no server answers it within a minute at 1M, and stopping it costs kgraph a
        # query worker, whose replacement builds its in-memory replica again (seconds of CPU
        # that would otherwise land in the cells of the queries after it)
        Query("relay-origins", "path closure", """SELECT ?origin ?author ?translated (COUNT(DISTINCT ?ref) AS ?relays) (COUNT(DISTINCT ?article) AS ?articles)
WHERE {
  ?ref a kg:Reference ;
       kg:statedIn ?article ;
       prov:wasDerivedFrom|prov:wasQuotedFrom ?upstream .
  ?upstream prov:wasDerivedFrom* ?origin .
  FILTER NOT EXISTS { ?origin prov:wasDerivedFrom ?further }
  OPTIONAL { ?origin schema:author ?author }
  BIND (EXISTS { ?article prov:qualifiedDerivation ?d . ?d prov:entity ?upstream ;
                 prov:hadActivity ?t . ?t a kg:Translation } AS ?translated)
}
GROUP BY ?origin ?author ?translated"""),
    ]
    return [Query(x.name, x.group, PREFIXES + x.text, x.graph) for x in q]
