"""Tokens for the BM25 index: folded Vietnamese syllables and adjacent-syllable pairs, figures by value.

- Folded: NFC and one tone-mark convention (`ingest.normalize_text`), then lower case without marks
  (`ingest.strip_diacritics`: "Quy Nhơn" -> "quy nhon"), so a question typed without a Vietnamese
  keyboard finds the same passages as one typed with it.
- Figures by value, with the Vietnamese convention ("." groups thousands, "," is the decimal mark):
  "7.986" -> "7986", "99,5" -> "99.5", "03" -> "3". The pattern is the one of `rag/figures.py`;
  vectorstore sits below rag and cannot import it.
- Syllables and pairs: Vietnamese writes one syllable per space and most words have two ("quy
  nhon", "khieu nai"), so each pair of adjacent syllables is a token too ("quy_nhon"). A pair never
  spans clause punctuation (". , ; : ( ) “ ” · —"), so "… xã. Nhơn …" gives no "xa_nhon"; "/", "-",
  "&", "%" and "+" join ("96/139" -> "96_139", "COVID-19" -> "covid_19").

Measured against word segmentation with pyvi and other variants on the eval dev split
(benchmarks/lexical_tokenizers.py, results in benchmarks/RESULTS.md).
"""

from __future__ import annotations

import itertools
import re

from ingest import normalize_text, strip_diacritics
from ingest.numbers import NUMBER_PATTERN, number_value

# Bump when the tokens change: the lexical index re-tokenises what it stored under another version.
TOKENIZER_VERSION = "syllable-bigram-1"

_TOKEN = re.compile(rf"{NUMBER_PATTERN}|[^\W\d_]+|[/\-&%+'’]+|[^\w\s]+|_+")
_JOINERS = frozenset("/-&%+'’")


def token_runs(text: str, folded: bool = True) -> list[list[str]]:
    """Syllables and figures, in runs that clause punctuation separates.

    With `folded=False` words keep their marks (lower case, NFC); figures are canonical either way.
    The kind of each match is read from its first character (a figure starts with a digit, a word
    with another letter or digit, a joiner with one of "/-&%+'’", anything else is clause
    punctuation): `findall` hands over strings, which is much cheaper than a match object each.
    """
    text = strip_diacritics(normalize_text(text)) if folded else normalize_text(text).lower()
    runs: list[list[str]] = []
    run: list[str] = []
    for token in _TOKEN.findall(text):
        first = token[0]
        if first.isdecimal():
            run.append(number_value(token))
        elif first.isalnum():
            run.append(token)
        elif run and first not in _JOINERS:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def with_pairs(runs: list[list[str]]) -> list[str]:
    """Every token of the runs, then every pair of neighbours inside a run joined by "_"."""
    tokens = [token for run in runs for token in run]
    tokens += [f"{a}_{b}" for run in runs for a, b in itertools.pairwise(run)]
    return tokens


def lexical_tokens(text: str) -> list[str]:
    """The BM25 tokens of a text: folded syllables and figures, and adjacent pairs of them.

    >>> lexical_tokens("Quy Nhơn tiếp nhận 7.986 suất quà, đạt 99,5%")
    ['quy', 'nhon', 'tiep', 'nhan', '7986', 'suat', 'qua', 'dat', '99.5', 'quy_nhon', 'nhon_tiep', 'tiep_nhan', 'nhan_7986', '7986_suat', 'suat_qua', 'dat_99.5']
    """
    return with_pairs(token_runs(text))
