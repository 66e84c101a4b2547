"""Vietnamese function words: the closed word classes that carry grammar, not topic.

Search and answer scoring leave these words out of a question's terms, and a measure asked ("bao
nhiêu vụ khiếu nại trong …") ends at the first of them. They are the closed classes (hư từ) of
Vietnamese grammar, as grammars of the language list them (Diệp Quang Ban, Ngữ pháp tiếng Việt,
2005; Nguyễn Kim Thản, Động từ trong tiếng Việt, for the aspect words): relation words (prepositions
and conjunctions), aspect and degree adverbs, quantifiers, demonstratives, and the question words.
A closed class is complete: words are added here because the grammar has them, never because one
question needed them. Open-class words that behave like function words in reports ("báo cáo",
"ngày", "tháng") belong to their own vocabularies (`ingest.document_form`, `ingest.periods`).

Each word is written with its marks; `folded()` gives the forms a question typed without them has.
"""

from __future__ import annotations

from functools import cache

from ingest.lexicon import is_compound_folded
from ingest.normalize import strip_diacritics

# Quan hệ từ: prepositions and conjunctions.
RELATION_WORDS: tuple[str, ...] = tuple("""
và với hoặc hay nhưng mà thì nên để do vì nếu của cho về từ đến tới theo tại ở trong ngoài trên dưới
trước sau khi lúc bằng như đối rằng vào ra qua
""".split())

# Phó từ: aspect, negation, degree and continuation. "mới" and "cùng" are left out: as adjectives they
# carry topic ("nông thôn mới", "cùng kỳ").
ASPECT_WORDS: tuple[str, ...] = tuple("""
đã đang sẽ vừa từng được bị có không chưa chẳng cũng vẫn còn nữa rất đều
""".split())

# Lượng từ: quantifiers (plural markers, totality, distribution).
QUANTIFIERS: tuple[str, ...] = ("các", "những", "mọi", "mỗi", "từng", "tất cả", "tổng cộng", "toàn bộ", "nhiều")

# Đại từ chỉ định: demonstratives and deictic time words.
DEMONSTRATIVES: tuple[str, ...] = ("này", "đó", "kia", "ấy", "nay", "hiện nay", "thế")

# Trợ từ, tình thái từ: particles of spoken questions ("còn năm 2020 thì sao nhỉ?", "vậy còn quý I à?").
PARTICLES: tuple[str, ...] = ("à", "ạ", "nhỉ", "vậy", "chứ", "đấy")

# Đại từ nghi vấn: the words that make a question, and the copula questions use.
QUESTION_WORDS: tuple[str, ...] = ("bao nhiêu", "mấy", "gì", "nào", "sao", "đâu", "ai", "là")

FUNCTION_WORDS: frozenset[str] = frozenset(
    word for phrase in (*RELATION_WORDS, *ASPECT_WORDS, *QUANTIFIERS, *DEMONSTRATIVES, *PARTICLES, *QUESTION_WORDS)
    for word in phrase.split()
)


@cache
def folded(words: frozenset[str] = FUNCTION_WORDS) -> frozenset[str]:
    """`words` as typed without diacritics ("mấy" -> "may")."""
    return frozenset(strip_diacritics(word) for word in words)


def stop_flags(words: list[str], stop_words: frozenset[str] = FUNCTION_WORDS) -> list[bool]:
    """For each word (lower case, as typed), whether it is one of `stop_words` (written with marks).

    Text typed with marks is compared with them ("mà" is a function word, "ma" of "ma túy" is not).
    Text typed without marks is compared by folded forms, and a folded form is no stop word where it
    makes a dictionary word with a neighbour that is none ("ma tuy", "ket qua", "van ban"), while a
    stop word of two ("bao nhieu") stays one.
    """
    keys = [strip_diacritics(word) for word in words]
    if words != keys:
        return [word in stop_words for word in words]
    stop_keys = folded(stop_words)
    flags = []
    for i, key in enumerate(keys):
        neighbours = [(keys[i - 1], key, keys[i - 1])] if i > 0 else []
        neighbours += [(key, keys[i + 1], keys[i + 1])] if i + 1 < len(keys) else []
        in_word = any(other not in stop_keys and is_compound_folded(a, b) for a, b, other in neighbours)
        flags.append(key in stop_keys and not in_word)
    return flags
