from pathlib import Path

import pytest

from kgraph.settings import Settings


def test_environment_then_overrides():
    env = {"KGRAPH_PORT": "9000", "KGRAPH_UNION_DEFAULT_GRAPH": "off", "KGRAPH_STORE": "/x"}
    s = Settings.from_env(env, port=9100)
    assert s.port == 9100
    assert s.union_default_graph is False
    assert s.store == Path("/x")


@pytest.mark.parametrize("env", [{"KGRAPH_PORT": "eighty"}, {"KGRAPH_VALIDATE_WRITES": "maybe"},
                                 {"KGRAPH_BASE_IRI": "https://example.org/no-slash"}])
def test_bad_values_are_refused_with_the_variable_name(env):
    with pytest.raises(ValueError, match="KGRAPH_|BASE_IRI"):
        Settings.from_env(env)


def test_every_setting_has_help_and_a_variable():
    described = Settings.describe()
    assert len(described) >= 10
    for s in described:
        assert s.env == "KGRAPH_" + s.name.upper()
        assert s.help
