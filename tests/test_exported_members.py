import types

import kgraph


def test_all_public_members_are_exported():
    public = sorted(
        (m for m, v in vars(kgraph).items()
         if (not m.startswith("_") or m == "__version__") and not isinstance(v, types.ModuleType)),
        key=str.casefold,
    )
    assert sorted(kgraph.__all__, key=str.casefold) == public
    assert len(public) >= 8
