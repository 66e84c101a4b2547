"""Compare tokenisers for the BM25 index: BM25-only retrieval over the sample chunks, eval dev split.

    python benchmarks/lexical_tokenizers.py --db DIR             # DIR: an index of data/reports
    python benchmarks/lexical_tokenizers.py --db DIR --markdown  # the table for benchmarks/RESULTS.md
    python benchmarks/lexical_tokenizers.py --synthetic 20000    # load/rebuild time of LexicalIndex

Every variant indexes the same chunks (the Chroma `context` line + the chunk text, with
`expand_abbreviations` unless the variant says otherwise) with the lexical index's BM25 (bm25s's
Lucene variant, k1=1.5, b=0.75; see vectorstore/lexical.py) and ranks them for the answerable dev questions (the question through the same pipeline). Scores
(`evals.metrics`): Hit@1, Hit@5, MRR@10 of the first chunk from a gold report, and of the first from
a gold report and section (section prefix match), over all answerable questions, over those of type
no_diacritics, and (section level only) over those of type abbreviation. With five reports the
report-level scores saturate; the section-level ones tell the variants apart.

The pyvi variants need `pip install pyvi` (imported only when they run; pyvi is not a dependency
of baocao). Open the index on a copy: Chroma may write to the folder it opens.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from ingest import normalize_text, strip_diacritics
from ingest.abbreviations import expand_abbreviations
from ingest.numbers import NUMBER_PATTERN, number_value
from vectorstore.lexical_tokens import lexical_tokens, token_runs, with_pairs

# A short list of the most frequent function words of the corpus (folded); tried as a variant only.
STOP_WORDS = frozenset([
    "va", "cua", "cac", "duoc", "la", "co", "trong", "cho", "voi", "da", "tren", "nhung", "mot", "theo", "tai",
    "den", "ve", "nhu", "tu", "de", "so", "nay", "khong", "bao", "nhieu", "nao", "gi",
])


def _unigrams(text: str) -> list[str]:
    return [t for run in token_runs(text) for t in run]


def _pairs_across_punctuation(text: str) -> list[str]:
    flat = [t for run in token_runs(text) for t in run]
    return flat + [f"{a}_{b}" for a, b in itertools.pairwise(flat)]


def _folded_and_accented(text: str) -> list[str]:
    accented = [t for run in token_runs(text, folded=False) for t in run]
    return lexical_tokens(text) + ["~" + t for t in accented if not t.isascii()]


def _stop_words_removed(text: str) -> list[str]:
    runs = [[t for t in run if t not in STOP_WORDS] for run in token_runs(text)]
    return with_pairs(runs)


def _pyvi_words(text: str, with_syllables: bool) -> list[str]:
    import re

    from pyvi import ViTokenizer  # pip install pyvi

    number = re.compile(rf"^(?:{NUMBER_PATTERN})$")
    tokens: list[str] = []
    for line in normalize_text(text).split("\n"):
        for word in ViTokenizer.tokenize(line).split():
            if number.match(word):
                tokens.append(number_value(word))
                continue
            syllables = [s for s in re.findall(r"[^\W_]+", strip_diacritics(word.replace("_", " ")))]
            if not syllables:
                continue
            tokens.append("_".join(syllables))
            if with_syllables and len(syllables) > 1:
                tokens += syllables
    return tokens


VARIANTS: dict[str, tuple[Callable[[str], list[str]], bool]] = {
    # name: (tokeniser, expand abbreviations)
    "syllables only": (_unigrams, True),
    "syllables + pairs across punctuation": (_pairs_across_punctuation, True),
    "syllables + pairs within clauses (chosen)": (lexical_tokens, True),
    "  same, no abbreviation expansion": (lexical_tokens, False),
    "  same, stop words removed": (_stop_words_removed, True),
    "  same + accented syllables": (_folded_and_accented, True),
    "pyvi words (folded)": (lambda t: _pyvi_words(t, False), True),
    "pyvi words + their syllables": (lambda t: _pyvi_words(t, True), True),
}


def load_chunks(db: Path) -> tuple[list[str], list[str], list[str]]:
    """(index text, report id, section) per chunk of the index at `db`."""
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(db), settings=Settings(anonymized_telemetry=False))
    records = client.get_collection("baocao_chunks").get(include=["documents", "metadatas"])
    texts, reports, sections = [], [], []
    for text, meta in zip(records["documents"], records["metadatas"]):
        context = str(meta.get("context", ""))
        texts.append(f"{context}\n{text}" if context else text)
        reports.append(str(meta["report_id"]))
        sections.append(str(meta.get("section", "")))
    return texts, reports, sections


def evaluate(name: str, chunks, items) -> dict:
    import numpy as np

    from evals.metrics import rank_scores, retrieval_ranks
    from vectorstore.lexical import _Bm25Matrix, token_hashes

    tokenize, expand = VARIANTS[name]
    texts, reports, sections = chunks
    prepare = expand_abbreviations if expand else (lambda t: t)
    started = time.perf_counter()
    corpus = [tokenize(prepare(t)) for t in texts]
    tokenized = time.perf_counter()
    bags = [np.unique(token_hashes(tokens), return_counts=True) for tokens in corpus]
    bm25 = _Bm25Matrix(np.array([len(t) for t in corpus]), [(t.tobytes(), c.astype("<i4").tobytes()) for t, c in bags])
    indexed = time.perf_counter()
    rows = []
    for item in items:
        scores = bm25.scores(token_hashes(tokenize(prepare(item.question))))
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:10] if scores[i] > 0]
        ranks = retrieval_ranks({"results": [{"report_id": reports[i], "section": sections[i]} for i in order]}, item)
        report, section = rank_scores(ranks["report_rank"]), rank_scores(ranks["section_rank"])
        rows.append((item.type, report["hit1"], report["hit5"], report["mrr10"],
                     section["hit1"], section["hit5"], section["mrr10"]))

    def mean(selected):
        n = len(selected) or 1
        return [sum(r[i] for r in selected) / n for i in range(1, 7)]

    return {
        "all": mean(rows),
        "no_diacritics": mean([r for r in rows if r[0] == "no_diacritics"]),
        "abbreviation": mean([r for r in rows if r[0] == "abbreviation"]),
        "tokenize_s": tokenized - started,
        "index_s": indexed - tokenized,
    }


def synthetic_rebuild(n_chunks: int) -> None:
    """Write `n_chunks` synthetic chunks into a LexicalIndex, then time a cold load and a search."""
    from vectorstore.lexical import LexicalIndex

    texts, _, _ = load_chunks(Path(args.db)) if args.db else ([], [], [])
    if not texts:
        texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "reports").glob("*.txt"))]
        texts = [para for t in texts for para in t.split("\n\n") if len(para) > 200]
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        index = LexicalIndex(Path(tmp) / "lexical")
        per_report = 100
        started = time.perf_counter()
        for r in range(n_chunks // per_report):
            records = [(f"r{r}-{i}", rng.choice(texts), {"report_id": f"r{r}", "section": "I", "section_title": "",
                                                        "ordinal": i, "context": f"báo cáo {r}"})
                       for i in range(per_report)]
            index.replace_report(f"r{r}", f"hash{r}", records)
        written = time.perf_counter()
        index.close()
        started_load = time.perf_counter()
        fresh = LexicalIndex(Path(tmp) / "lexical")
        fresh.search("Quy Nhơn tiếp nhận bao nhiêu vụ khiếu nại", 10)
        loaded = time.perf_counter()
        fresh.search("UBND xã Tịnh An thành lập mô hình gì", 10, report_ids={"r3", "r7"})
        searched = time.perf_counter()
        fresh.search("tỷ lệ hồ sơ trực tuyến", 10)
        searched2 = time.perf_counter()
        size = sum(p.stat().st_size for p in (Path(tmp) / "lexical").iterdir())
    print(f"{n_chunks} chunks: write (tokenise + SQLite) {written - started:.1f} s; "
          f"cold open + rebuild + first search {loaded - started_load:.2f} s; "
          f"search with report filter {1000 * (searched - loaded):.1f} ms; search {1000 * (searched2 - searched):.1f} ms; "
          f"on disk {size / 1e6:.1f} MB")


def main() -> None:
    global args
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="index of the sample corpus (a copy: Chroma may write to it)")
    parser.add_argument("--dataset", default=str(ROOT / "evals" / "datasets" / "dev.jsonl"))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--variants", nargs="*", help="substring of the variant names to run")
    parser.add_argument("--synthetic", type=int, help="time LexicalIndex on this many synthetic chunks")
    args = parser.parse_args()
    if args.synthetic:
        synthetic_rebuild(args.synthetic)
        return
    if not args.db:
        parser.error("--db is required")
    from evals.dataset import load_dataset

    items = [i for i in load_dataset(args.dataset) if i.answerable]
    chunks = load_chunks(Path(args.db))
    names = [n for n in VARIANTS if not args.variants or any(v in n for v in args.variants)]
    print(f"{len(chunks[0])} chunks, {len(items)} answerable questions ({Path(args.dataset).name}); "
          f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    header = ("| tokeniser | Hit@1 | Hit@5 | MRR@10 | +section Hit@1 | +section Hit@5 | +section MRR@10 | "
              "no_diacritics Hit@1 | Hit@5 | MRR@10 | +section Hit@1 | +section Hit@5 | +section MRR@10 | "
              "abbreviation +section Hit@1 | Hit@5 | tokenise + index (s) |")
    print(header)
    print("|" + " --- |" * (header.count("|") - 1))
    for name in names:
        r = evaluate(name, chunks, items)
        a, nd, ab = r["all"], r["no_diacritics"], r["abbreviation"]
        cells = [f"{v:.3f}" for v in a + nd + [ab[3], ab[4]]]
        print(f"| {name.strip()} | {' | '.join(cells)} | {r['tokenize_s']:.2f} + {r['index_s']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
