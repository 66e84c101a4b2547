"""Bad input is reported by file with a reason, skipped, and never stops the batch or harms the index."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile

import pytest

from conftest import ALL_REPORTS, QUANG_MINH, TINH_AN, report_path
from documents import write_pdf, write_scanned_pdf
from rag import BaocaoService, BaocaoSettings
from baocao_cli import main


@pytest.fixture
def bad_folder(tmp_path):
    folder = tmp_path / "lo-bao-cao"
    folder.mkdir()
    shutil.copy(report_path(TINH_AN), folder)
    (folder / "rong.txt").write_bytes(b"")
    (folder / "hong.docx").write_bytes(b"PK\x03\x04 not really a zip archive")
    with zipfile.ZipFile(folder / "khong-phai-word.docx", "w") as archive:
        archive.writestr("hello.txt", "a zip without a Word document inside")
    write_pdf(report_path(TINH_AN), folder / "mat-khau.pdf", password="bi-mat")
    write_scanned_pdf(folder / "ban-scan.pdf")
    (folder / "nhi-phan.txt").write_bytes(bytes(range(256)) * 40)
    legacy = "Báo cáo kết quả thực hiện công tác dân vận năm 2024 của UBND xã.\n"
    (folder / "ma-cu.txt").write_bytes(legacy.encode("cp1258", errors="replace"))
    (folder / "bang-tinh.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "lien-ket-hong.txt").symlink_to(folder / "khong-ton-tai.txt")
    return folder


def test_every_bad_file_is_reported_and_the_rest_ingested(minilm_env, bad_folder, tmp_path, capsys):
    missing = tmp_path / "khong-co.txt"
    code = main(["ingest", str(bad_folder), str(missing), "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    expected_reasons = {
        "rong.txt": "tệp rỗng",
        "hong.docx": "tệp .docx bị hỏng",
        "khong-phai-word.docx": "tệp .docx bị hỏng",
        "mat-khau.pdf": "PDF được đặt mật khẩu",
        "ban-scan.pdf": "PDF không có lớp văn bản",
        "nhi-phan.txt": "tệp nhị phân",
        "ma-cu.txt": "không phải mã UTF-8",
        "bang-tinh.xlsx": "định dạng '.xlsx' không được hỗ trợ",
        "lien-ket-hong.txt": "không tìm thấy tệp",
        "khong-co.txt": "không tìm thấy tệp",
    }
    error_lines = [line for line in out.splitlines() if line.strip().startswith("LỖI")]
    assert len(error_lines) == len(expected_reasons)
    for name, reason in expected_reasons.items():
        assert any(name in line and reason in line for line in error_lines), (name, out)
    assert f"đã nạp: {bad_folder / (TINH_AN + '.txt')}" in out
    assert main(["list", "--json"]) == 0
    assert [r["report_id"] for r in json.loads(capsys.readouterr().out)["reports"]] == [TINH_AN]


def test_unreadable_path_is_reported(minilm_env, tmp_path, capsys):
    """Without read permission (or, for root, who reads anything, a path through a plain file)."""
    target = tmp_path / "khoa.txt"
    shutil.copy(report_path(TINH_AN), target)
    if os.geteuid() == 0:
        target, reason = target / "ben-trong.txt", "không đọc được tệp"
    else:
        target.chmod(0)
        reason = "không có quyền đọc"
    assert main(["ingest", str(target), "--quiet"]) == 1
    assert reason in capsys.readouterr().out


def test_a_bad_file_does_not_touch_what_is_indexed(minilm_env, small_corpus, tmp_path, capsys):
    assert main(["ingest", str(small_corpus), "--quiet"]) == 0
    before = BaocaoService(BaocaoSettings()).store.chunk_count()
    broken = tmp_path / f"{TINH_AN}.docx"  # same report id as an indexed report, but corrupt
    broken.write_bytes(b"garbage")
    assert main(["ingest", str(broken), "--quiet"]) == 1
    capsys.readouterr()
    service = BaocaoService(BaocaoSettings())
    assert service.store.chunk_count() == before
    assert service.store.get_report(TINH_AN).status == "complete"


def test_sigkill_mid_ingest_leaves_a_usable_index_that_the_next_run_completes(minilm_env, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for report_id in ALL_REPORTS:
        shutil.copy(report_path(report_id), corpus)
    command = [sys.executable, "-m", "baocao_cli", "ingest", str(corpus)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    progress = bytearray()

    def read_progress():
        while chunk := process.stderr.read(1):
            progress.extend(chunk)

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while b"2/5" not in progress and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # into the third report: embedding or writing its chunks
    assert process.poll() is None, "ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    reader.join(timeout=5)

    service = BaocaoService(BaocaoSettings())
    stored = {r.report_id: r for r in service.list_reports()}
    assert len([r for r in stored.values() if r.status == "complete"]) >= 2
    assert service.search("khiếu nại", k=3)  # the index answers

    summary = BaocaoService(BaocaoSettings()).ingest([corpus], show_progress=False)
    assert not summary.failed
    service = BaocaoService(BaocaoSettings())
    reports = service.list_reports()
    assert [r.report_id for r in reports] == list(ALL_REPORTS)
    for report in reports:
        assert report.status == "complete"
        assert service.store.chunk_count(report.report_id) == report.chunks
