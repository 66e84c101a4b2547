"""The figures of an answer or a passage, by value (the number convention is `ingest.numbers`)."""

from __future__ import annotations

import re
import unicodedata

from ingest.numbers import NUMBER_PATTERN, number_value

NUMBER = re.compile(NUMBER_PATTERN)
# Citation markers "[1]", "[1, 2]", "[1][3]" point at sources; they are not figures.
MARKER = re.compile(r"\[\s*\d+(?:\s*[,;-]\s*\d+)*\s*\]")
# A list enumerator at the start of a line ("1." / "2)") numbers the answer's own items, not a fact.
_ENUMERATOR = re.compile(r"(?m)^\s*\d{1,2}[.)](?=\s)")


def numbers_in(text: str) -> list[tuple[str, str]]:
    """(as written, canonical value) for every figure of `text`, citation markers and enumerators excluded."""
    text = _ENUMERATOR.sub(" ", MARKER.sub(" ", unicodedata.normalize("NFC", text)))
    return [(m.group(), number_value(m.group())) for m in NUMBER.finditer(text)]


def values_in(text: str) -> set[str]:
    """The canonical values of the figures of `text`."""
    return {value for _, value in numbers_in(text)}
