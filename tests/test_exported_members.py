import importlib
import subprocess
import sys
import types

import kgraph


def test_every_exported_name_resolves_to_its_module_member():
    assert len(kgraph.__all__) >= 8
    for name in kgraph.__all__:
        value = getattr(kgraph, name)
        if name != "__version__":
            assert getattr(importlib.import_module(kgraph._EXPORTS[name]), name) is value


def test_public_members_are_the_exported_ones():
    public = {m for m in dir(kgraph) if not m.startswith("_")
              and not isinstance(getattr(kgraph, m), types.ModuleType)} | {"__version__"}
    assert public == set(kgraph.__all__)


def test_an_unknown_name_is_an_attribute_error():
    try:
        kgraph.no_such_member  # noqa: B018
    except AttributeError as exc:
        assert "no_such_member" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_the_cli_starts_without_the_validator_or_the_http_client():
    # what `kgraph --help` and every command pay before they start
    code = ("import sys, kgraph.cli; "
            "print(sorted(m for m in ('pyshacl', 'rdflib', 'httpx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
