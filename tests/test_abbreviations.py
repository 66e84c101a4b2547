"""The abbreviation glossary: either form of an entry brings the other, on word boundaries only."""

from __future__ import annotations

import re

import pytest
from conftest import REPORTS_DIR

from ingest import normalize_text, strip_diacritics
from ingest.abbreviations import ABBREVIATIONS, expand_abbreviations, glossary_matches


def added(text: str) -> str:
    """What expand_abbreviations appended ("" when nothing)."""
    expanded = expand_abbreviations(text)
    assert expanded.startswith(text)
    return expanded[len(text):]


@pytest.mark.parametrize("abbreviation", ["UBND", "HĐND", "MTTQ", "UBMTTQVN", "CBCCVC", "CBCC", "TTHC", "CCHC",
                                          "QCDC", "BCĐ", "ANTT", "TTATGT", "PCCC", "NTM", "DVC", "CSDL", "PCTN"])
def test_design_md_abbreviations_are_in_the_glossary(abbreviation):
    assert abbreviation in ABBREVIATIONS


def test_every_all_caps_token_of_the_corpus_that_names_a_body_or_notion_is_covered():
    corpus = "\n".join(normalize_text(p.read_text(encoding="utf-8")) for p in REPORTS_DIR.glob("*.txt"))
    for abbreviation in ("PAPI", "PCI", "SIPAS", "CNTT", "BHYT", "BHXH", "GPMB", "KNTC", "TTHCC", "BPMC", "LĐLĐ",
                         "NHCSXH", "CHQS", "CNCH", "TTPTQĐ", "BPTNTKQ", "MTKDC", "QLCL", "BTXH", "CSHT", "THPT"):
        assert re.search(rf"(?<!\w){abbreviation}(?!\w)", corpus), abbreviation
        assert abbreviation in ABBREVIATIONS, abbreviation
    assert "PAR Index" in corpus and "PAR Index" in ABBREVIATIONS


def test_abbreviation_gets_its_full_form():
    assert added("UBND xã Tịnh An") == " (ủy ban nhân dân)"
    assert "thủ tục hành chính" in expand_abbreviations("số hóa kết quả giải quyết TTHC")


def test_full_form_gets_its_abbreviation():
    assert added("hội đồng nhân dân huyện") == " (HĐND)"
    assert added("Ủy ban Mặt trận Tổ quốc Việt Nam xã Tịnh An") == " (UBMTTQVN)"


def test_matching_ignores_case_and_diacritics():
    assert added("hdnd xa") == " (hội đồng nhân dân)"
    assert added("uy ban nhan dan xa Tinh An") == " (UBND)"
    assert added("Uỷ ban nhân dân") == " (UBND)"  # old tone-mark placement
    assert added("BCD huyện") == " (ban chỉ đạo)"


def test_punctuation_between_the_words_of_a_full_form_may_vary():
    for text in ("cán bộ, công chức, viên chức", "cán bộ công chức viên chức", "cán bộ, công chức viên chức"):
        assert added(text) == " (CBCCVC)", text
    assert added("kinh tế-xã hội") == " (KT-XH)"
    assert added("KT - XH") == " (kinh tế - xã hội)"
    # A sentence boundary is not a gap inside a name.
    assert added("ủy ban. Nhân dân") == ""


def test_word_boundaries_and_longest_form():
    assert glossary_matches("UBMTTQVN xã") == [("UBMTTQVN", "abbreviation")]  # not also MTTQ
    assert glossary_matches("cán bộ, công chức, viên chức") == [("CBCCVC", "full")]  # not CBCC
    assert glossary_matches("Số 290/BC-UBND") == [("BC", "abbreviation"), ("UBND", "abbreviation")]
    assert glossary_matches("HĐND&UBND huyện") == [("HĐND", "abbreviation"), ("UBND", "abbreviation")]
    assert glossary_matches("UBNDX và XUBND") == []
    # Syllables that happen to fold to nothing in the glossary stay untouched.
    assert added("tu nhien, da dang, dan cu") == ""


def test_both_forms_present_adds_nothing_and_expansion_is_idempotent():
    text = "Quyết định số 137/QĐ-UBND của Ủy ban nhân dân"
    assert added(text) == ""
    once = expand_abbreviations("UBND và thủ tục hành chính, PCCC")
    assert once == "UBND và thủ tục hành chính, PCCC (ủy ban nhân dân; TTHC; phòng cháy chữa cháy)"
    assert expand_abbreviations(once) == once


def test_each_missing_form_is_appended_once():
    assert added("UBND phường, UBND xã, UBND huyện") == " (ủy ban nhân dân)"


def test_text_without_glossary_forms_is_unchanged():
    assert expand_abbreviations("Quy Nhơn tiếp nhận 147 vụ khiếu nại") == "Quy Nhơn tiếp nhận 147 vụ khiếu nại"
    assert expand_abbreviations("") == ""


def test_glossary_forms_are_distinct_after_folding():
    """Two entries whose forms fold alike would make matching ambiguous."""
    seen: dict[str, str] = {}
    for abbreviation, full in ABBREVIATIONS.items():
        for form in (abbreviation, full):
            key = " ".join(re.findall(r"[^\W_]+", strip_diacritics(form)))
            assert key not in seen, (form, seen.get(key))
            seen[key] = abbreviation
