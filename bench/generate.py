"""A deterministic generator of kgraph data at scale, in kgraph's own model.

    python bench/generate.py --triples 100k --seed 42 --out bench/work/data-100k [--violations K]

Writes a kgraph repository layout in OUT: `ontology/` and `shapes/` copied from this checkout,
`data/ttl/dataset.ttl` (copied), `data/ttl/entities.ttl` (actors, parties, places in a hierarchy,
events, the communication events and upstream documents that sources relay) and one
`data/ttl/sources/src-NNNNN.ttl` per source document, shaped like the seed source: the document
with its language, full text and publisher; passages whose offsets cut the full text; claims
with subject/predicate/object, claimant, attribution, stance, modality, rank, English label and
extraction; references with the passage, a verbatim quote of it, an English gloss and the
upstream document they relay (some through a `kg:Translation` derivation); quantities with
bounds that match their approximation; dates with their precision; curators' inferences with
their reasons; competing accounts. Sources are added until the data graphs (entities and
sources) hold at least N triples.

Also written: `all.nq`, every quad of the repository (ontology, vocabularies, shapes, dataset,
entities, sources) in the graph `kgraph load` puts it in, for `oxigraph load` and rdflib;
`write-source.ttl`, one more source of about 200 triples that is *not* part of the data (for the
one-write validation benchmark); `manifest.json`, the counts, the injected violations and the
IRIs the query mix is aimed at.

The same arguments give byte-identical output: every source draws from its own random stream
seeded by (seed, source number). `--violations K` breaks exactly K constraints (each one result
of severity Violation: a claim without a stance, a claim without a label, a quote that is not
words of its passage), spread over the first sources; without it the data conforms.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASE = "https://w3id.org/kgraph/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
KG = "https://w3id.org/kgraph/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
TIME = "http://www.w3.org/2006/time#"
ORG = "http://www.w3.org/ns/org#"
UNIT = "http://qudt.org/vocab/unit/"

CURATORS = ID + "agent/kgraph-curators"


def u(iri: str) -> str:
    return f"<{iri}>"


def kg(name: str) -> str:
    return f"<{KG}{name}>"


A = u(RDF + "type")
LABEL = u(RDFS + "label")
PREF = u(SKOS + "prefLabel")
ALT = u(SKOS + "altLabel")
DEFN = u(SKOS + "definition")


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r"))


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    body = f'"{_escape(text)}"'
    if lang:
        return f"{body}@{lang}"
    if datatype:
        return f"{body}^^<{datatype}>"
    return body


def dec(value: float) -> str:
    return lit(f"{value:.1f}", datatype=XSD + "decimal")


def integer(value: int) -> str:
    return lit(str(value), datatype=XSD + "integer")


def boolean(value: bool) -> str:
    return lit("true" if value else "false", datatype=XSD + "boolean")


def date(value: str) -> str:
    return lit(value, datatype=XSD + "date")


class Graph:
    """Triples grouped by subject, in insertion order, without duplicates."""

    def __init__(self, iri: str) -> None:
        self.iri = iri
        self.subjects: dict[str, list[tuple[str, str]]] = {}
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, s: str, p: str, o: str) -> None:
        key = (s, p, o)
        if key in self._seen:
            return
        self._seen.add(key)
        self.subjects.setdefault(s, []).append((p, o))

    def __len__(self) -> int:
        return len(self._seen)

    def remove(self, s: str, p: str) -> None:
        kept = [(pp, oo) for pp, oo in self.subjects.get(s, []) if pp != p]
        for pp, oo in self.subjects.get(s, []):
            if pp == p:
                self._seen.discard((s, pp, oo))
        self.subjects[s] = kept

    def turtle(self, header: str) -> str:
        out = [header]
        for s, pos in self.subjects.items():
            if not pos:
                continue
            out.append(s)
            out.extend(f"    {p} {o} ;" for p, o in pos)
            out.append(".\n")
        return "\n".join(out)

    def nquads(self) -> str:
        g = u(self.iri)
        return "".join(f"{s} {p} {o} {g} .\n" for s, pos in self.subjects.items() for p, o in pos)


# -- names and words -----------------------------------------------------------------------------

SYLLABLES = ["an", "bel", "cor", "dar", "ev", "fen", "gor", "hal", "ist", "jor", "kas", "lev",
             "mir", "nov", "ol", "pet", "ras", "sol", "tam", "ur", "val", "vin", "zhov", "yar",
             "bor", "dan", "ky", "lin", "mar", "sev", "tur", "vol"]

COUNTRIES = [("ardania", "Ardania", "Ardania", "ar"), ("belmora", "Belmora", "Belmora", "be"),
             ("corvania", "Corvania", "Korvania", "ko"), ("dravia", "Dravia", "Dravia", "dr"),
             ("eskaland", "Eskaland", "Eskaland", "es"), ("fennmark", "Fennmark", "Fenmark", "fe")]
PARTIES = 4  # the first four countries are parties to the conflict

LANGS = ["id", "en", "ru", "uk", "de"]
LANG_WEIGHTS = [30, 30, 15, 15, 10]
FILLER = {
    "id": "menurut laporan pasukan wilayah pertempuran desa resmi mengatakan bahwa kerugian "
          "dalam operasi tersebut sebelumnya telah kemudian juga para".split(),
    "en": "according to the report forces region fighting village officially said that losses "
          "during the operation earlier had then also its".split(),
    "ru": "po dannym soobshcheniya voyska oblast boi selo ofitsialno zayavil chto poteri "
          "v khode operatsii ranee uzhe zatem takzhe ikh".split(),
    "uk": "za danymy povidomlennya viyska oblast boyi selo ofitsiyno zayavyv shcho vtraty "
          "pid chas operatsiyi ranishe vzhe potim takozh yikh".split(),
    "de": "laut dem Bericht Truppen Gebiet Kaempfe Dorf offiziell sagte dass Verluste "
          "waehrend der Operation zuvor hatte dann auch ihre".split(),
}
QUALIFIER = {  # approximation -> words before the number, per language
    "Unqualified": {"id": "", "en": "", "ru": "", "uk": "", "de": ""},
    "Approximately": {"id": "sekitar", "en": "about", "ru": "okolo", "uk": "blyzko", "de": "etwa"},
    "MoreThan": {"id": "lebih dari", "en": "more than", "ru": "bolee", "uk": "bilshe nizh", "de": "mehr als"},
    "AtLeast": {"id": "setidaknya", "en": "at least", "ru": "ne menee", "uk": "shchonaymenshe", "de": "mindestens"},
    "LessThan": {"id": "kurang dari", "en": "fewer than", "ru": "menee", "uk": "menshe nizh", "de": "weniger als"},
    "AtMost": {"id": "paling banyak", "en": "at most", "ru": "ne bolee", "uk": "ne bilshe", "de": "hoechstens"},
}
APPROX_WEIGHTS = {"Unqualified": 40, "Approximately": 20, "MoreThan": 25, "AtLeast": 5,
                  "LessThan": 5, "AtMost": 5}
LOSSES = [("personnelLosses", "soldiers", 100, 90000), ("tanksLost", "tanks", 3, 600),
          ("armouredPersonnelCarriersLost", "armoured carriers", 3, 500),
          ("infantryFightingVehiclesLost", "fighting vehicles", 3, 500),
          ("radarStationsLost", "radar stations", 1, 40),
          ("engineeringEquipmentLost", "engineering vehicles", 1, 120)]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
QUALITIES = ["heroism", "fortitude", "failure", "serious-losses"]
PLACE_TYPES = ["village", "raion", "oblast"]


def weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def skew(rng: random.Random, seq: list, power: float = 2.0):  # type: ignore[no-untyped-def]
    """A few items are chosen often, most rarely (like reporting on a war)."""
    return seq[int(len(seq) * rng.random() ** power)]


def name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


# -- entities ------------------------------------------------------------------------------------

@dataclass
class Entity:
    iri: str
    label: str
    kind: str
    party: int | None = None       # index of the conflict party it is affiliated with
    lang: str = "en"               # the language it speaks (upstream documents)


@dataclass
class Comm:
    iri: str
    agent: Entity
    document: str
    doc_label: str
    lang: str


@dataclass
class World:
    countries: list[Entity] = field(default_factory=list)
    regions: list[Entity] = field(default_factory=list)
    districts: list[Entity] = field(default_factory=list)
    settlements: list[Entity] = field(default_factory=list)
    persons: list[Entity] = field(default_factory=list)
    govs: list[Entity] = field(default_factory=list)
    forces: list[Entity] = field(default_factory=list)
    outlets: list[Entity] = field(default_factory=list)
    groups: list[Entity] = field(default_factory=list)
    operations: list[Entity] = field(default_factory=list)
    battles: list[Entity] = field(default_factory=list)
    comms: list[Comm] = field(default_factory=list)


def sizes(n: int) -> dict[str, int]:
    return {
        "regions": max(3, n // 25_000), "persons": max(20, n // 500), "govs": max(4, n // 5_000),
        "subforces": max(1, n // 20_000), "outlets": max(5, n // 2_500),
        "groups": max(3, n // 10_000), "operations": max(2, n // 20_000),
        "battles": max(5, n // 2_000), "comms": max(10, n // 400),
    }


def labels(g: Graph, s: str, en: str, local: str | None = None, local_lang: str = "id",
           alt: str | None = None) -> None:
    g.add(s, LABEL, lit(en, "en"))
    g.add(s, PREF, lit(en, "en"))
    if local:
        g.add(s, LABEL, lit(local, local_lang))
        g.add(s, PREF, lit(local, local_lang))
    if alt:
        g.add(s, ALT, lit(alt, "en"))


def inference(g: Graph, iri: str, prop: str, reason: str, value: str | None = None) -> None:
    g.add(u(iri), A, kg("CuratorInference"))
    g.add(u(iri), u(PROV + "wasAttributedTo"), u(CURATORS))
    g.add(u(iri), kg("inferredProperty"), prop)
    if value:
        g.add(u(iri), kg("inferredValue"), value)
    g.add(u(iri), kg("reason"), lit(reason, "en"))


def build_entities(n: int, seed: int) -> tuple[Graph, World]:
    rng = random.Random(f"{seed}:entities")
    size = sizes(n)
    g = Graph(GRAPH + "entities")
    w = World()
    s = u(CURATORS)
    g.add(s, A, kg("Curator"))
    labels(g, s, "kgraph curators")
    g.add(s, DEFN, lit("The team that reads sources and writes kgraph's claims, glosses and inferences.", "en"))
    for c in PLACE_TYPES + QUALITIES + ["completion"]:
        s = u(ID + "concept/" + c)
        g.add(s, A, u(SKOS + "Concept"))
        labels(g, s, c.replace("-", " "))
    war = Entity(ID + "event/war", "The war", "Conflict")
    g.add(u(war.iri), A, kg("Conflict"))
    labels(g, u(war.iri), "The war between Ardania, Belmora, Corvania and Dravia", "perang")

    for i, (slug, en, local, lang) in enumerate(COUNTRIES):
        e = Entity(ID + "country/" + slug, en, "Country", party=i if i < PARTIES else None, lang=lang)
        w.countries.append(e)
        s = u(e.iri)
        for cls in (["ConflictParty"] if i < PARTIES else []) + ["Country", "State"]:
            g.add(s, A, kg(cls))
        labels(g, s, en, local)
    for r in range(size["regions"]):
        country = w.countries[r % len(w.countries)]
        nm = name(rng, 3)
        e = Entity(ID + f"region/r{r:04d}", f"{nm} Oblast", "Region", lang=country.lang)
        w.regions.append(e)
        s = u(e.iri)
        g.add(s, A, kg("Region"))
        labels(g, s, e.label, f"wilayah {nm}")
        g.add(s, kg("locatedIn"), u(country.iri))
        g.add(s, kg("placeType"), u(ID + "concept/oblast"))
        for d in range(3):
            dn = name(rng, 2)
            de = Entity(ID + f"district/r{r:04d}-d{d}", f"{dn} District", "District")
            w.districts.append(de)
            ds = u(de.iri)
            g.add(ds, A, kg("District"))
            labels(g, ds, de.label, f"distrik {dn}")
            g.add(ds, kg("locatedIn"), s)
            g.add(ds, kg("placeType"), u(ID + "concept/raion"))
            for k in range(4):
                sn = name(rng, 2)
                se = Entity(ID + f"settlement/r{r:04d}-d{d}-s{k}", sn, "Settlement")
                w.settlements.append(se)
                ss = u(se.iri)
                g.add(ss, A, kg("Settlement"))
                labels(g, ss, sn, sn)
                g.add(ss, kg("placeType"), u(ID + "concept/village"))
                if rng.random() < 0.1:  # district unknown: only the region, and why
                    g.add(ss, kg("locatedIn"), s)
                    inf = ID + f"inference/settlement-r{r:04d}-d{d}-s{k}-1"
                    inference(g, inf, kg("locatedIn"), f"The sources give no district for {sn}; only its region is recorded.", s)
                    g.add(ss, kg("hasInference"), u(inf))
                else:
                    g.add(ss, kg("locatedIn"), ds)
    for p in range(size["persons"]):
        first, last = name(rng, 2), name(rng, 2)
        party = rng.randrange(PARTIES) if rng.random() < 0.85 else None
        e = Entity(ID + f"person/p{p:05d}", f"{first} {last}", "Person", party=party,
                   lang=w.countries[party].lang if party is not None else "en")
        w.persons.append(e)
        s = u(e.iri)
        g.add(s, A, kg("Person"))
        labels(g, s, e.label, e.label, alt=f"{first[0]}. {last}" if rng.random() < 0.3 else None)
        if party is not None:
            g.add(s, kg("affiliatedWith"), u(w.countries[party].iri))
            if rng.random() < 0.1:
                inf = ID + f"inference/person-p{p:05d}-1"
                inference(g, inf, kg("affiliatedWith"), "The sources never name the side; it is read from the office and the place.", u(w.countries[party].iri))
                g.add(s, kg("hasInference"), u(inf))
    for party in range(PARTIES):
        country = w.countries[party]
        top = Entity(ID + f"force/{COUNTRIES[party][0]}-armed-forces", f"Armed forces of {country.label}", "ArmedForce", party=party, lang=country.lang)
        w.forces.append(top)
        g.add(u(top.iri), A, kg("ArmedForce"))
        labels(g, u(top.iri), top.label, f"angkatan bersenjata {country.label}")
        g.add(u(top.iri), kg("affiliatedWith"), u(country.iri))
        for k in range(size["subforces"]):
            e = Entity(ID + f"force/{COUNTRIES[party][0]}-unit-{k:03d}", f"{name(rng, 2)} group of forces ({country.label})", "ArmedForce", party=party, lang=country.lang)
            w.forces.append(e)
            g.add(u(e.iri), A, kg("ArmedForce"))
            labels(g, u(e.iri), e.label)
            g.add(u(e.iri), u(ORG + "subOrganizationOf"), u(top.iri))
            g.add(u(e.iri), kg("affiliatedWith"), u(country.iri))
    for k in range(size["govs"]):
        country_i = k % len(w.countries)
        country = w.countries[country_i]
        e = Entity(ID + f"org/gov-{k:04d}", f"Ministry of {name(rng, 2)} of {country.label}", "GovernmentBody",
                   party=country_i if country_i < PARTIES else None, lang=country.lang)
        w.govs.append(e)
        g.add(u(e.iri), A, kg("GovernmentBody"))
        labels(g, u(e.iri), e.label)
        if e.party is not None:
            g.add(u(e.iri), kg("affiliatedWith"), u(country.iri))
    for k in range(size["outlets"]):
        e = Entity(ID + f"org/outlet-{k:04d}", f"{name(rng, 2)} News", "MediaOutlet")
        w.outlets.append(e)
        g.add(u(e.iri), A, kg("MediaOutlet"))
        labels(g, u(e.iri), e.label)
    for k in range(size["groups"]):
        e = Entity(ID + f"group/unnamed-{k:03d}", f"unnamed {rng.choice(['officials', 'correspondents', 'witnesses', 'sources'])} ({k})", "UnnamedGroup")
        w.groups.append(e)
        g.add(u(e.iri), A, kg("UnnamedGroup"))
        labels(g, u(e.iri), e.label)
        g.add(u(e.iri), DEFN, lit("People the sources do not name.", "en"))
    for k in range(size["operations"]):
        region = w.regions[k % len(w.regions)]
        e = Entity(ID + f"event/operation-{k:03d}", f"Operation in {region.label}", "MilitaryOperation")
        w.operations.append(e)
        s = u(e.iri)
        g.add(s, A, kg("MilitaryOperation"))
        labels(g, s, e.label, f"operasi di {region.label}")
        g.add(s, kg("location"), u(region.iri))
        g.add(s, kg("subEventOf"), u(war.iri))
        g.add(s, kg("hasParticipant"), u(w.forces[k % len(w.forces)].iri))
    for k in range(size["battles"]):
        place = rng.choice(w.settlements)
        e = Entity(ID + f"event/battle-{k:04d}", f"Battle for {place.label}", "Battle")
        w.battles.append(e)
        s = u(e.iri)
        g.add(s, A, kg("Battle"))
        labels(g, s, e.label, f"pertempuran untuk {place.label}")
        g.add(s, kg("location"), u(place.iri))
        g.add(s, kg("subEventOf"), u(rng.choice(w.operations).iri))
        if k and rng.random() < 0.3:
            g.add(u(w.battles[k - 1].iri), kg("precedes"), s)
    speakers = w.persons + w.govs + w.forces
    for k in range(size["comms"]):
        agent = skew(rng, speakers, 1.6)
        kind = rng.choice(["OfficialReport", "Announcement", "PublicationEvent"])
        doc_kind = "SocialMediaPost" if kind == "PublicationEvent" else "OfficialStatement"
        c = Comm(ID + f"event/statement-{k:05d}", agent, ID + f"document/statement-{k:05d}",
                 f"Statement {k} by {agent.label}", agent.lang)
        w.comms.append(c)
        s = u(c.iri)
        g.add(s, A, kg(kind))
        labels(g, s, f"{agent.label}: {kind.lower()} {k}")
        g.add(s, kg("agent"), u(agent.iri))
        g.add(s, u(PROV + "generated"), u(c.document))
        d = u(c.document)
        g.add(d, A, kg(doc_kind))
        g.add(d, LABEL, lit(c.doc_label, "en"))
        g.add(d, PREF, lit(c.doc_label, "en"))
        g.add(d, u(SCHEMA + "author"), u(agent.iri))
        if k and rng.random() < 0.15:  # relays an earlier statement: a longer relay chain
            g.add(d, u(PROV + "wasDerivedFrom"), u(w.comms[rng.randrange(k)].document))
    return g, w


# -- sources -------------------------------------------------------------------------------------

@dataclass
class Claim:
    cid: str
    kind: str
    label: str
    subject: str
    predicate: str
    obj: str
    claimant: Entity
    attribution: str
    words: list[str]                 # the sentence it is read from
    stance: str = "Asserts"
    modality: str = "Factual"
    rank: str = "NormalRank"
    comm: Comm | None = None
    extra: list[tuple[str, str]] = field(default_factory=list)
    quantity: tuple[float, str, str, str] | None = None  # amount, approximation, unit, verbatim
    time: tuple[str, str, str, bool] | None = None        # precision, value, verbatim, year given
    competes: str | None = None
    relay: str = "wasDerivedFrom"
    second_passage: int | None = None
    violation: str | None = None
    headline: bool = False


def sentence(rng: random.Random, lang: str, *parts: str) -> list[str]:
    words: list[str] = []
    for part in parts:
        words.extend(rng.sample(FILLER[lang], rng.randint(1, 4)))
        words.append(part)
    words.extend(rng.sample(FILLER[lang], rng.randint(2, 6)))
    return words


def make_claim(rng: random.Random, w: World, j: int, lang: str, publisher: Entity,
               counters: dict[str, Counter]) -> Claim:
    kind = rng.choices(["Casualty", "TerritorialControl", "Participation", "Statement", "Quantity",
                        "Event", "Identity", "Assessment"], [20, 22, 14, 10, 6, 10, 8, 10])[0]
    attribution = rng.choices(["NamedInSource", "UnattributedInSource", "UnnamedSource",
                               "InferredFromContext"], [45, 20, 10, 25])[0]
    comm = None
    if attribution in ("NamedInSource", "InferredFromContext"):
        comm = skew(rng, w.comms, 1.5)
        claimant = comm.agent
    elif attribution == "UnattributedInSource":
        claimant = publisher
    else:
        claimant = rng.choice(w.groups)
    cid = f"c{j:03d}"
    extra: list[tuple[str, str]] = []
    quantity = None
    when = None
    if kind == "Casualty":
        event = skew(rng, w.battles + w.operations, 2.5)
        pred, noun, lo, hi = rng.choice(LOSSES)
        side = rng.choice([f for f in w.forces if "-armed-forces" in f.iri])
        amount = float(int(lo + (hi - lo) * rng.random() ** 3))
        approx = weighted(rng, APPROX_WEIGHTS)
        verbatim = " ".join(x for x in (QUALIFIER[approx][lang], f"{int(amount)}", noun) if x)
        quantity = (amount, approx, UNIT + "NUM", verbatim)
        subject, predicate, obj = event.iri, pred, dec(amount)
        extra += [(kg("side"), u(side.iri)), (kg("location"), u(rng.choice(w.settlements).iri))]
        label = f"{claimant.label}: {side.label} lost {verbatim} in {event.label}"
        words = sentence(rng, lang, claimant.label, verbatim, event.label)
        counters["event"][event.iri] += 1
    elif kind == "TerritorialControl":
        place = skew(rng, w.settlements, 2.0)
        force = rng.choice(w.forces)
        subject, predicate, obj = force.iri, "tookControlOf", u(place.iri)
        extra.append((kg("duringEvent"), u(rng.choice(w.battles).iri)))
        when = time_value(rng)
        label = f"{claimant.label}: {force.label} took {place.label}"
        words = sentence(rng, lang, claimant.label, force.label, place.label, when[2])
        counters["settlement"][place.iri] += 1
    elif kind == "Participation":
        force, op = rng.choice(w.forces), rng.choice(w.operations)
        subject, predicate, obj = force.iri, "participatedIn", u(op.iri)
        label = f"{claimant.label}: {force.label} took part in {op.label}"
        words = sentence(rng, lang, claimant.label, force.label, op.label)
        if rng.random() < 0.3:
            when = time_value(rng)
            words.append(when[2])
    elif kind == "Statement":
        actor = rng.choice(w.countries[:PARTIES] + w.govs)
        op = rng.choice(w.operations)
        subject, predicate, obj = actor.iri, "acknowledged", u(op.iri)
        label = f"{claimant.label}: {actor.label} acknowledged its part in {op.label}"
        words = sentence(rng, lang, claimant.label, actor.label, op.label)
    elif kind == "Quantity":
        region = rng.choice(w.regions)
        amount = float(rng.randint(5_000, 90_000))
        approx = rng.choice(["Unqualified", "Approximately"])
        verbatim = " ".join(x for x in (QUALIFIER[approx][lang], f"{int(amount)}", "km2") if x)
        quantity = (amount, approx, UNIT + "KiloM2", verbatim)
        subject, predicate, obj = region.iri, "totalArea", dec(amount)
        label = f"{claimant.label}: {region.label} covers {verbatim}"
        words = sentence(rng, lang, region.label, verbatim)
    elif kind == "Event":
        a, b = rng.sample(w.battles, 2)
        subject, predicate, obj = a.iri, "precedes", u(b.iri)
        label = f"{claimant.label}: {a.label} came before {b.label}"
        words = sentence(rng, lang, a.label, b.label)
    elif kind == "Identity":
        person, region = rng.choice(w.persons), rng.choice(w.regions)
        subject, predicate, obj = person.iri, "basedIn", u(region.iri)
        label = f"{claimant.label}: {person.label} is based in {region.label}"
        words = sentence(rng, lang, person.label, region.label)
    else:
        force, quality = rng.choice(w.forces), rng.choice(QUALITIES)
        subject, predicate, obj = force.iri, "showedQuality", u(ID + "concept/" + quality)
        label = f"{claimant.label}: {force.label} showed {quality.replace('-', ' ')}"
        words = sentence(rng, lang, claimant.label, force.label, quality.replace("-", " "))
    words[-1] += "."
    c = Claim(cid, kind, label, subject, predicate, obj, claimant, attribution, words,
              comm=comm, extra=extra, quantity=quantity, time=when)
    c.stance = rng.choices(["Asserts", "Denies", "Questions"], [88, 8, 4])[0]
    c.modality = ("Negative" if c.stance == "Denies" else "Estimate" if quantity and rng.random() < 0.5
                  else "Evaluation" if kind == "Assessment" else "Factual")
    c.rank = rng.choices(["NormalRank", "PreferredRank", "DeprecatedRank"], [95, 3, 2])[0]
    c.relay = "wasQuotedFrom" if rng.random() < 0.3 else "wasDerivedFrom"
    counters["claimant"][claimant.iri] += 1
    return c


def time_value(rng: random.Random) -> tuple[str, str, str, bool]:
    year = rng.choice([2024, 2025])
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    precision = rng.choices(["Day", "Month", "Year"], [60, 25, 15])[0]
    if precision == "Day":
        with_year = rng.random() > 0.25
        verbatim = f"{day} {MONTHS[month - 1]}" + (f" {year}" if with_year else "")
        return precision, f"{year}-{month:02d}-{day:02d}", verbatim, with_year
    if precision == "Month":
        return precision, f"{year}-{month:02d}", f"{MONTHS[month - 1]} {year}", True
    return precision, f"{year}", f"in {year}", True


def month_end(year: int, month: int) -> int:
    return [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def build_source(index: int, w: World, seed: int, counters: dict[str, Counter],
                 violations: list[str], n_claims: int | None = None) -> Graph:
    rng = random.Random(f"{seed}:source:{index}")
    sid = f"src-{index:05d}"
    g = Graph(GRAPH + "source/" + sid)
    lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
    publisher = skew(rng, w.outlets, 1.5)
    n_claims = n_claims or rng.randint(10, 40)
    doc = ID + "document/" + sid
    claims: list[Claim] = []
    j = 0
    while len(claims) < n_claims:
        j += 1
        c = make_claim(rng, w, j, lang, publisher, counters)
        claims.append(c)
        if c.kind == "TerritorialControl" and rng.random() < 0.15 and len(claims) < n_claims:
            # a competing account of the same capture, by another voice
            j += 1
            other = make_claim(rng, w, j, lang, publisher, counters)
            while other.kind != "TerritorialControl":
                other = make_claim(rng, w, j, lang, publisher, counters)
            other.obj = c.obj
            other.stance, other.modality = "Asserts", "Factual"
            other.label = other.label.rsplit(" took ", 1)[0] + " took " + c.label.rsplit(" took ", 1)[1]
            c.competes, other.competes = f"{sid}/{other.cid}", f"{sid}/{c.cid}"
            claims.append(other)
    # the headline: the outlet's own voice, read from the headline only
    head = claims[0]
    head.headline = True
    head.attribution, head.claimant, head.comm = "UnattributedInSource", publisher, None
    head.label = "Headline: " + head.label.split(": ", 1)[-1]
    for k, kind in enumerate(violations):
        claims[1 + k].violation = kind
    for c in claims[1:]:
        if rng.random() < 0.15:
            c.second_passage = rng.randrange(len(claims))

    # the text: headline, then paragraphs of one to four sentences, with section titles
    title = " ".join(head.words)
    paragraphs: list[list[tuple[str, str, Claim | None]]] = [[(title, "Headline", head)]]
    body = claims[1:]
    i = 0
    while i < len(body):
        if i and rng.random() < 0.12:
            paragraphs.append([(" ".join(rng.sample(FILLER[lang], 3)).capitalize(), "SectionTitle", None)])
        if i and rng.random() < 0.05:
            paragraphs.append([(title, "RepeatedHeadline", None)])
        size = rng.randint(1, 4)
        paragraphs.append([(" ".join(c.words), "BodySentence", c) for c in body[i:i + size]])
        i += size
    full_parts: list[str] = []
    offset = 0
    passage_of: dict[int, str] = {}   # id(claim) -> passage IRI
    texts: dict[str, str] = {}
    for pn, para in enumerate(paragraphs, start=1):
        if pn > 1:
            full_parts.append("\n\n")
            offset += 2
        for sn, (text, role, claim) in enumerate(para, start=1):
            if sn > 1:
                full_parts.append(" ")
                offset += 1
            p = ID + f"passage/{sid}/p{pn}-s{sn}"
            ps = u(p)
            g.add(ps, A, kg("Passage"))
            g.add(ps, LABEL, lit(f"{sid} p{pn}-s{sn}", "en"))
            g.add(ps, kg("passageOf"), u(doc))
            g.add(ps, kg("paragraph"), integer(pn))
            g.add(ps, kg("sentence"), integer(sn))
            g.add(ps, kg("passageRole"), kg(role))
            g.add(ps, kg("startOffset"), integer(offset))
            g.add(ps, kg("endOffset"), integer(offset + len(text)))
            g.add(ps, kg("text"), lit(text, lang))
            if claim is None:
                reason = ("The headline repeated in the body." if role == "RepeatedHeadline"
                          else "Section title; what it announces is cited in the sentences that follow.")
                g.add(ps, kg("exclusionReason"), lit(reason, "en"))
            else:
                passage_of[id(claim)] = p
            texts[p] = text
            full_parts.append(text)
            offset += len(text)
    full = "".join(full_parts)

    d = u(doc)
    g.add(d, A, kg("NewsArticle"))
    g.add(d, LABEL, lit(f"{publisher.label} article {sid}: {head.label.split(': ', 1)[-1]}", "en"))
    g.add(d, u(DCT + "language"), lit(lang, datatype=XSD + "language"))
    g.add(d, u(DCT + "title"), lit(title, lang))
    g.add(d, u(SCHEMA + "headline"), lit(title, lang))
    g.add(d, u(SCHEMA + "inLanguage"), lit(lang))
    g.add(d, u(SCHEMA + "publisher"), u(publisher.iri))
    g.add(d, kg("fullText"), lit(full, lang))
    if rng.random() < 0.5:
        unknown = u(ID + f"unknown/{sid}-datePublished")
        g.add(d, kg("hasUnknown"), unknown)
        g.add(unknown, A, kg("UnknownValue"))
        g.add(unknown, u(PROV + "wasAttributedTo"), u(CURATORS))
        g.add(unknown, kg("reason"), lit("The text carries no date of publication.", "en"))
        g.add(unknown, kg("unknownProperty"), u(SCHEMA + "datePublished"))
    ex = u(ID + "extraction/" + sid)
    g.add(ex, A, kg("Extraction"))
    g.add(ex, LABEL, lit(f"Extraction of claims from {sid}", "en"))
    g.add(ex, u(PROV + "endedAtTime"), lit("2026-11-26T00:00:00+00:00", datatype=XSD + "dateTime"))
    g.add(ex, u(PROV + "used"), d)
    g.add(ex, u(PROV + "wasAssociatedWith"), u(CURATORS))

    relayed: dict[str, Comm] = {}
    for c in claims:
        cs = u(ID + f"claim/{sid}/{c.cid}")
        kind = {"Casualty": "CasualtyClaim", "TerritorialControl": "TerritorialControlClaim",
                "Participation": "ParticipationClaim", "Statement": "StatementClaim",
                "Quantity": "QuantityClaim", "Event": "EventClaim", "Identity": "IdentityClaim",
                "Assessment": "AssessmentClaim"}[c.kind]
        g.add(cs, A, kg("Claim"))
        g.add(cs, A, kg(kind))
        if c.violation != "missing-label":
            g.add(cs, LABEL, lit(c.label, "en"))
        g.add(cs, u(RDF + "subject"), u(c.subject))
        g.add(cs, u(RDF + "predicate"), kg(c.predicate))
        g.add(cs, u(RDF + "object"), c.obj)
        g.add(cs, u(PROV + "wasGeneratedBy"), ex)
        g.add(cs, kg("attribution"), kg(c.attribution))
        g.add(cs, kg("claimant"), u(c.claimant.iri))
        g.add(cs, kg("modality"), kg(c.modality))
        g.add(cs, kg("rank"), kg(c.rank))
        if c.violation != "missing-stance":
            g.add(cs, kg("stance"), kg(c.stance))
        for p, o in c.extra:
            g.add(cs, p, o)
        if c.comm:
            g.add(cs, kg("madeIn"), u(c.comm.iri))
        if c.competes:
            g.add(cs, kg("competesWith"), u(ID + "claim/" + c.competes))
        if c.attribution == "InferredFromContext":
            inf = ID + f"inference/{sid}-{c.cid}-claimant"
            g.add(cs, kg("hasInference"), u(inf))
            inference(g, inf, kg("claimant"), f"The sentence names no speaker; the sentences around it quote {c.claimant.label}.", u(c.claimant.iri))
        if c.quantity:
            amount, approx, unit, verbatim = c.quantity
            q = u(ID + f"quantity/{sid}/{c.cid}")
            g.add(cs, kg("objectValue"), q)
            g.add(q, A, kg("QuantityValue"))
            g.add(q, kg("amount"), dec(amount))
            g.add(q, kg("approximation"), kg(approx))
            g.add(q, kg("unit"), u(unit))
            g.add(q, kg("verbatim"), lit(verbatim, lang))
            if approx in ("MoreThan", "AtLeast"):
                g.add(q, kg("lowerBound"), dec(amount))
                g.add(q, kg("lowerBoundInclusive"), boolean(approx == "AtLeast"))
            elif approx in ("LessThan", "AtMost"):
                g.add(q, kg("upperBound"), dec(amount))
                g.add(q, kg("upperBoundInclusive"), boolean(approx == "AtMost"))
        if c.time:
            precision, value, verbatim, with_year = c.time
            t = u(ID + f"time/{sid}/{c.cid}")
            g.add(cs, kg("time"), t)
            g.add(t, A, kg("TimeValue"))
            g.add(t, kg("timePrecision"), u(TIME + "unit" + precision))
            g.add(t, kg("verbatim"), lit(verbatim, lang))
            year = int(value[:4])
            if precision == "Day":
                g.add(t, u(TIME + "inXSDDate"), date(value))
                g.add(t, kg("earliest"), date(value))
                g.add(t, kg("latest"), date(value))
            elif precision == "Month":
                month = int(value[5:7])
                g.add(t, u(TIME + "inXSDgYearMonth"), lit(value, datatype=XSD + "gYearMonth"))
                g.add(t, kg("earliest"), date(f"{value}-01"))
                g.add(t, kg("latest"), date(f"{value}-{month_end(year, month):02d}"))
            else:
                g.add(t, u(TIME + "inXSDgYear"), lit(value, datatype=XSD + "gYear"))
                g.add(t, kg("earliest"), date(f"{value}-01-01"))
                g.add(t, kg("latest"), date(f"{value}-12-31"))
            if not with_year:
                inf = ID + f"inference/{sid}-{c.cid}-time"
                g.add(cs, kg("hasInference"), u(inf))
                inference(g, inf, kg("time"), f"The text gives '{verbatim}' without a year; the events around it date it to {year}.")
        cited = [passage_of[id(c)]]
        if c.second_passage is not None:
            other = passage_of[id(claims[c.second_passage])]
            if other not in cited:
                cited.append(other)
        for r, p in enumerate(cited, start=1):
            ref = u(ID + f"reference/{sid}/{c.cid}-{r}")
            gloss = u(ID + f"gloss/{sid}/{c.cid}-{r}")
            g.add(cs, u(PROV + "wasDerivedFrom"), ref)
            g.add(ref, A, kg("Reference"))
            g.add(ref, kg("statedIn"), d)
            g.add(ref, kg("passage"), u(p))
            words = texts[p].split(" ")
            a = rng.randrange(0, max(1, len(words) - 3))
            b = min(len(words), a + rng.randint(3, 12))
            quote = " ".join(words[a:b])
            if c.violation == "quote-not-verbatim" and r == 1:
                quote = "kata-kata yang tidak ada di kalimat ini"
            g.add(ref, kg("quote"), lit(quote, lang))
            g.add(ref, kg("gloss"), gloss)
            g.add(gloss, A, kg("CuratorTranslation"))
            g.add(gloss, u(RDF + "value"), lit(f"Gloss of {c.cid}: {c.label}", "en"))
            g.add(gloss, u(PROV + "wasAttributedTo"), u(CURATORS))
            g.add(gloss, u(PROV + "wasDerivedFrom"), u(p))
            if r == 1 and c.comm is not None:
                g.add(ref, u(PROV + c.relay), u(c.comm.document))
                relayed[c.comm.document] = c.comm
                if c.attribution == "NamedInSource":
                    g.add(ref, kg("claimantNamedAs"), lit(c.claimant.label, lang))
    # the relay chain: the article derives from each upstream document its references relay,
    # through a translation where the upstream document is in another language
    for document, comm in relayed.items():
        local = document.rsplit("/", 1)[1]
        g.add(d, u(PROV + "wasDerivedFrom"), u(document))
        der = u(ID + f"derivation/{sid}/{local}")
        g.add(d, u(PROV + "qualifiedDerivation"), der)
        g.add(der, A, u(PROV + "Derivation"))
        g.add(der, u(PROV + "entity"), u(document))
        if comm.lang != lang and rng.random() < 0.5:
            tr = u(ID + f"translation/{sid}/{local}")
            g.add(der, u(PROV + "hadActivity"), tr)
            g.add(tr, A, kg("Translation"))
            g.add(tr, LABEL, lit(f"Translation of {local} into the language of {sid}", "en"))
            g.add(tr, u(PROV + "used"), u(document))
            g.add(tr, kg("fromLanguage"), lit(comm.lang, datatype=XSD + "language"))
            inf = ID + f"inference/{sid}-translation-{local}"
            g.add(tr, kg("hasInference"), u(inf))
            inference(g, inf, u(PROV + "hadActivity"), f"{comm.agent.label} spoke in another language than the article's; the words passed through a translation.")
    return g


HEADER = "# Generated by bench/generate.py (synthetic benchmark data, not real reporting).\n"


def parse_scale(text: str) -> int:
    t = text.strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    return int(float(t) * mult)


def violation_plan(k: int, estimated_sources: int) -> dict[int, list[str]]:
    kinds = ["missing-stance", "quote-not-verbatim", "missing-label"]
    plan: dict[int, list[str]] = {}
    # at most three per source (a source has at least ten claims); sources past the estimate
    # are generated anyway when the plan needs them
    slots = max(1, min(estimated_sources, k), -(-k // 3))
    stride = max(1, estimated_sources // slots)
    for v in range(k):
        source = 1 + (v % slots) * stride
        plan.setdefault(source, []).append(kinds[v % len(kinds)])
    return plan


def copy_repository_files(out: Path) -> list[tuple[Path, str]]:
    """ontology/, shapes/ and dataset.ttl, with the graph each goes to."""
    for sub in ("ontology", "shapes"):
        shutil.rmtree(out / sub, ignore_errors=True)
        shutil.copytree(ROOT / sub, out / sub)
    (out / "data" / "ttl").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "data" / "ttl" / "dataset.ttl", out / "data" / "ttl" / "dataset.ttl")
    files = [(p, GRAPH + "ontology") for p in sorted((out / "ontology").glob("*.ttl"))]
    files += [(p, GRAPH + "vocabularies") for p in sorted((out / "ontology" / "imports").glob("*.ttl"))]
    files += [(p, GRAPH + "shapes") for p in sorted((out / "shapes").glob("*.ttl"))]
    files += [(out / "data" / "ttl" / "dataset.ttl", GRAPH + "dataset")]
    return files


def generate(n: int, seed: int, out: Path, violations: int = 0, quiet: bool = False) -> dict:
    import pyoxigraph as ox

    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    sources_dir = out / "data" / "ttl" / "sources"
    shutil.rmtree(sources_dir, ignore_errors=True)
    sources_dir.mkdir(parents=True)
    copied = copy_repository_files(out)
    entities, world = build_entities(n, seed)
    counters: dict[str, Counter] = {"claimant": Counter(), "settlement": Counter(), "event": Counter()}
    estimated = max(1, (n - len(entities)) // 1600)
    plan = violation_plan(violations, estimated) if violations else {}
    graph_counts: dict[str, int] = {}
    data_triples = len(entities)
    injected: list[dict[str, str]] = []
    nq_path = out / "all.nq"
    with nq_path.open("w", encoding="utf-8") as nq:
        for path, graph in copied:
            quads = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph))
                     for q in ox.parse(path=str(path), base_iri=path.resolve().as_uri(),
                                       without_named_graphs=True)]
            nq.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8"))
            graph_counts[graph] = graph_counts.get(graph, 0) + len(quads)
        (out / "data" / "ttl" / "entities.ttl").write_text(entities.turtle(HEADER), encoding="utf-8")
        nq.write(entities.nquads())
        graph_counts[entities.iri] = len(entities)
        index = 0
        while data_triples < n or index < max(plan, default=0):
            index += 1
            kinds = plan.get(index, [])
            g = build_source(index, world, seed, counters, kinds)
            for k, kind in enumerate(kinds):
                injected.append({"source": f"src-{index:05d}", "claim": f"c{2 + k:03d}", "kind": kind})
            (sources_dir / f"src-{index:05d}.ttl").write_text(g.turtle(HEADER), encoding="utf-8")
            nq.write(g.nquads())
            graph_counts[g.iri] = len(g)
            data_triples += len(g)
            if not quiet and index % 200 == 0:
                print(f"  {index} sources, {data_triples} data triples", file=sys.stderr)
    # claim ids are c001.. in order; violation k sits on the (k+2)-th claim (the first is the
    # headline). The claim ids of competing pairs do not shift that: ids are sequential.
    # the write benchmark's source: the claim count whose size is nearest 200 triples
    write = min((build_source(index + 1, world, seed, fresh_counters(), [], n_claims=k)
                 for k in range(3, 9)), key=lambda g: abs(len(g) - 200))
    (out / "write-source.ttl").write_text(write.turtle(HEADER), encoding="utf-8")
    hot_person = next(iri for iri, _ in counters["claimant"].most_common() if "/person/" in iri)
    manifest = {
        "generator": "bench/generate.py",
        "seed": seed,
        "target_triples": n,
        "data_triples": data_triples,
        "quads_in_all_nq": sum(graph_counts.values()),
        "sources": index,
        "graphs": len(graph_counts),
        "entities_triples": len(entities),
        "violations": violations,
        "injected": injected,
        "sizes": sizes(n),
        "hot": {
            "claim": ID + "claim/src-00001/c002",
            "person": hot_person,
            "person_claims": counters["claimant"][hot_person],
            "settlement": counters["settlement"].most_common(1)[0][0],
            "event": counters["event"].most_common(1)[0][0],
            "search": "zhov",
        },
        "write_source": {"file": "write-source.ttl", "graph": GRAPH + f"source/src-{index + 1:05d}",
                         "triples": len(write)},
        "seconds": round(time.monotonic() - started, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def fresh_counters() -> dict[str, Counter]:
    return {"claimant": Counter(), "settlement": Counter(), "event": Counter()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", required=True, help="data triples: 100000, 100k, 1m, 5m")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--violations", type=int, default=0,
                        help="break exactly K constraints (for the validation benchmark)")
    args = parser.parse_args()
    manifest = generate(parse_scale(args.triples), args.seed, args.out, args.violations)
    print(json.dumps({k: manifest[k] for k in ("data_triples", "quads_in_all_nq", "sources",
                                                "violations", "seconds")}))


if __name__ == "__main__":
    main()
