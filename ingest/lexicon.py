"""Vietnamese words of several syllables, from a dictionary rather than a hand list.

The source is the word list that `pyvi` ships (`pyvi/models/words.txt`, ~31,000 entries, read as a
file: the package's segmenter is not used). Two things need it: the gazetteer, so that ordinary word
sequences ("xã hội", "hài lòng") are not taken for places, and the answerer, so that a counted noun
is not matched inside another word ("nghĩa vụ", "dịch vụ" are no "vụ").
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from ingest.normalize import normalize_text


def package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"baocao needs the package {package!r} (pip install {package})")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def compound_words() -> frozenset[str]:
    """Lower-case dictionary entries of two syllables or more, normalised like report text (NFC, one
    tone-mark convention); proper nouns ("Hà Nội") are left out."""
    words = set()
    for line in (package_dir("pyvi") / "models" / "words.txt").read_text(encoding="utf-8").splitlines():
        entry = " ".join(line.split())
        if " " in entry and entry == entry.lower():
            words.add(normalize_text(entry))
    return frozenset(words)


def is_compound(first: str, second: str) -> bool:
    """Whether the two syllables make one dictionary word ("dịch vụ", "đơn vị")."""
    return f"{first.lower()} {second.lower()}" in compound_words()


@lru_cache(maxsize=1)
def _folded_compounds() -> frozenset[str]:
    from ingest.normalize import strip_diacritics

    return frozenset(strip_diacritics(word) for word in compound_words())


def is_compound_folded(first: str, second: str) -> bool:
    """`is_compound` for text typed without diacritics ("ho so" is "hồ sơ")."""
    return f"{first.lower()} {second.lower()}" in _folded_compounds()
