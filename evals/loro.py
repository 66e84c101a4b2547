"""Leave-one-report-out (LORO) calibration of the extractive answerer's numbers, on the sample.

The dev and test splits ask about the same five reports, so a number tuned on dev and checked on
test has seen every report it is checked on. LORO is the honest version (issue 10, item 5a): for
each sample report, the answerer's calibrated parameters are chosen on the questions of the four
others and scored on the questions of the fifth; the five held-out scores give a mean and a worst.

- An item belongs to the reports in its `reports`; an item with none (an unanswerable question) to
  one report chosen by a stable hash of its id. A fold's calibration set holds the items that do
  not belong to the held-out report, its evaluation set those that do (a cross-report item is held
  out with each of its reports).
- The parameters (`PARAMETERS`): `min_coverage` (ExtractiveAnswerer: the share of the question's
  weighted terms a sentence must cover to answer) and `CLAUSE_WORDS` (rag.extractive: the length
  above which a figure's sentence is trimmed to its clause, which can cut a fact out of the answer).
  The grid is a cross through the shipped default (each parameter over its candidates, the other at
  its default: 19 settings); `--full` runs every combination (91 settings, about five times longer).
- The objective on a calibration set is the share of questions answered right: an answerable one
  with all its facts and no abstention, an unanswerable one abstained. Ties go to the value nearest
  the shipped default (the grid order below puts it first), so a flat objective changes nothing.
- Retrieval is not calibrated here and does not depend on these parameters: each question is
  retrieved once and answered with every candidate value (`_RetrievalMemo`), so a run takes minutes.
  Answers go through `BaocaoService.ask` itself, so what is scored is what a user gets.

    python -m evals.loro --db IDX [--json] [--output rows.jsonl]

IDX is an index of the sample reports (`baocao ingest data/reports --db IDX`).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.dataset import EvalItem, load_dataset
from evals.metrics import aggregate
from evals.runner import run_eval, split_paths

# The calibrated numbers and their candidates; the first candidate is the shipped default.
PARAMETERS: dict[str, tuple[float, ...]] = {
    "min_coverage": (0.25, 0.05, 0.1, 0.15, 0.175, 0.2, 0.225, 0.275, 0.3, 0.35, 0.4, 0.5),
    "clause_words": (30, 15, 20, 25, 40, 60, 10_000),
}


@dataclass(frozen=True)
class Setting:
    """One point of the grid: the answerer's parameters for one run over the questions."""

    min_coverage: float
    clause_words: int

    def distance_to_default(self) -> tuple[float, float]:
        return (abs(self.min_coverage - PARAMETERS["min_coverage"][0]),
                abs(self.clause_words - PARAMETERS["clause_words"][0]) / 100)

    def to_dict(self) -> dict[str, float]:
        return {"min_coverage": self.min_coverage, "clause_words": self.clause_words}


def grid(full: bool = False) -> list[Setting]:
    """The settings tried, the shipped default first: a cross through it, or the full product."""
    coverages, clause_words = PARAMETERS["min_coverage"], PARAMETERS["clause_words"]
    if full:
        return [Setting(mc, int(cw)) for mc, cw in itertools.product(coverages, clause_words)]
    return [Setting(mc, int(clause_words[0])) for mc in coverages] + [
        Setting(coverages[0], int(cw)) for cw in clause_words[1:]]


def home_reports(item: EvalItem, reports: Sequence[str]) -> tuple[str, ...]:
    """The sample reports an item belongs to: its gold reports, else one chosen by a stable hash of its id."""
    own = tuple(r for r in item.reports if r in reports)
    if own:
        return own
    digest = int(hashlib.sha256(item.id.encode("utf-8")).hexdigest(), 16)
    return (sorted(reports)[digest % len(reports)],)


def correct(scores: dict[str, Any]) -> bool:
    """Answered right: an answerable question with every fact and no abstention, an unanswerable one refused."""
    if scores.get("answerable"):
        return scores.get("all_facts") == 1.0 and scores.get("abstention") == 1.0
    return scores.get("abstention") == 1.0


