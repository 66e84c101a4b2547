"""Figures in Vietnamese text: "7.986" groups thousands, "99,5" has a decimal comma.

The answer verifier, the extractive answerer and the evaluation all compare figures by value, never
as substrings: "7.986" and "7986" are one figure, while "147" must not be found inside "1470".
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Thousands groups "7.986" / "1.234.567" (three digits after each dot, no digit after), or plain
# digits "147", "03"; either with a decimal part ",5".
NUMBER_PATTERN = r"\d{1,3}(?:\.\d{3})+(?!\d)(?:,\d+)?|\d+(?:,\d+)?"
NUMBER = re.compile(NUMBER_PATTERN)
# Citation markers "[1]", "[1, 2]", "[1][3]" point at sources; they are not figures.
MARKER = re.compile(r"\[\s*\d+(?:\s*[,;-]\s*\d+)*\s*\]")
# A list enumerator at the start of a line ("1." / "2)") numbers the answer's own items, not a fact.
_ENUMERATOR = re.compile(r"(?m)^\s*\d{1,2}[.)](?=\s)")


def number_value(raw: str) -> str:
    """Canonical value: "7.986" -> "7986", "99,5" -> "99.5", "03" -> "3"."""
    try:
        value = Decimal(raw.replace(".", "").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only hands over digit strings
        return raw
    return format(value.normalize(), "f")


def numbers_in(text: str) -> list[tuple[str, str]]:
    """(as written, canonical value) for every figure of `text`, citation markers and enumerators excluded."""
    text = _ENUMERATOR.sub(" ", MARKER.sub(" ", unicodedata.normalize("NFC", text)))
    return [(m.group(), number_value(m.group())) for m in NUMBER.finditer(text)]


def values_in(text: str) -> set[str]:
    """The canonical values of the figures of `text`."""
    return {value for _, value in numbers_in(text)}
