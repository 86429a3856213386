import kgraph


def test_all_public_members_are_exported():
    public = sorted(
        (m for m in vars(kgraph) if not m.startswith("_") or m == "__version__"),
        key=str.casefold,
    )
    modules = {"errors", "loading", "settings", "store", "validation", "namespaces", "authoring",
               "canonical", "web", "cli"}
    assert sorted(kgraph.__all__, key=str.casefold) == [m for m in public if m not in modules]
