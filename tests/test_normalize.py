import unicodedata

import pytest

from ingest import casefold_text, fold, normalize_text, remove_marks, strip_diacritics


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


def test_the_text_primitives_are_one_family():
    """`remove_marks` keeps case, `strip_diacritics` lowers, `fold` also normalises and keeps only the
    punctuation of figures and codes, `casefold_text` keeps the marks: each has one definition."""
    assert remove_marks("HĐND Hội đồng") == "HDND Hoi dong"
    assert strip_diacritics("HĐND Hội đồng") == "hdnd hoi dong"
    assert fold("  Quy Nhơn (Bình Định):\n99,5% — số 30/2020/NĐ-CP ") == "quy nhon binh dinh 99,5% so 30/2020/nd-cp"
    assert fold("hoà") == fold("Hòa") == "hoa"
    assert casefold_text("  Thành   PHỐ\nQuy Nhơn ") == "thành phố quy nhơn"
    assert casefold_text("Tho\u0302\u0301ng") == casefold_text("Thống")  # NFD vs NFC
    assert casefold_text("hộ") != casefold_text("hồ")


def test_remove_marks_equals_decomposing_the_whole_text():
    """The cached per-character table gives what NFD-then-drop-marks gives, for every character of
    Latin, Vietnamese and combining marks, precomposed or decomposed."""
    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFD", text)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")

    text = "".join(chr(c) for c in [*range(32, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00)])
    assert remove_marks(text) == reference(text)
    assert remove_marks(unicodedata.normalize("NFD", text)) == reference(text)
    assert remove_marks("Tho\u0302\u0301ng ĐỒNG") == "Thong DONG"
