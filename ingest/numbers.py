"""How Vietnamese writes figures: "." groups thousands ("7.986"), "," is the decimal mark ("99,5").

Search, the answer verifier and the evaluation all compare figures by value, never as substrings:
"7.986" and "7986" are one figure, while "147" must not be found inside "1470".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

# Thousands groups "7.986" / "1.234.567" (three digits after each dot, no digit after), or plain
# digits "147", "03"; either with a decimal part ",5".
NUMBER_PATTERN = r"\d{1,3}(?:\.\d{3})+(?!\d)(?:,\d+)?|\d+(?:,\d+)?"


@lru_cache(maxsize=8192)
def number_value(raw: str) -> str:
    """Canonical value: "7.986" -> "7986", "99,5" -> "99.5", "03" -> "3". Cached: every figure of
    every chunk indexed passes here, and reports repeat their years and small counts."""
    try:
        value = Decimal(raw.replace(".", "").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only hands over digit strings
        return raw
    return format(value.normalize(), "f")


# Number words one to twelve, as Vietnamese grammar writes them: the cardinals, "bẩy" (a common
# spelling of "bảy"), and the compounds "mười một", "mười hai". Reports write counts of months
# ("sáu tháng đầu năm", "chín tháng") and month names ("tháng Mười Một") with them.
NUMBER_WORDS: dict[str, int] = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8,
    "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12,
}
# After "tháng" and "quý" the number is an ordinal, where four is the Sino-Vietnamese "tư"
# ("tháng Tư", "quý tư"); as a count ("bốn tháng") it never is, and "tư" folds to "tu" like "từ".
ORDINAL_NUMBER_WORDS: dict[str, int] = {**NUMBER_WORDS, "tư": 4}
