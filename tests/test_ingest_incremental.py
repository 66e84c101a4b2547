"""Incremental ingestion, duplicates, removal, and the sentence-transformers backend (small model)."""

import json
import shutil

from conftest import QUANG_MINH, TINH_AN
from rag import BaocaoService, BaocaoSettings
from baocao_cli import main


def listed(capsys):
    assert main(["list", "--json"]) == 0
    return {r["report_id"]: r for r in json.loads(capsys.readouterr().out)["reports"]}


def test_reingest_skips_replaces_and_removes(minilm_env, small_corpus, capsys):
    assert main(["ingest", str(small_corpus), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 đã nạp" in out and "0 lỗi" in out
    first = listed(capsys)
    assert set(first) == {TINH_AN, QUANG_MINH}

    assert main(["ingest", str(small_corpus), "--quiet"]) == 0
    assert "2 bỏ qua" in capsys.readouterr().out

    changed = small_corpus / f"{TINH_AN}.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("07 mô hình", "08 mô hình"), encoding="utf-8")
    assert main(["ingest", str(small_corpus), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "nạp lại" in out and "1 bỏ qua" in out
    service = BaocaoService(BaocaoSettings())
    stored = service.store.get_report(TINH_AN)
    assert service.store.chunk_count(TINH_AN) == stored.chunks  # old chunks are gone
    texts = [r.text for r in service.search("xây dựng được bao nhiêu mô hình đạt 350%", k=20)]
    assert any("08 mô hình" in t for t in texts) and not any("07 mô hình" in t for t in texts)

    # force re-indexes an unchanged file in place (the app's "nạp lại"), reporting chunk progress
    progress = []
    forced = service.ingest([changed], show_progress=False, force=True,
                            on_chunks=lambda _path, done, total: progress.append((done, total)))
    assert forced.outcomes[0].status == "replaced" and service.store.chunk_count(TINH_AN) == stored.chunks
    assert progress[0] == (0, stored.chunks) and progress[-1] == (stored.chunks, stored.chunks)
    assert main(["ingest", str(changed), "--quiet", "--force"]) == 0
    assert "nạp lại" in capsys.readouterr().out

    assert main(["remove", TINH_AN]) == 0
    capsys.readouterr()
    assert set(listed(capsys)) == {QUANG_MINH}
    assert service.store.chunk_count(TINH_AN) == 0
    assert main(["remove", TINH_AN]) == 1
    assert "Không có báo cáo" in capsys.readouterr().err


def test_identical_content_is_indexed_once(minilm_env, small_corpus, capsys):
    shutil.copy(small_corpus / f"{TINH_AN}.txt", small_corpus / "ban-sao.txt")
    assert main(["ingest", str(small_corpus), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "trùng nội dung: " in out and "ban-sao.txt" in out and TINH_AN in out
    assert set(listed(capsys)) == {TINH_AN, QUANG_MINH}


def test_sentence_transformers_backend_records_its_identity(minilm_env, small_corpus, minilm_path):
    service = BaocaoService(BaocaoSettings())
    service.ingest([small_corpus], show_progress=False)
    identity = service.store.identity
    assert (identity.backend, identity.model, identity.dimension) == ("sentence-transformers", minilm_path, 384)
    assert service.search("camera", k=3)


def test_sentence_transformers_prefixes_are_applied(minilm_path):
    from vectorstore import create_embedding

    plain = create_embedding("sentence-transformers", minilm_path)
    prefixed = create_embedding("sentence-transformers", minilm_path, query_prefix="query: ",
                                passage_prefix="passage: ")
    text = "tiếp nhận 147 vụ khiếu nại"
    assert plain.get_query_embedding(text) == plain.get_text_embedding(text)
    assert prefixed.get_query_embedding(text) != prefixed.get_text_embedding(text)
    assert prefixed.get_query_embedding(text) == plain.get_query_embedding("query: " + text)
    assert prefixed.count_tokens(text) > plain.count_tokens(text)
