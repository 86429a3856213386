"""Every option of kgraph, with its KGRAPH_* environment variable and its default.

Settings are read once, at the edge (the CLI or the app factory), and passed in; no other module
reads the environment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

#: The persistent base of every IRI kgraph mints (ontology, data, graphs).
DEFAULT_BASE_IRI = "https://w3id.org/kgraph/"

#: The repository root when running from a checkout (ontology/, shapes/, data/ beside src/).
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (true/false), got {text!r}")


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    help: str


@dataclass(frozen=True)
class Settings:
    """kgraph's configuration. Build it with `Settings.from_env()` or directly in tests."""

    store: Path | str = field(
        default=Path("var/store"),
        metadata={"help": "on-disk store directory, or the SPARQL query URL of a remote store "
                  "(http:// or https://)"},
    )
    store_update_url: str = field(
        default="",
        metadata={"help": "remote store: its SPARQL update URL, where it is not the query URL "
                  "(beside a query URL ending in /query: /update)"},
    )
    store_graph_store_url: str = field(
        default="",
        metadata={"help": "remote store: its Graph Store protocol URL (beside a query URL "
                  "ending in /query: /store; else none, and graphs go by SPARQL Update)"},
    )
    store_auth: str = field(
        default="",
        metadata={"help": "remote store credentials: 'user:password' (Basic), "
                  "'digest:user:password' or 'Bearer <token>'"},
    )
    store_timeout: float = field(
        default=60.0,
        metadata={"help": "remote store: seconds to wait for an answer to kgraph's own requests"},
    )
    store_batch_triples: int = field(
        default=50_000, metadata={"help": "remote store: triples per request when loading"}
    )
    store_max_copy_quads: int = field(
        default=500_000,
        metadata={"help": "remote store: the largest store copied here whole, as a SPARQL "
                  "update's validation needs (above it, write with the Graph Store protocol) "
                  "and so do `validate --store` and `serve --check`"},
    )
    repository: Path = field(
        default=REPOSITORY_ROOT,
        metadata={"help": "folder holding ontology/, shapes/ and data/ttl/ to load"},
    )
    base_iri: str = field(
        default=DEFAULT_BASE_IRI,
        metadata={"help": "persistent base of all minted IRIs (files use the default base)"},
    )
    host: str = field(default="127.0.0.1", metadata={"help": "address the server binds"})
    port: int = field(default=7878, metadata={"help": "port the server listens on"})
    union_default_graph: bool = field(
        default=True, metadata={"help": "default graph = union of all graphs in the store"}
    )
    validate_writes: bool = field(
        default=True, metadata={"help": "validate every write against the shapes before commit"}
    )
    write_token: str = field(
        default="",
        metadata={"help": "Bearer token(s) allowed to write, 'name:token' comma-separated; "
                  "empty = read-only"},
    )
    query_timeout: float = field(
        default=30.0, metadata={"help": "seconds a query may run (a request may ask for less)"}
    )
    max_result_bytes: int = field(
        default=64 * 1024 * 1024, metadata={"help": "largest response body a query may produce"}
    )
    max_body_bytes: int = field(
        default=16 * 1024 * 1024, metadata={"help": "largest request body accepted"}
    )
    max_concurrent_queries: int = field(
        default=4, metadata={"help": "queries evaluated at once; more get 503 + Retry-After"}
    )
    replica_max_quads: int = field(
        default=2_000_000,
        metadata={"help": "query workers answer from a copy of the store in memory, one each, "
                  "while it holds at most this many quads and the copies fit in half the "
                  "memory available (joins 3-6x faster; about 0.5 GiB per million quads per "
                  "worker); 0 = off: they read the store on disk"},
    )

    cache_bytes: int = field(
        default=64 * 1024 * 1024,
        metadata={"help": "memory for cached query results, emptied by every write; 0 = off"},
    )
    queue_wait: float = field(
        default=2.0,
        metadata={"help": "seconds a query waits for a free slot before 503 + Retry-After"},
    )
    service_allow_list: str = field(
        default="",
        metadata={"help": "IRI prefixes SERVICE may call, comma-separated; empty = SERVICE off"},
    )

    def __post_init__(self) -> None:
        # a URL stays text (a Path would fold its '//'); anything else is a directory
        object.__setattr__(self, "store", store_location(self.store))

    @property
    def remote_store(self) -> str | None:
        """The query URL when the store is a remote SPARQL server, else None."""
        return self.store if isinstance(self.store, str) else None

    @property
    def service_allow(self) -> list[str]:
        return [p.strip() for p in self.service_allow_list.split(",") if p.strip()]

    @classmethod
    def describe(cls) -> list[Setting]:
        return [
            Setting(f.name, "KGRAPH_" + f.name.upper(), str(f.metadata.get("help", "")))
            for f in fields(cls)
        ]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults, then KGRAPH_* variables, then explicit overrides (CLI options)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("KGRAPH_" + f.name.upper())
            if raw is None:
                continue
            try:
                values[f.name] = _convert(f.type, raw)
            except ValueError as exc:
                raise ValueError(f"KGRAPH_{f.name.upper()}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if not settings.base_iri.endswith(("/", "#")):
            raise ValueError("KGRAPH_BASE_IRI must end with '/' or '#'")
        return settings

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)


_URL = re.compile(r"^(https?):/+(?=[^/])", re.I)


def store_location(value: Any) -> Any:
    """A remote store's URL as text (also when it was made a Path, which folds `//` into
    `/`), or a local directory as a Path."""
    text = str(value)
    match = _URL.match(text)
    if match:
        return match[1].lower() + "://" + text[match.end():]
    return value if isinstance(value, Path) else Path(text)


def _convert(type_name: Any, raw: str) -> Any:
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", "")
    if name == "bool":
        return _bool(raw)
    if name == "int":
        return int(raw)
    if name == "float":
        return float(raw)
    if name == "Path":
        return Path(raw)
    return raw
