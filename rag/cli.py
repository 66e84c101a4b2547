"""`baocao` command line: a thin layer over `BaocaoService`. Output for people is Vietnamese."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.service import BaocaoService
from rag.settings import BaocaoSettings
from vectorstore import EmbeddingMismatchError, IndexUnavailableError, IngestSummary, StoredReport
from vectorstore.indexer import DUPLICATE, FAILED, INDEXED, REPLACED, SKIPPED

LIST_FIELDS = ("report_id", "file", "so_hieu", "issuer", "locality", "locality_level", "province", "date",
               "period", "years", "title", "recipient", "signer", "signer_title", "distribution")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, help="thư mục chỉ mục (mặc định: BAOCAO_DB hoặc data/index)")

    parser = argparse.ArgumentParser(prog="baocao", description="Hỏi đáp có trích dẫn trên các báo cáo của UBND.")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", parents=[common], help="nạp tệp hoặc thư mục báo cáo vào chỉ mục")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--quiet", action="store_true", help="không hiện thanh tiến độ")

    listing = commands.add_parser("list", parents=[common], help="các báo cáo đã nạp")
    listing.add_argument("--json", action="store_true")

    remove = commands.add_parser("remove", parents=[common], help="xóa một báo cáo khỏi chỉ mục")
    remove.add_argument("report_id")

    search = commands.add_parser("search", parents=[common], help="tìm các đoạn liên quan")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=None, help="số đoạn trả về")
    search.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = BaocaoSettings(**({"db": args.db} if args.db else {}))
    service = BaocaoService(settings)
    try:
        return COMMANDS[args.command](service, args)
    except (EmbeddingMismatchError, IndexUnavailableError, ValueError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2


def cmd_ingest(service: BaocaoService, args: argparse.Namespace) -> int:
    summary = service.ingest(args.paths, show_progress=not args.quiet)
    print_ingest_summary(summary)
    return 1 if summary.failed else 0


def print_ingest_summary(summary: IngestSummary) -> None:
    labels = {INDEXED: "đã nạp", REPLACED: "nạp lại (đã thay đổi)", SKIPPED: "bỏ qua (không đổi)",
              DUPLICATE: "trùng nội dung", FAILED: "LỖI"}
    for outcome in summary.outcomes:
        if outcome.status in (INDEXED, REPLACED):
            print(f"  {labels[outcome.status]}: {outcome.path} ({outcome.chunks} đoạn)")
        elif outcome.status in (DUPLICATE, FAILED):
            print(f"  {labels[outcome.status]}: {outcome.path}: {outcome.reason}")
    counts = summary.counts
    print(
        f"Tổng: {len(summary.outcomes)} tệp, {counts[INDEXED] + counts[REPLACED]} đã nạp, "
        f"{summary.chunks} đoạn, {counts[SKIPPED]} bỏ qua, {counts[DUPLICATE]} trùng, {counts[FAILED]} lỗi; "
        f"{summary.seconds:.1f} giây ({summary.chunks_per_second:.1f} đoạn/giây, "
        f"nhúng {summary.embed_seconds:.1f} giây)"
    )


def report_record(report: StoredReport) -> dict:
    record = report.metadata.model_dump(include=set(LIST_FIELDS))
    record["chunks"] = report.chunks
    record["status"] = report.status
    return {key: record[key] for key in (*LIST_FIELDS, "chunks", "status")}


def cmd_list(service: BaocaoService, args: argparse.Namespace) -> int:
    reports = service.list_reports()
    if args.json:
        print(json.dumps({"reports": [report_record(r) for r in reports]}, ensure_ascii=False, indent=2))
        return 0
    if not reports:
        print("Chỉ mục chưa có báo cáo nào. Hãy nạp: baocao ingest data/reports")
        return 0
    for r in reports:
        m = r.metadata
        status = "" if r.status == "complete" else "  [đang nạp dở: hãy chạy lại baocao ingest]"
        print(f"{m.report_id}  {m.so_hieu or '(không số)'}  {m.date or '(không ngày)'}  {m.locality}"
              f"{', ' + m.province if m.province else ''}  [{m.period}]  {r.chunks} đoạn{status}")
        print(f"    {m.title}")
    return 0


def cmd_remove(service: BaocaoService, args: argparse.Namespace) -> int:
    if service.remove(args.report_id):
        print(f"Đã xóa báo cáo {args.report_id} khỏi chỉ mục.")
        return 0
    print(f"Không có báo cáo '{args.report_id}' trong chỉ mục (xem: baocao list).", file=sys.stderr)
    return 1


def cmd_search(service: BaocaoService, args: argparse.Namespace) -> int:
    results = service.search(args.query, k=args.k)
    if args.json:
        payload = {"query": args.query, "results": [r.to_dict() for r in results]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if not results:
        print("Không tìm thấy đoạn nào (chỉ mục có thể đang trống).")
    for rank, r in enumerate(results, 1):
        print(f"[{rank}] {r.score:.3f}  {r.report_id}  {r.section} — {r.section_title[:80]}")
        print(f"    {r.text[:300]}{'…' if len(r.text) > 300 else ''}")
    return 0


COMMANDS = {"ingest": cmd_ingest, "list": cmd_list, "remove": cmd_remove, "search": cmd_search}

if __name__ == "__main__":
    sys.exit(main())
