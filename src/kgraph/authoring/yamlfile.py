"""YAML that remembers where each value came from, so problems are reported with file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kgraph.errors import AuthoringError, Location


class Node(dict):  # type: ignore[type-arg]
    """A mapping that knows its line and each key's line (1-based)."""

    line: int
    key_lines: dict[str, int]
    source: str

    def at(self, key: str | None = None) -> Location:
        line = self.key_lines.get(key, self.line) if key else self.line
        return Location(line, None, self.source)

    def fail(self, message: str, key: str | None = None) -> AuthoringError:
        return AuthoringError(message, self.at(key))


def load_yaml(path: Path, display: str | None = None) -> Any:
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthoringError(f"cannot read the file: {exc}", Location(source=shown)) from None

    class _Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Node:
        result = Node()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        result.source = shown
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in result:
                raise AuthoringError(
                    f"duplicate key {key!r}", Location(key_node.start_mark.line + 1, None, shown)
                )
            result[key] = loader.construct_object(value_node, deep=True)
            result.key_lines[str(key)] = key_node.start_mark.line + 1
        return result

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    # Dates stay strings: the compiler reads them with their precision.
    _Loader.yaml_implicit_resolvers = {
        k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise AuthoringError(
            f"not valid YAML: {exc.problem or exc.context}", Location(line, column, shown)
        ) from None
