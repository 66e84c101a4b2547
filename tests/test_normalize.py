import unicodedata

import pytest

from ingest import normalize_text, strip_diacritics


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hoà", "hòa"), ("thuỷ", "thủy"), ("uỷ ban", "ủy ban"), ("khoẻ", "khỏe"), ("toạ", "tọa"),
        ("hoàng", "hoàng"), ("khuya", "khuya"), ("quý", "quý"), ("quỷ", "quỷ"), ("luật", "luật"),
        ("dư lụân", "dư luận"), ("pháp lụât", "pháp luật"), ("người", "người"),
    ],
)
def test_one_tone_mark_convention(raw, expected):
    assert normalize_text(raw) == expected


def test_nfc_whitespace_and_emphasis():
    decomposed = unicodedata.normalize("NFD", "Quy Nhơn  tiếp\u00a0nhận **147** vụ\u200b")
    assert normalize_text(decomposed) == "Quy Nhơn tiếp nhận 147 vụ"


def test_strip_diacritics_matches_unaccented_typing():
    assert strip_diacritics("Quy Nhơn tiếp nhận bao nhiêu ĐƠN") == "quy nhon tiep nhan bao nhieu don"
