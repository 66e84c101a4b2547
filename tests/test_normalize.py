import unicodedata

import pytest
from conftest import ALL_REPORTS, report_path

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


def _every_step(text: str) -> str:
    """`normalize_text` without its shortcuts: each step always runs."""
    from ingest import normalize as n

    text = unicodedata.normalize("NFD", text)
    text = n._MISPLACED_TONE.sub(r"\1\3\2", text)
    text = n._OLD_STYLE_TONE.sub(r"\1\3\2", text)
    text = unicodedata.normalize("NFC", text)
    text = n._INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = n._ASTERISKS.sub(n._drop_emphasis_marker, n._EMPHASIS.sub(r"\2", text))
    return "\n".join(n._SPACES.sub(" ", line).strip() for line in text.split("\n"))


def test_the_shortcuts_of_normalize_text_never_change_its_result():
    """`normalize_text` skips the steps a cheap test says cannot change the text (most text reaching it
    is normalised already). On the sample reports, their decomposed forms and random strings of
    letters, tone and hat marks, spaces and emphasis marks, the result is that of every step run."""
    import random

    rng = random.Random(7)
    alphabet = [*"aăâeêioôơuưyAOUYqQ hoaòóỏõọuyủýỳeẻ *_\t\n\r\u00a0\u2003\u200b\u00ad\u2028\x0b\x85,.",
                "\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b", "**", "__"]
    texts = [part for report in ALL_REPORTS for part in report_path(report).read_text(encoding="utf-8").split("\n\n")]
    texts += [unicodedata.normalize("NFD", text) for text in texts[:400]]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(30_000)]
    assert [t for t in texts if normalize_text(t) != _every_step(t)] == []
