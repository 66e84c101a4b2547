"""Official Vietnamese abbreviations and their full forms, so that either form finds the other.

Reports write "UBND", "TTHC", "CBCCVC" in one paragraph and "Ủy ban nhân dân", "thủ tục hành chính"
in the next; users ask with either. `expand_abbreviations` appends the other form of every glossary
entry a text contains, and is applied both to the indexed text and to the query, so a match never
depends on which form the writer or the asker chose.

The glossary holds the abbreviations of DESIGN.md and those found in the sample corpus (all-caps
tokens of data/reports/*.txt; the corpus spells none of them out in parentheses) plus the few the
evaluation questions use ("DVCTT", "TTND", "DVCQ"). Ambiguous ones are left out on purpose: "TU"
(tỉnh ủy or thành ủy, and the syllable "tu"), "CT" (chỉ thị or chủ tịch), "TT" (thị trấn, thông tư,
thanh tra), "TB" (thông báo, trung bình), "CP" (chính phủ, cổ phần), "ĐA" (the syllable "đa").

Matching ignores diacritics and case ("hdnd", "HĐND" and "Hđnd" are one abbreviation; "uy ban nhan
dan" is the full form), lies on word boundaries ("UBND" in "QĐ-UBND" counts, "MTTQ" inside
"UBMTTQVN" does not), and lets the punctuation between the words of a full form vary ("cán bộ, công
chức" = "cán bộ công chức", "kinh tế - xã hội" = "kinh tế-xã hội"). An abbreviation whose folded form
could be an ordinary Vietnamese syllable is matched only in capitals; none of the glossary's entries
is one today, the rule guards future additions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ingest.normalize import remove_marks

ABBREVIATIONS: dict[str, str] = {
    # State bodies and mass organisations
    "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân",
    "MTTQ": "mặt trận tổ quốc",
    "MTTQVN": "mặt trận tổ quốc Việt Nam",
    "UBMTTQ": "ủy ban mặt trận tổ quốc",
    "UBMTTQVN": "ủy ban mặt trận tổ quốc Việt Nam",
    "MTKDC": "mặt trận khu dân cư",
    "BCĐ": "ban chỉ đạo",
    "BCH": "ban chấp hành",
    "TW": "trung ương",
    "TTND": "thanh tra nhân dân",
    "GSĐTCĐ": "giám sát đầu tư cộng đồng",
    "GSĐTCCĐ": "giám sát đầu tư của cộng đồng",
    "TTHCC": "trung tâm hành chính công",
    "TTPTQĐ": "trung tâm phát triển quỹ đất",
    "BPMC": "bộ phận một cửa",
    "BPTNTKQ": "bộ phận tiếp nhận và trả kết quả",
    "LĐLĐ": "liên đoàn lao động",
    "NHCSXH": "ngân hàng chính sách xã hội",
    "LHPN": "liên hiệp phụ nữ",
    "CCB": "cựu chiến binh",
    "TNCS": "thanh niên cộng sản",
    "CHQS": "chỉ huy quân sự",
    "LĐTB&XH": "lao động - thương binh và xã hội",
    "TB&XH": "thương binh và xã hội",
    "CT-XH": "chính trị - xã hội",
    "HTX": "hợp tác xã",
    "VP": "văn phòng",
    "PCT": "phó chủ tịch",
    "ĐBQH": "đại biểu quốc hội",
    "TP": "thành phố",
    "TX": "thị xã",
    # People
    "CBCCVC": "cán bộ, công chức, viên chức",
    "CBCC": "cán bộ, công chức",
    "CCVC": "công chức, viên chức",
    "NLĐ": "người lao động",
    # Administration and public services
    "TTHC": "thủ tục hành chính",
    "CCHC": "cải cách hành chính",
    "DVC": "dịch vụ công",
    "DVCTT": "dịch vụ công trực tuyến",
    "CSDL": "cơ sở dữ liệu",
    "CNTT": "công nghệ thông tin",
    "QCDC": "quy chế dân chủ",
    "DVCQ": "dân vận chính quyền",
    "QLCL": "quản lý chất lượng",
    "KNTC": "khiếu nại, tố cáo",
    "PCTN": "phòng, chống tham nhũng",
    "PAPI": "chỉ số hiệu quả quản trị và hành chính công cấp tỉnh",
    "PCI": "chỉ số năng lực cạnh tranh cấp tỉnh",
    "PAR Index": "chỉ số cải cách hành chính",
    "SIPAS": "chỉ số hài lòng về sự phục vụ hành chính",
    # Order and safety
    "ANTT": "an ninh trật tự",
    "TTATGT": "trật tự an toàn giao thông",
    "ATGT": "an toàn giao thông",
    "PCCC": "phòng cháy chữa cháy",
    "CNCH": "cứu nạn cứu hộ",
    "QP-AN": "quốc phòng - an ninh",
    # Economy and social affairs
    "KT-XH": "kinh tế - xã hội",
    "NTM": "nông thôn mới",
    "GPMB": "giải phóng mặt bằng",
    "CSHT": "cơ sở hạ tầng",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "BHTN": "bảo hiểm thất nghiệp",
    "ATTP": "an toàn thực phẩm",
    "VSATTP": "vệ sinh an toàn thực phẩm",
    "ATVSTP": "an toàn vệ sinh thực phẩm",
    "BTXH": "bảo trợ xã hội",
    "DN": "doanh nghiệp",
    "NSNN": "ngân sách nhà nước",
    "NSTP": "ngân sách thành phố",
    "KHTP": "kế hoạch thành phố",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "TK&VV": "tiết kiệm và vay vốn",
    # Kinds of documents (as in "Số: 290/BC-UBND", "Quyết định số 137/QĐ-UBND")
    "QĐ": "quyết định",
    "NQ": "nghị quyết",
    "NĐ": "nghị định",
    "KL": "kết luận",
    "KH": "kế hoạch",
    "BC": "báo cáo",
    "CV": "công văn",
    "HD": "hướng dẫn",
    "TTg": "thủ tướng",
}

# One Vietnamese syllable without its marks: onset, one to three vowels, coda.
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")
_WORD = re.compile(r"[^\W_]+")
# What may stand between two words of one form: spaces, or one of , - – — & with optional spaces.
_GAP = re.compile(r"\s+|\s*[,\-–—&]\s*")


def _needs_capitals(abbreviation: str) -> bool:
    return bool(_SYLLABLE.fullmatch(remove_marks(abbreviation).lower()))


# (words of the form, abbreviation of its entry, "abbreviation" | "full", capitals only)
_Form = tuple[tuple[str, ...], str, str, bool]


@lru_cache(maxsize=1)
def _forms_by_first_word() -> dict[str, list[_Form]]:
    """Every form of the glossary, folded to lower-case words, indexed by its first word, longest first."""
    index: dict[str, list[_Form]] = {}
    for abbreviation, full in ABBREVIATIONS.items():
        for form, kind, capitals in ((abbreviation, "abbreviation", _needs_capitals(abbreviation)),
                                     (full, "full", False)):
            words = tuple(w.lower() for w in _WORD.findall(remove_marks(form)))
            index.setdefault(words[0], []).append((words, abbreviation, kind, capitals))
    for forms in index.values():
        forms.sort(key=lambda f: -len(f[0]))
    return index


def glossary_matches(text: str) -> list[tuple[str, str]]:
    """(abbreviation, "abbreviation" | "full") for each glossary form found in `text`, in text order.

    Leftmost-longest and non-overlapping: "UBMTTQVN" is one match, not also "MTTQ" (word boundaries
    already exclude it), and "cán bộ, công chức, viên chức" is CBCCVC, not CBCC followed by a stray word.
    """
    folded = remove_marks(unicodedata.normalize("NFC", text))
    words = list(_WORD.finditer(folded))
    lower = [w.group().lower() for w in words]
    index = _forms_by_first_word()
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        for form_words, abbreviation, kind, capitals in index.get(lower[i], ()):
            n = len(form_words)
            if (
                tuple(lower[i : i + n]) == form_words
                and all(_GAP.fullmatch(folded[words[j].end() : words[j + 1].start()]) for j in range(i, i + n - 1))
                and (not capitals or words[i].group().isupper())
            ):
                found.append((abbreviation, kind))
                i += n
                break
        else:
            i += 1
    return found


def expand_abbreviations(text: str) -> str:
    """`text` with the other form of each glossary entry it contains appended in parentheses.

    "UBND xã Tịnh An" -> "UBND xã Tịnh An (ủy ban nhân dân)"; "hội đồng nhân dân huyện" ->
    "hội đồng nhân dân huyện (HĐND)". Each missing form is appended once, in the order of first
    occurrence; an entry whose two forms both occur adds nothing, so expanding twice changes nothing.
    Text without any glossary form is returned unchanged.
    """
    seen: dict[str, set[str]] = {}
    for abbreviation, form in glossary_matches(text):
        seen.setdefault(abbreviation, set()).add(form)
    additions = [
        ABBREVIATIONS[abbreviation] if forms == {"abbreviation"} else abbreviation
        for abbreviation, forms in seen.items()
        if len(forms) == 1
    ]
    if not additions:
        return text
    return f"{text} ({'; '.join(additions)})"