class _RetrievalMemo:
    """Wraps a service's `_retrieve` so that each question is retrieved once, whatever the answerer."""

    def __init__(self, service: Any) -> None:
        self._inner = service._retrieve
        self._cache: dict[tuple, tuple[list, list]] = {}

    def __call__(self, query, filters, k, catalog):
        key = (query.text, repr(filters), k)
        if key not in self._cache:
            self._cache[key] = self._inner(query, filters, k, catalog)
        passages, notices = self._cache[key]
        return list(passages), list(notices)


@contextmanager
def answering_with(service: Any, setting: Setting) -> Iterator[None]:
    """The service answers with `setting` inside the block; the shipped values are restored after."""
    import rag.extractive as extractive_module
    from rag.extractive import ExtractiveAnswerer

    shipped = service.extractive
    shipped_clause_words = extractive_module.CLAUSE_WORDS
    service.__dict__["extractive"] = ExtractiveAnswerer(
        min_coverage=setting.min_coverage, max_sentences=shipped.max_sentences,
        max_list_sentences=shipped.max_list_sentences, corpus_mentions=shipped.corpus_mentions,
        next_passage=shipped.next_passage)
    extractive_module.CLAUSE_WORDS = setting.clause_words
    try:
        yield
    finally:
        service.__dict__["extractive"] = shipped
        extractive_module.CLAUSE_WORDS = shipped_clause_words


