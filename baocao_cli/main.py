"""`baocao` command line: a thin layer over `BaocaoService`. Output for people is Vietnamese.

The composition root (see `baocao_cli/__init__.py`): the app (ui) and the evaluation (evals) are
imported inside their commands only so that `baocao ask` does not pay for loading Gradio."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from rag.schema import QueryFilters
from rag.service import BaocaoService
from rag.settings import BaocaoSettings
from vectorstore import EmbeddingMismatchError, IndexUnavailableError, IngestSummary, StoredReport
from vectorstore.indexer import COMPLETED, DUPLICATE, FAILED, INDEXED, REPLACED, SKIPPED, WRITTEN

LIST_FIELDS = ("report_id", "file", "so_hieu", "issuer", "locality", "locality_level", "province", "current_province",
               "date", "document_type", "period", "period_start", "period_end", "period_granularity",
               "period_cumulative", "years", "title", "recipient", "signer", "signer_title", "distribution")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, help="thư mục chỉ mục (mặc định: BAOCAO_DB hoặc data/index)")

    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--report", action="append", default=[], metavar="REPORT_ID",
                         help="chỉ dùng báo cáo này (lặp lại được)")
    filters.add_argument("--locality", action="append", default=[], help="chỉ dùng báo cáo của địa phương này")
    filters.add_argument("--year", action="append", type=int, default=[], help="chỉ dùng báo cáo của năm này")

    parser = argparse.ArgumentParser(prog="baocao", description="Hỏi đáp có trích dẫn trên các báo cáo của UBND.")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", parents=[common], help="nạp tệp hoặc thư mục báo cáo vào chỉ mục")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--quiet", action="store_true", help="không hiện thanh tiến độ")
    ingest.add_argument("--force", action="store_true", help="nạp lại cả các tệp không thay đổi")

    listing = commands.add_parser("list", parents=[common], help="các báo cáo đã nạp")
    listing.add_argument("--json", action="store_true")

    remove = commands.add_parser("remove", parents=[common], help="xóa một báo cáo khỏi chỉ mục")
    remove.add_argument("report_id")

    search = commands.add_parser("search", parents=[common, filters], help="tìm các đoạn liên quan")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=None, help="số đoạn trả về")
    search.add_argument("--json", action="store_true")

    ask = commands.add_parser("ask", parents=[common, filters], help="đặt câu hỏi, nhận câu trả lời có trích dẫn")
    ask.add_argument("question")
    ask.add_argument("-k", type=int, default=None, help="số đoạn lấy về")
    ask.add_argument("--json", action="store_true")

    precedents = commands.add_parser(
        "precedents", parents=[common], help="tìm tiền lệ: các báo cáo đã làm việc này, mỗi báo cáo một dòng",
        description="Mỗi báo cáo một dòng, tốt nhất trước: báo cáo mô tả việc đã làm xếp trên báo cáo chỉ nhắc qua.")
    precedents.add_argument("topic", help="chủ đề, ví dụ: \"những địa phương nào đã xây dựng mô hình Dân vận khéo?\"")
    precedents.add_argument("-k", type=int, default=10, help="số báo cáo tối đa (mặc định 10)")
    precedents.add_argument("--json", action="store_true")
    precedents.add_argument("--level", action="append", default=[],
                            help="cấp: xã, phường, thị trấn, huyện, quận, thị xã, thành phố, tỉnh (lặp lại được)")
    precedents.add_argument("--province", action="append", default=[], help="tỉnh/thành (trước hoặc sau sáp nhập)")
    precedents.add_argument("--year", action="append", type=int, default=[], help="năm của kỳ báo cáo")
    precedents.add_argument("--period", default="", help="kỳ báo cáo, ví dụ \"6 tháng đầu năm 2024\", \"quý I/2025\"")
    precedents.add_argument("--report", action="append", default=[], metavar="REPORT_ID", help="chỉ trong báo cáo này")
    precedents.add_argument("--figures", action="store_true",
                            help="bảng so sánh một số liệu giữa các nơi/kỳ: mỗi báo cáo một dòng với số liệu, "
                                 "đơn vị, kỳ và trích dẫn (dòng không có số liệu đúng loại và kỳ thì ghi rõ)")
    precedents.add_argument("--export", type=Path, metavar="FILE",
                            help="ghi kết quả ra tệp .csv, .xlsx (để phân tích) hoặc .docx (làm công văn)")

    serve = commands.add_parser("serve", parents=[common], help="mở ứng dụng web hỏi đáp")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)

    hashing = commands.add_parser(
        "hash-password", help="băm mật khẩu để ghi vào tệp BAOCAO_AUTH (tên:mã_băm:vai_trò)",
        description="In dạng băm (scrypt) của một mật khẩu; ghi vào tệp BAOCAO_AUTH thay cho mật khẩu.")
    hashing.add_argument("--stdin", action="store_true", help="đọc mật khẩu từ đầu vào chuẩn (không hỏi)")

    evaluate = commands.add_parser(
        "eval", parents=[common], help="chạy bộ câu hỏi đánh giá, in chỉ số theo loại câu hỏi",
        description="Chạy một bộ câu hỏi đánh giá (JSON Lines theo DESIGN.md) qua hệ thống, in bảng chỉ số "
                    "theo loại; --gate trả mã 1 khi chỉ số dưới ngưỡng hoặc tụt quá biên so với baseline.")
    evaluate.add_argument("--dataset", type=Path, action="append",
                          help="tệp bộ câu hỏi .jsonl (lặp lại được; mặc định: evals/datasets/<split>.jsonl)")
    evaluate.add_argument("--split", choices=("dev", "test", "all"), default=None,
                          help="bộ câu hỏi của dự án (mặc định: test)")
    evaluate.add_argument("--output", type=Path, help="ghi kết quả từng câu (JSON Lines) vào tệp này")
    evaluate.add_argument("--json", action="store_true", help="in chỉ số tổng hợp dạng JSON")
    evaluate.add_argument("--gate", action="store_true",
                          help="so với ngưỡng và baseline; mã thoát 1 nếu không đạt")
    evaluate.add_argument("--report", type=Path, help="ghi trang HTML báo cáo kết quả vào tệp này")
    evaluate.add_argument("-k", type=int, default=10, help="số đoạn lấy về cho mỗi câu (mặc định 10)")
    evaluate.add_argument("--thresholds", type=Path, help="tệp ngưỡng (mặc định: evals/thresholds.toml)")
    evaluate.add_argument("--baseline", type=Path,
                          help="tệp baseline (mặc định: evals/baseline/<split>.jsonl khi dùng --split)")
    evaluate.add_argument("--write-baseline", action="store_true",
                          help="ghi kết quả lần chạy này làm baseline mới (evals/baseline/<split>.jsonl)")
    evaluate.add_argument("--quiet", action="store_true", help="không hiện thanh tiến độ")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = BaocaoSettings(**({"db": args.db} if getattr(args, "db", None) else {}))
    service = BaocaoService(settings)
    try:
        return COMMANDS[args.command](service, args)
    except (EmbeddingMismatchError, IndexUnavailableError, ValueError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and cut short: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def cmd_ingest(service: BaocaoService, args: argparse.Namespace) -> int:
    summary = service.ingest(args.paths, show_progress=not args.quiet, force=args.force)
    print_ingest_summary(summary)
    return 1 if summary.failed else 0


def print_ingest_summary(summary: IngestSummary) -> None:
    labels = {INDEXED: "đã nạp", REPLACED: "nạp lại (đã thay đổi)", SKIPPED: "bỏ qua (không đổi)",
              COMPLETED: "nạp lại (lần nạp trước bị dở)", DUPLICATE: "trùng nội dung", FAILED: "LỖI"}
    for outcome in summary.outcomes:
        if outcome.status in WRITTEN:
            print(f"  {labels[outcome.status]}: {outcome.path} ({outcome.chunks} đoạn)")
        elif outcome.status in (DUPLICATE, FAILED):
            print(f"  {labels[outcome.status]}: {outcome.path}: {outcome.reason}")
    counts = summary.counts
    print(
        f"Tổng: {len(summary.outcomes)} tệp, {sum(counts[s] for s in WRITTEN)} đã nạp, "
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
        span = f" {m.period_start}..{m.period_end} ({m.period_granularity})" if m.period_granularity else ""
        print(f"{m.report_id}  {m.document_type or '(không rõ loại)'}  {m.so_hieu or '(không số)'}  "
              f"{m.date or '(không ngày)'}  {m.locality}{', ' + m.province if m.province else ''}  "
              f"[{m.period or 'kỳ không rõ'}{span}]  {r.chunks} đoạn{status}")
        print(f"    {m.title}")
    return 0


def cmd_remove(service: BaocaoService, args: argparse.Namespace) -> int:
    if service.remove(args.report_id):
        print(f"Đã xóa báo cáo {args.report_id} khỏi chỉ mục.")
        return 0
    print(f"Không có báo cáo '{args.report_id}' trong chỉ mục (xem: baocao list).", file=sys.stderr)
    return 1


def cmd_search(service: BaocaoService, args: argparse.Namespace) -> int:
    results = service.search(args.query, k=args.k, filters=filters_from_args(args))
    if args.json:
        payload = {"query": args.query, "results": [r.to_search_dict() for r in results]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if not results:
        print("Không tìm thấy đoạn nào (chỉ mục có thể đang trống).")
    for rank, r in enumerate(results, 1):
        print(f"[{rank}] {r.score:.3f}  {r.report_id}  {r.section} — {r.section_title[:80]}")
        print(f"    {r.text[:300]}{'…' if len(r.text) > 300 else ''}")
    return 0


def filters_from_args(args: argparse.Namespace) -> QueryFilters:
    return QueryFilters(report_ids=tuple(args.report), localities=tuple(args.locality), years=tuple(args.year))


def cmd_ask(service: BaocaoService, args: argparse.Namespace) -> int:
    answer = service.ask(args.question, filters=filters_from_args(args), k=args.k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    for notice in answer.notices:
        print(f"(!) {notice}")
    print(answer.to_plain_text())
    if answer.abstained and answer.retrieved:
        print("\nCác đoạn gần nhất:")
        for p in answer.retrieved[:3]:
            print(f"  {p.report_id} mục {p.section or '(mở đầu)'}: {p.text[:200]}…")
    return 0


def cmd_precedents(service: BaocaoService, args: argparse.Namespace) -> int:
    from rag.precedent_exports import FORMATS, PrecedentTable, export
    from rag.precedents import PrecedentFilters

    if args.k < 1:
        print("Lỗi: -k phải là số nguyên dương.", file=sys.stderr)
        return 2
    if args.export and args.export.suffix.lower() not in FORMATS:
        print(f"Lỗi: --export {args.export}: chỉ hỗ trợ {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    filters = PrecedentFilters(levels=tuple(args.level), provinces=tuple(args.province), years=tuple(args.year),
                               period=args.period, report_ids=tuple(args.report))
    if args.figures:
        return _print_figures(service.compare_figures(args.topic, filters, k=args.k), args)
    result = service.precedents(args.topic, filters, k=args.k)
    human = sys.stderr if args.json else sys.stdout
    if args.export:
        written = export(PrecedentTable(result), args.export)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for notice in result.notices:
            print(f"(!) {notice}")
        if not result.rows and not result.mentions:
            print(f"Không tìm thấy báo cáo nào về “{result.topic or args.topic}”.")
        elif not result.rows:
            print(f"Không báo cáo nào mô tả việc đã làm về “{result.topic or args.topic}”; các báo cáo chỉ nhắc qua:")
        for rank, row in enumerate([*result.rows, *result.mentions], 1):
            if rank == len(result.rows) + 1 and result.rows:
                print("Các báo cáo chỉ nhắc qua:")
            where = ", ".join(part for part in (row.locality, row.province if row.province not in row.locality else "")
                              if part)
            print(f"[{rank}] {row.score:.3f} ({row.kind_label})  {where or '(không rõ địa phương)'}  "
                  f"{row.document_type} {row.period}  {row.report_id}")
            print(f"    {row.citation()}")
            print(f"    “{row.quote[:300]}{'…' if len(row.quote) > 300 else ''}”")
    if args.export:
        print(f"Đã ghi {len(result.rows) + len(result.mentions)} dòng vào {written}", file=human)
    return 0


def _print_figures(table, args: argparse.Namespace) -> int:
    from rag.precedent_exports import FigureExportTable, export

    if args.export:
        written = export(FigureExportTable(table), args.export)
    if args.json:
        print(json.dumps(table.to_dict(), ensure_ascii=False, indent=2))
    else:
        for notice in table.notices:
            print(f"(!) {notice}")
        if not table.rows:
            print("Không tìm thấy báo cáo nào về chủ đề này.")
        for rank, row in enumerate(table.rows, 1):
            figure = f"{row.value} {row.unit}".strip() if row.found else "—"
            print(f"[{rank}] {row.locality or row.report_id}  ({row.report_period})  {figure}"
                  f"{'  [' + row.period + ']' if row.found and row.period else ''}")
            print(f"    {row.answer[:300]}")
            if row.citation:
                print(f"    Nguồn: {row.citation}")
    if args.export:
        print(f"Đã ghi {len(table.rows)} dòng vào {written}", file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_serve(service: BaocaoService, args: argparse.Namespace) -> int:
    from ui.app import serve  # gradio is imported only when the app is asked for

    serve(service, host=args.host, port=args.port)
    return 0


def cmd_hash_password(service: BaocaoService, args: argparse.Namespace) -> int:
    import getpass

    from ui.auth import hash_password  # standard library only: no gradio import

    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            print("Lỗi: hai lần nhập không khớp.", file=sys.stderr)
            return 2
    if not password:
        print("Lỗi: mật khẩu rỗng.", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def cmd_eval(service: BaocaoService, args: argparse.Namespace) -> int:
    # imported in the command: loading the evaluation is not every command's business
    from evals.dataset import load_dataset
    from evals.gate import (THRESHOLDS_FILE, baseline_path, dataset_name, format_gate, gate, load_baseline,
                            load_thresholds, write_baseline)
    from evals.report import write_report
    from evals.runner import aggregate_rows, format_table, run_eval, split_paths, write_jsonl

    if args.dataset and args.split:
        print("Lỗi: dùng --dataset hoặc --split, không dùng cả hai.", file=sys.stderr)
        return 2
    if args.k < 1:
        print("Lỗi: -k phải là số nguyên dương.", file=sys.stderr)
        return 2
    split = None if args.dataset else (args.split or "test")
    paths = args.dataset or split_paths(split)
    named = dataset_name(args.dataset) if args.dataset else None  # evals/datasets/<name>.jsonl: its own gate
    if args.write_baseline and split is None and args.baseline is None and named is None:
        print("Lỗi: --write-baseline cần --split (hoặc --baseline TỆP khi dùng --dataset).", file=sys.stderr)
        return 2
    items = []
    for path in paths:
        if not path.is_file():
            print(f"Lỗi: không có tệp bộ câu hỏi {path}", file=sys.stderr)
            return 2
        items += load_dataset(path)
    if not items:
        print(f"Lỗi: bộ câu hỏi rỗng: {', '.join(map(str, paths))}", file=sys.stderr)
        return 2
    duplicates = sorted(qid for qid, count in Counter(item.id for item in items).items() if count > 1)
    if duplicates:
        print(f"Lỗi: id câu hỏi bị trùng: {', '.join(duplicates[:10])}", file=sys.stderr)
        return 2
    # Read the gate's inputs before the run, so that a bad file fails fast.
    thresholds = load_thresholds(args.thresholds or THRESHOLDS_FILE, dataset=named) if args.gate else None
    base_file = args.baseline or (baseline_path(split) if split else baseline_path(named) if named else None)
    baseline = None
    if base_file is not None and base_file.is_file() and not args.write_baseline:
        baseline = load_baseline(base_file)
    elif args.baseline is not None and not args.write_baseline:
        print(f"Lỗi: không có tệp baseline {args.baseline}", file=sys.stderr)
        return 2

    reports = service.list_reports()
    indexed = {r.report_id for r in reports}
    if not indexed:
        print("Lỗi: chỉ mục chưa có báo cáo nào. Hãy nạp trước: baocao ingest data/reports", file=sys.stderr)
        return 2
    absent = sorted({rid for item in items for rid in item.reports} - indexed)
    if absent:
        print(f"Cảnh báo: {len(absent)} báo cáo đúng của bộ câu hỏi không có trong chỉ mục: "
              f"{', '.join(absent[:5])}{' …' if len(absent) > 5 else ''}", file=sys.stderr)

    rows = run_eval(service, items, k=args.k, progress=not args.quiet)
    agg = aggregate_rows(rows)
    if args.output:
        write_jsonl(rows, args.output)
    if args.write_baseline:
        written = write_baseline(rows, base_file)
        baseline = load_baseline(written)
    result = gate(rows, thresholds, baseline) if args.gate else None
    if args.report:
        names = {r.report_id: r.metadata.locality for r in reports if r.metadata.locality}
        write_report(args.report, rows, agg, aggregate_rows(baseline) if baseline else None, report_names=names)

    human = sys.stderr if args.json else sys.stdout
    if args.json:
        payload = dict(agg)
        if result is not None:
            payload["gate"] = result.to_dict()
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        source = f"split {split}" if split else ", ".join(map(str, paths))
        print(f"Bộ câu hỏi: {source} — {len(items)} câu, k={args.k}")
        print(format_table(agg))
    if args.output:
        print(f"Đã ghi kết quả từng câu: {args.output}", file=human)
    if args.write_baseline:
        print(f"Đã ghi baseline: {base_file}", file=human)
    if args.report:
        print(f"Đã ghi báo cáo: {args.report}", file=human)
    if result is not None:
        if baseline is None:
            print("(ghi chú) không có baseline: chỉ so với ngưỡng", file=human)
        print(format_gate(result), file=human)
        return 0 if result.passed else 1
    return 0


COMMANDS = {"ingest": cmd_ingest, "list": cmd_list, "remove": cmd_remove, "search": cmd_search, "ask": cmd_ask,
            "precedents": cmd_precedents, "serve": cmd_serve, "eval": cmd_eval, "hash-password": cmd_hash_password}

if __name__ == "__main__":
    sys.exit(main())
