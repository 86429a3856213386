"""Exports: the claims CSV (one row per claim, RFC 4180) and the release bundle."""

from __future__ import annotations

import csv
import hashlib
import io

import rdflib

from kgraph.exports import COLUMNS, claims_csv, write_release


def test_one_row_per_claim_with_the_columns_the_issue_lists(seed_store):
    text = claims_csv(seed_store)
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 66
    row = next(r for r in rows if r["claim"].endswith("/gerasimov-ua-losses"))
    assert row["amount"] == "76000" and row["approximation"] == "MoreThan"
    assert row["lower_bound"] == "76000" and row["lower_inclusive"] == "false"
    assert row["claimant_label"] == "Valery Gerasimov" and row["party_label"] == "Russia"
    assert row["passages"].endswith("passage/kursk-dprk-2025-id/p11-s3")
    dated = next(r for r in rows if r["date"] == "2025-04-26")
    assert dated["date_precision"] == "day" and "kg" in dated["inferred"] or dated["inferred"]


def test_release_has_nquads_csv_description_and_checksums(seed_store, tmp_path):
    files = write_release(seed_store, tmp_path, version="9.9.9")
    names = sorted(f.name for f in files)
    assert names == ["SHA256SUMS", "claims.csv", "dataset.ttl", "kgraph.nq"]
    g = rdflib.Graph().parse(tmp_path / "dataset.ttl")
    text = (tmp_path / "dataset.ttl").read_text()
    assert "9.9.9" in text and "creativecommons.org/licenses/by/4.0" in text
    digest = hashlib.sha256((tmp_path / "kgraph.nq").read_bytes()).hexdigest()
    assert digest in text and digest in (tmp_path / "SHA256SUMS").read_text()
    assert len(g) > 20
