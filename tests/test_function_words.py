"""The function-word vocabulary (ingest.function_words): closed classes, compared with their marks."""

from __future__ import annotations

import pytest

from ingest.function_words import FUNCTION_WORDS, folded, stop_flags
from ingest.gazetteer import LOCALITY_LEVELS
from ingest.lexicon import compound_words
from ingest.numbers import NUMBER_WORDS


def test_the_classes_are_words_of_the_language_and_no_topic():
    """Every function word is a syllable of the dictionary; none is a level of place or a number, whose
    vocabularies live elsewhere, and none carries a report's topic."""
    syllables = {s for word in compound_words() for s in word.split()}
    assert FUNCTION_WORDS <= syllables
    assert not FUNCTION_WORDS & {w for level in LOCALITY_LEVELS for w in level.split()}
    assert not FUNCTION_WORDS & set(NUMBER_WORDS)
    assert not FUNCTION_WORDS & {"hộ", "vụ", "người", "mô", "hình", "tỷ", "lệ", "mới", "tâm", "dân"}


@pytest.mark.parametrize("text, stops", [
    ("phòng chống ma túy mà không", [False, False, False, False, True, True]),  # "mà" is one, "ma" is not
    ("phong chong ma tuy ma khong", [False, False, False, False, True, True]),  # "ma tuy" is a word
    ("ket qua bao nhieu van ban", [False, False, True, True, False, False]),    # "bao nhieu": a stop word of two
    ("da giai quyet bao nhieu vu", [True, False, False, True, True, False]),
])
def test_stop_flags_read_marks_or_dictionary_words(text, stops):
    assert stop_flags(text.split()) == stops


def test_folded_forms():
    assert {"may", "cua", "nhung"} <= folded()
