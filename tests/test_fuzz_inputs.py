"""Fuzz: a few hundred malformed .txt/.md/.docx/.pdf files (tests/malformed.py) through the ingest
checks (read, size limit, parse, content check, chunk), as `baocao ingest` and the app run them.

Every file must end in one of two ways: a report (the damage left a readable report), or an
`UnreadableReportError` naming that file with a Vietnamese reason and what to do. No other exception
(a crash), nothing printed by a library (pypdf's warnings, a traceback). The bigger run, with its
figures, is benchmarks/fuzz_inputs.py.
"""

from __future__ import annotations

import itertools

import pytest
from malformed import mutants

from ingest import SectionChunker, UnreadableReportError, has_diacritics
from vectorstore.indexer import IngestLimits, ReportIndexer

FILES_PER_SEED = 150


def judge(reason: str) -> list[str]:
    """What is wrong with a refusal's reason (empty when it says why and what to do, in Vietnamese)."""
    problems = []
    if not has_diacritics(reason):
        problems.append("not Vietnamese")
    if "hãy" not in reason:
        problems.append("no advice (hãy …)")
    if "Traceback" in reason or "Error:" in reason:
        problems.append("raw library error")
    return problems


@pytest.mark.parametrize("seed", [11, 12])
def test_malformed_files_are_refused_by_name_with_advice_and_nothing_is_printed(seed, tmp_path, capfd):
    indexer = ReportIndexer(None, None, chunker=SectionChunker(), limits=IngestLimits())
    crashes, unnamed, accepted, refused = [], [], 0, 0
    for name, data in itertools.islice(mutants(seed, tmp_path), FILES_PER_SEED):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            indexer.check_file(path)
            accepted += 1
        except UnreadableReportError as exc:
            refused += 1
            problems = judge(exc.reason) + ([] if exc.path == path else ["names another file"])
            if problems:
                unnamed.append((name, exc.reason, problems))
        except Exception as exc:  # noqa: BLE001 - exactly what the test looks for
            crashes.append((name, f"{type(exc).__name__}: {exc}"))
    printed = capfd.readouterr()
    assert crashes == []
    assert unnamed == []
    assert printed.err == "" and printed.out == ""
    assert accepted + refused == FILES_PER_SEED and refused > FILES_PER_SEED // 2
