"""Fuzz the ingest checks with many malformed files (the bigger run of tests/test_fuzz_inputs.py).

    python benchmarks/fuzz_inputs.py                  # 2,000 files, seeds 1..
    python benchmarks/fuzz_inputs.py --files 5000 --seed 7

Each generated .txt/.md/.docx/.pdf (tests/malformed.py: truncations, byte flips, damaged zip and
deflate streams, XML too deep, zip versions from the future, PDF cross-reference and stream bombs,
HTML pages, headings only, other languages, …) goes through what `baocao ingest` does before
embedding (`ReportIndexer.check_file`: size limit, read, parse, content check, chunk). It counts:
accepted files, refusals, crashes (any exception other than UnreadableReportError), unnamed
refusals (a reason without Vietnamese advice, or naming another file), bytes written to stderr by
the libraries, and the slowest file.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import itertools
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from malformed import mutants  # noqa: E402
from test_fuzz_inputs import judge  # noqa: E402

from ingest import SectionChunker, UnreadableReportError  # noqa: E402
from vectorstore.indexer import IngestLimits, ReportIndexer  # noqa: E402


def run(files: int, seed: int) -> dict:
    indexer = ReportIndexer(None, None, chunker=SectionChunker(), limits=IngestLimits())
    counts: collections.Counter = collections.Counter()
    crashes, unnamed, kinds = [], [], collections.Counter()
    slowest = (0.0, "")
    err = io.StringIO()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stderr(err):
        stderr_fd = os.dup(2)
        devnull_log = Path(folder) / "stderr.log"
        with open(devnull_log, "wb") as sink:
            os.dup2(sink.fileno(), 2)  # what C code or a library prints straight to the terminal
            try:
                for name, data in itertools.islice(mutants(seed, Path(folder)), files):
                    path = Path(folder) / name
                    path.write_bytes(data)
                    kinds[name.split("-", 1)[1]] += 1
                    one = time.perf_counter()
                    try:
                        indexer.check_file(path)
                        counts["accepted"] += 1
                    except UnreadableReportError as exc:
                        counts["refused"] += 1
                        problems = judge(exc.reason) + ([] if exc.path == path else ["names another file"])
                        if problems:
                            unnamed.append((name, exc.reason, problems))
                    except Exception as exc:  # noqa: BLE001 - what the fuzz looks for
                        crashes.append((name, f"{type(exc).__name__}: {exc}"))
                    spent = time.perf_counter() - one
                    slowest = max(slowest, (spent, name))
                    path.unlink()
            finally:
                os.dup2(stderr_fd, 2)
                os.close(stderr_fd)
        printed = devnull_log.read_bytes().decode("utf-8", "replace") + err.getvalue()
    return {"files": files, "seed": seed, "seconds": time.perf_counter() - started, **counts,
            "crashes": crashes, "unnamed": unnamed, "stderr_bytes": len(printed), "stderr_head": printed[:500],
            "slowest": slowest, "kinds": len(kinds)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = run(args.files, args.seed)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{result['files']} files ({result['kinds']} kinds of damage), seed {result['seed']}, "
          f"{result['seconds']:.1f} s: {result.get('accepted', 0)} accepted, {result.get('refused', 0)} refused, "
          f"{len(result['crashes'])} crashes, {len(result['unnamed'])} unnamed refusals, "
          f"{result['stderr_bytes']} bytes printed by libraries; slowest file {result['slowest'][1]} "
          f"{result['slowest'][0]:.2f} s")
    for name, error in result["crashes"][:20]:
        print(f"  CRASH {name}: {error}")
    for name, reason, problems in result["unnamed"][:20]:
        print(f"  UNNAMED {name}: {reason} ({', '.join(problems)})")
    if result["stderr_bytes"]:
        print(f"  stderr: {result['stderr_head']!r}")
    return 1 if result["crashes"] or result["unnamed"] or result["stderr_bytes"] else 0


if __name__ == "__main__":
    sys.exit(main())
