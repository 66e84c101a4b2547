"""OCR of scanned sample reports: resolution vs accuracy and time, and a scan vs its text on the eval set.

    python benchmarks/ocr_accuracy.py --dpi 150 200 300 --pages 2       # resolution trade-off
    python benchmarks/ocr_accuracy.py --report 004_1ba10a35eaeb2799 --eval   # + held questions, scan vs text

Scans are drawn like the suite's (tests/real_world_documents.py): the report laid out in DejaVu Sans,
each page rasterised at 200 dpi with a slight tilt, blur and speckles, and put back as a page image.
Character accuracy is difflib's ratio between the OCR text and the report's own text over the same
words (both whitespace-normalised); seconds per page are wall time with ingest/ocr.py's parallel
single-threaded Tesseract processes (2 cores here). With --eval, two indexes are built (the .txt and
the scanned PDF, each alone, default embedding backend) and the questions of evals/datasets/test.jsonl
whose gold report is that report are asked of each; all-facts is the share whose answer holds every
`must_include` string.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ingest.ocr import ocr_pdf_pages  # noqa: E402
from real_world_documents import write_scanned_text_pdf  # noqa: E402


def accuracy(reference: str, ocr: str) -> float:
    ocr_words = ocr.split()
    reference = " ".join(reference.split()[: len(ocr_words)])
    return difflib.SequenceMatcher(None, reference, " ".join(ocr_words), autojunk=False).ratio()


def resolution_sweep(report: Path, dpis: list[int], pages: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        scan = write_scanned_text_pdf(report, Path(folder) / "scan.pdf", max_pages=pages)
        data = scan.read_bytes()
        text = report.read_text(encoding="utf-8")
        print(f"| dpi | character accuracy | s/page ({os.cpu_count()} cores) |")
        print("| --- | --- | --- |")
        for dpi in dpis:
            start = time.perf_counter()
            texts = ocr_pdf_pages(data, list(range(pages)), dpi=dpi)
            elapsed = (time.perf_counter() - start) / pages
            ocr = " ".join(texts[p] for p in sorted(texts))
            print(f"| {dpi} | {accuracy(text, ocr):.4f} | {elapsed:.2f} |")


def eval_scan_vs_text(report_id: str) -> None:
    from rag import BaocaoService, BaocaoSettings

    report = ROOT / "data" / "reports" / f"{report_id}.txt"
    questions = [json.loads(line) for line in (ROOT / "evals" / "datasets" / "test.jsonl").read_text().splitlines()
                 if line.strip()]
    questions = [q for q in questions if q.get("answerable") and q.get("reports") == [report_id]]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "text").mkdir()
        (work / "scan").mkdir()
        (work / "text" / report.name).write_bytes(report.read_bytes())
        start = time.perf_counter()
        write_scanned_text_pdf(report, work / "scan" / f"{report_id}.pdf")
        results = {}
        for kind in ("text", "scan"):
            service = BaocaoService(BaocaoSettings(db=work / f"index-{kind}"))
            t0 = time.perf_counter()
            summary = service.ingest([work / kind], show_progress=False)
            assert not summary.failed, summary.failed
            ingest_s = time.perf_counter() - t0
            hits = 0
            for q in questions:
                answer = service.ask(q["question"])
                ok = all(fact in answer.answer for fact in q["must_include"])
                hits += ok
                if not ok:
                    print(f"  [{kind}] miss {q['id']}: {q['must_include']} — {answer.answer[:120]!r}")
            results[kind] = (hits, ingest_s)
        print(f"questions on {report_id}: {len(questions)} (drawn in {time.perf_counter() - start:.0f} s in all)")
        for kind, (hits, ingest_s) in results.items():
            print(f"  {kind}: all facts {hits}/{len(questions)} = {hits / max(1, len(questions)):.3f}, ingest {ingest_s:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", default="004_1ba10a35eaeb2799")
    parser.add_argument("--dpi", type=int, nargs="*", default=[150, 200, 300])
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--eval", action="store_true", help="also compare the held questions, scan vs text")
    args = parser.parse_args()
    if args.dpi:
        resolution_sweep(ROOT / "data" / "reports" / f"{args.report}.txt", args.dpi, args.pages)
    if args.eval:
        eval_scan_vs_text(args.report)


if __name__ == "__main__":
    main()
