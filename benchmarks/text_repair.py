"""How well ingest repairs web-converted and messy text: sentences split mid-clause, before and after.

Counts over the parsed sections of each document (`ingest.parse_report`):
- split mid-clause: a block that ends without sentence punctuation (. ; : ! ? …) while the next
  block of the same section starts in lower case or continues the clause (a comma, a closing
  bracket, or a number after a word);
- fragments: blocks shorter than 5 words that are not headings, table rows or list items;
- leftovers: text blocks still holding emphasis markers ("*") or table pipes ("|" alone or leading);
- tables kept as tables (TABLE blocks) and footnotes placed (FOOTNOTE blocks).

Run it against another copy of the code (the code before a change, checked out read-only with
`git worktree add /tmp/before <commit>`) with `--code /tmp/before`:

    .venv/bin/python benchmarks/text_repair.py                       # this tree
    .venv/bin/python benchmarks/text_repair.py --code /tmp/before    # the old code, same documents
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {"sample": ROOT / "data" / "reports", "corpus-dev": ROOT / "data" / "corpus-dev"}

_SENTENCE_END = re.compile(r"[.;:!?…]['\"”’»)\]*]*$")
_CONTINUES = re.compile(r"^[,;)\]]")
_LIST_ITEM = re.compile(r"^(?:[-+•–*]\s|[a-zđ][).]\s|\d{1,2}(?:\.\d{1,2})*[.)]?\s|[IVXL]+\.\s)")


def measure(path: Path, parse_report, detect_heading) -> dict:
    report = parse_report(path)
    splits = fragments = leftovers = tables = footnotes = blocks = 0
    for section in report.sections:
        for i, block in enumerate(section.blocks):
            kind = getattr(block.kind, "value", str(block.kind))
            blocks += 1
            tables += kind == "table"
            footnotes += kind == "footnote"
            if kind != "text":
                continue
            text = block.text.strip()
            if "*" in text.replace("(*)", "").removeprefix("* ") or text == "|" or text.startswith("| ") or text.endswith(" |"):
                leftovers += 1
            following = section.blocks[i + 1].text.strip() if i + 1 < len(section.blocks) else ""
            if following and getattr(section.blocks[i + 1].kind, "value", "text") == "text":
                if not _SENTENCE_END.search(text) and (
                    following[:1].islower()
                    or _CONTINUES.match(following)
                    or (following[:1].isdigit() and text[-1:].isalpha() and not _LIST_ITEM.match(following))
                ):
                    splits += 1
            is_heading_like = detect_heading(text) is not None or text == section.title
            if len(text.split()) < 5 and not is_heading_like and not _LIST_ITEM.match(text):
                fragments += 1
    meta = report.metadata
    filled = [name for name in ("so_hieu", "date", "title", "signer", "issuer") if getattr(meta, name)]
    return {
        "blocks": blocks, "split_mid_clause": splits, "fragments": fragments, "leftover_markup": leftovers,
        "tables": tables, "footnotes": footnotes, "header_fields": len(filled),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, help="a checkout whose `ingest` package to measure (default: this tree)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
    else:
        sys.path.insert(0, str(ROOT))
    from ingest import parse_report
    from ingest.headings import detect_heading

    results: dict[str, dict[str, dict]] = {}
    for corpus, folder in CORPORA.items():
        files = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".md"))
        results[corpus] = {p.stem: measure(p, parse_report, detect_heading) for p in files}
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0
    columns = ("blocks", "split_mid_clause", "fragments", "leftover_markup", "tables", "footnotes", "header_fields")
    for corpus, per_file in results.items():
        print(f"\n{corpus}  (header_fields: so_hieu, date, title, signer, issuer found, of 5)")
        print(f"{'document':32}" + "".join(f"{c:>18}" for c in columns))
        for name, row in per_file.items():
            print(f"{name:32}" + "".join(f"{row[c]:>18}" for c in columns))
        totals = {c: sum(row[c] for row in per_file.values()) for c in columns}
        print(f"{'TOTAL':32}" + "".join(f"{totals[c]:>18}" for c in columns))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