def run_grid(service: Any, items: list[EvalItem], settings: list[Setting], k: int = 10,
             progress: bool = True) -> dict[Setting, dict[str, dict[str, Any]]]:
    """Scores of every item under every setting: {setting: {item id: scores}}."""
    service._retrieve = _RetrievalMemo(service)
    try:
        out = {}
        for number, setting in enumerate(settings, 1):
            started = time.perf_counter()
            with answering_with(service, setting):
                rows = run_eval(service, items, k=k, progress=progress and number == 1)
            out[setting] = {row["id"]: row["scores"] for row in rows}
            if progress:
                print(f"[{number}/{len(settings)}] {setting.to_dict()} "
                      f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
        return out
    finally:
        del service._retrieve


def read_rows(path: Path) -> dict[Setting, dict[str, dict[str, Any]]]:
    """The scores a previous run wrote with --output, in the form `run_grid` returns."""
    out: dict[Setting, dict[str, dict[str, Any]]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                setting = Setting(float(row["setting"]["min_coverage"]), int(row["setting"]["clause_words"]))
                out.setdefault(setting, {})[row["id"]] = row["scores"]
    return out


def _metrics(scores: list[dict[str, Any]]) -> dict[str, Any]:
    overall = aggregate(scores)["overall"]
    return {"n": overall["n"], "n_answerable": overall["n_answerable"], "all_facts": overall["all_facts"],
            "abstention": overall["abstention"], "unsupported_figures": overall["unsupported_figures"],
            "correct": sum(correct(s) for s in scores) / len(scores) if scores else None}


def choose(results: dict[Setting, dict[str, dict[str, Any]]], ids: list[str]) -> Setting:
    """The setting with the most questions of `ids` right; ties to the one nearest the shipped default."""
    def key(setting: Setting):
        right = sum(correct(results[setting][i]) for i in ids)
        return (-right, setting.distance_to_default())

    return min(results, key=key)


def leave_one_report_out(results: dict[Setting, dict[str, dict[str, Any]]], items: list[EvalItem],
                         reports: Sequence[str]) -> dict[str, Any]:
    """The folds (calibrate on four reports, score the fifth), their mean and worst, and for comparison
    the same held-out sets scored with the shipped default."""
    default = grid()[0]
    homes = {item.id: home_reports(item, reports) for item in items}
    folds = []
    for held_out in reports:
        held = [item.id for item in items if held_out in homes[item.id]]
        calibration = [item.id for item in items if held_out not in homes[item.id]]
        chosen = choose(results, calibration)
        folds.append({
            "held_out": held_out, "n_calibration": len(calibration), "chosen": chosen.to_dict(),
            "held_out_scores": _metrics([results[chosen][i] for i in held]),
            "held_out_default": _metrics([results[default][i] for i in held]),
            "calibration_scores": _metrics([results[chosen][i] for i in calibration]),
        })

    def summary(field: str, metric: str) -> dict[str, float]:
        values = [f[field][metric] for f in folds if f[field][metric] is not None]
        return {"mean": sum(values) / len(values), "worst": min(values)}

    return {
        "reports": list(reports), "questions": len(items), "settings": [s.to_dict() for s in results],
        "folds": folds,
        "summary": {metric: summary("held_out_scores", metric) for metric in ("all_facts", "abstention", "correct")},
        "summary_default": {metric: summary("held_out_default", metric)
                            for metric in ("all_facts", "abstention", "correct")},
        "all_questions_default": _metrics(list(results[default].values())),
    }


def format_result(result: dict[str, Any]) -> str:
    lines = [f"Leave-one-report-out: {result['questions']} câu (dev + test), {len(result['reports'])} báo cáo",
             f"{'báo cáo giữ lại':<24} {'số câu':>6} {'min_cov':>7} {'clause':>6} | {'AllFacts':>8} {'Abstain':>7} "
             f"{'Đúng':>6} | mặc định: {'AllFacts':>8} {'Abstain':>7}"]
    for f in result["folds"]:
        s, d = f["held_out_scores"], f["held_out_default"]
        lines.append(f"{f['held_out']:<24} {s['n']:>6} {f['chosen']['min_coverage']:>7} {f['chosen']['clause_words']:>6} | "
                     f"{s['all_facts']:>8.3f} {s['abstention']:>7.3f} {s['correct']:>6.3f} | "
                     f"{'':>10}{d['all_facts']:>8.3f} {d['abstention']:>7.3f}")
    for label, key in (("LORO", "summary"), ("mặc định", "summary_default")):
        m = result[key]
        lines.append(f"{label}: all-facts trung bình {m['all_facts']['mean']:.3f}, thấp nhất {m['all_facts']['worst']:.3f}; "
                     f"abstention trung bình {m['abstention']['mean']:.3f}, thấp nhất {m['abstention']['worst']:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.loro", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="chỉ mục của các báo cáo mẫu (data/reports)")
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    parser.add_argument("--output", type=Path, help="ghi điểm từng câu theo từng giá trị tham số (JSON Lines)")
    parser.add_argument("--full", action="store_true", help="mọi tổ hợp tham số thay vì chữ thập quanh mặc định")
    parser.add_argument("--rows", type=Path, help="đọc điểm từng câu từ tệp --output của một lần chạy trước "
                        "thay vì chạy lại (chỉ tính lại phần hiệu chỉnh)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    from rag import BaocaoService, BaocaoSettings  # the composition happens here, as in the CLI

    service = BaocaoService(BaocaoSettings(db=args.db))
    indexed = sorted(r.report_id for r in service.list_reports())
    if not indexed:
        print(f"Lỗi: chỉ mục {args.db} chưa có báo cáo nào (baocao ingest data/reports --db {args.db})", file=sys.stderr)
        return 2
    items = [item for path in split_paths("all") for item in load_dataset(path)]
    reports = sorted({r for item in items for r in item.reports} & set(indexed))
    started = time.perf_counter()
    if args.rows:
        results = read_rows(args.rows)
    else:
        results = run_grid(service, items, grid(args.full), k=args.k, progress=not args.quiet)
    result = leave_one_report_out(results, items, reports)
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.output:
        with args.output.open("w", encoding="utf-8") as handle:
            for setting, scores in results.items():
                for qid, row in scores.items():
                    handle.write(json.dumps({"setting": setting.to_dict(), "id": qid, "scores": row},
                                            ensure_ascii=False) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_result(result))
    if not args.json:
        print(f"({result['seconds']} s, {len(results)} giá trị tham số)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
