"""Issue 11, one test per failure found by probing as an attacker and a careless user would:
files outside what the user chose, bad input refused with a Vietnamese reason, size limits,
a report left half-indexed, a second writer process, an incomplete report in an answer, and roles.
The app's side (uploads by path, roles through the API) is in tests/test_ui_app.py and the browser
test; the fuzz run in tests/test_fuzz_inputs.py."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from malformed import bad_deflate_docx, deep_xml_docx, future_zip_version_docx, html_page, huge_xref_pdf, seed_docx, seed_pdf

from conftest import QUANG_MINH, TINH_AN, report_path
from ingest import parse_report
from rag import BaocaoService, BaocaoSettings
from baocao_cli import main


def ingest_lines(capsys, *args: str) -> tuple[int, str]:
    code = main(["ingest", *args, "--quiet"])
    return code, capsys.readouterr().out


def indexed_ids() -> list[str]:
    return [r.report_id for r in BaocaoService(BaocaoSettings()).list_reports()]


# --- 1. symlinks ---------------------------------------------------------------------------------

def test_a_symlink_out_of_the_folder_is_refused_and_one_inside_is_read(minilm_env, tmp_path, capsys):
    secret_dir = tmp_path / "ngoai"
    secret_dir.mkdir()
    secret = shutil.copy(report_path(QUANG_MINH), secret_dir / "bi-mat.txt")
    folder = tmp_path / "bao-cao"
    folder.mkdir()
    shutil.copy(report_path(TINH_AN), folder)
    (folder / "lay-trom.txt").symlink_to(secret)
    (folder / "ban-sao.txt").symlink_to(folder / f"{TINH_AN}.txt")  # inside: read (a duplicate of it)
    code, out = ingest_lines(capsys, str(folder))
    assert code == 1
    line = next(line for line in out.splitlines() if "lay-trom.txt" in line)
    assert "LỖI" in line and "trỏ ra ngoài thư mục đã chọn" in line and "hãy chép" in line
    assert "trùng nội dung" in out and "ban-sao.txt" in out
    assert indexed_ids() == [TINH_AN]


def test_a_pipe_in_a_folder_is_refused_without_waiting(minilm_env, tmp_path, capsys):
    folder = tmp_path / "bao-cao"
    folder.mkdir()
    os.mkfifo(folder / "ong.txt")
    code, out = ingest_lines(capsys, str(folder))
    assert code == 1 and "ong.txt: không phải tệp thường" in out


# --- 5. junk ---------------------------------------------------------------------------------------

def test_junk_is_refused_with_a_reason_and_html_is_read_as_text(minilm_env, tmp_path, capsys):
    folder = tmp_path / "rac"
    folder.mkdir()
    (folder / "mot-byte.md").write_bytes(b"x")
    (folder / "chi-de-muc.md").write_text("\n\n".join(
        f"{'#' * (i % 3 + 1)} {line[:50]}" for i, line in enumerate(report_path(TINH_AN).read_text().splitlines()[:40])
        if line.strip()), encoding="utf-8")
    (folder / "the-html.txt").write_text("<div><span>" * 300, encoding="utf-8")
    (folder / "tieng-anh.txt").write_text("The committee reviewed the results and approved the plan. " * 30)
    (folder / "trang-web.txt").write_text(html_page(report_path(TINH_AN).read_text(encoding="utf-8")),
                                          encoding="utf-8")
    not_a_file = tmp_path / "x.txt"
    not_a_file.mkdir()
    code, out = ingest_lines(capsys, str(folder), str(not_a_file))
    assert code == 1
    reasons = {"mot-byte.md": "gần như không có nội dung", "chi-de-muc.md": "gần như không có nội dung",
               "the-html.txt": "không có nội dung văn bản", "tieng-anh.txt": "không phải văn bản tiếng Việt",
               "x.txt": "thư mục không có tệp nào để nạp"}
    errors = [line for line in out.splitlines() if line.strip().startswith("LỖI")]
    assert len(errors) == len(reasons), out
    for name, reason in reasons.items():
        assert any(name in line and reason in line and "hãy" in line for line in errors), (name, out)
    assert "đã nạp:" in out and "trang-web.txt" in out  # the web page's text, without its tags
    assert indexed_ids() == ["trang-web"]
    main(["search", "window dataLayer script style", "--json"])
    results = json.loads(capsys.readouterr().out)["results"]
    assert not any("<" in r["text"] or "dataLayer" in r["text"] for r in results)


# --- 4. size limits --------------------------------------------------------------------------------

def test_files_over_the_size_or_chunk_limit_are_refused_with_the_setting_to_change(minilm_env, monkeypatch,
                                                                                    small_corpus, capsys):
    monkeypatch.setenv("BAOCAO_MAX_FILE_MB", "0.02")  # 20 KB: Tịnh An (about 20 KB) passes, Quảng Minh not
    code, out = ingest_lines(capsys, str(small_corpus))
    assert code == 1
    line = next(line for line in out.splitlines() if QUANG_MINH in line)
    assert "tệp quá lớn" in line and "BAOCAO_MAX_FILE_MB" in line and "hãy tách" in line
    monkeypatch.setenv("BAOCAO_MAX_FILE_MB", "50")
    monkeypatch.setenv("BAOCAO_MAX_CHUNKS_PER_FILE", "5")
    code, out = ingest_lines(capsys, str(small_corpus / f"{QUANG_MINH}.txt"))
    assert code == 1 and "quá giới hạn 5 đoạn mỗi tệp" in out and "BAOCAO_MAX_CHUNKS_PER_FILE" in out


# --- 6. messages -----------------------------------------------------------------------------------

def test_library_errors_become_vietnamese_advice_and_library_warnings_are_not_printed(minilm_env, tmp_path, capfd):
    folder = tmp_path / "hong"
    folder.mkdir()
    docx, pdf = seed_docx(tmp_path), seed_pdf(tmp_path)
    files = {"sau-qua.docx": deep_xml_docx(docx), "nen-hong.docx": bad_deflate_docx(docx),
             "zip-moi.docx": future_zip_version_docx(docx), "xref.pdf": huge_xref_pdf(pdf),
             "cat-cut.pdf": pdf[: len(pdf) * 2 // 3]}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    capfd.readouterr()
    code = main(["ingest", str(folder), "--quiet"])
    out, err = capfd.readouterr()
    assert code == 1
    errors = [line for line in out.splitlines() if line.strip().startswith("LỖI")]
    assert len(errors) == len(files), out
    for line in errors:
        assert "hãy" in line, line
        for raw in ("Excessive depth", "Error -3", "zip file version", "exceeds allowed limit", "Declared size"):
            assert raw not in line, line
    # pypdf's "Invalid/Truncated xref table. Rebuilding it." and the like are captured, not printed
    assert "xref" not in err and "pypdf" not in err and "Traceback" not in err, err


def test_a_report_left_half_indexed_is_completed_with_its_own_label(minilm_env, small_corpus, capsys):
    from vectorstore.chroma_store import STATUS_INDEXING

    assert ingest_lines(capsys, str(small_corpus))[0] == 0
    service = BaocaoService(BaocaoSettings())
    report = parse_report(small_corpus / f"{TINH_AN}.txt")
    service.store._set_report(report, STATUS_INDEXING, 3)  # what a crash between two writes leaves
    code, out = ingest_lines(capsys, str(small_corpus))
    assert code == 0
    line = next(line for line in out.splitlines() if TINH_AN in line)
    assert "nạp lại (lần nạp trước bị dở)" in line and "đã thay đổi" not in line


# --- 7. a half-indexed report in an answer ---------------------------------------------------------

def test_a_question_about_a_half_indexed_report_says_so_instead_of_quoting_another_place(minilm_env, small_corpus,
                                                                                         capsys):
    from vectorstore.chroma_store import STATUS_INDEXING

    assert ingest_lines(capsys, str(small_corpus))[0] == 0
    service = BaocaoService(BaocaoSettings())
    report = parse_report(small_corpus / f"{TINH_AN}.txt")
    # what a crash right after marking the report and before writing its chunks leaves
    service.store._set_report(report, STATUS_INDEXING, 40)
    service.store._chunks.delete(where={"report_id": TINH_AN})
    service.store.lexical.remove_report(TINH_AN)
    answer = service.ask("Năm 2023 xã Tịnh An giảm được bao nhiêu hộ nghèo?")
    assert answer.abstained
    assert "xã Tịnh An đang được nạp dở; hãy nạp lại" in answer.answer
    assert not answer.citations
    assert not any("đã tìm trong mọi báo cáo" in n for n in answer.notices)


# --- 3. a second writer process --------------------------------------------------------------------

def test_a_service_sees_what_another_process_ingests_and_removes(minilm_env, small_corpus, capsys):
    import subprocess
    import sys

    from rag import QueryFilters

    assert ingest_lines(capsys, str(small_corpus / f"{TINH_AN}.txt"))[0] == 0
    service = BaocaoService(BaocaoSettings())  # stays open, like `baocao serve`
    assert service.search("hộ nghèo", k=3)

    def other_process(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "baocao_cli", *args], capture_output=True, text=True,
                              env=os.environ.copy(), timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]

    other_process("ingest", str(small_corpus / f"{QUANG_MINH}.txt"), "--quiet")
    hits = service.search("quy chế dân chủ ở cơ sở", k=5, filters=QueryFilters(report_ids=(QUANG_MINH,)))
    assert hits and {h.report_id for h in hits} == {QUANG_MINH}
    answer = service.ask("Phường Quảng Minh thực hiện quy chế dân chủ ở cơ sở như thế nào?")
    assert any(c.report_id == QUANG_MINH for c in answer.citations) or any(
        p.report_id == QUANG_MINH for p in answer.retrieved)
    assert service.store.reopened >= 1

    other_process("remove", TINH_AN)
    assert [r.report_id for r in service.list_reports()] == [QUANG_MINH]
    assert all(h.report_id == QUANG_MINH for h in service.search("hộ nghèo xã Tịnh An", k=5))
