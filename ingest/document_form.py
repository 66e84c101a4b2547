"""The form of a Vietnamese administrative document, as Nghị định 30/2020/NĐ-CP on văn thư lays it out.

One place for the vocabulary that the layout repair (structure.py) and the header reader
(metadata.py) share: the document types and the codes they take in a số hiệu (Phụ lục III, "Bảng
chữ viết tắt tên loại văn bản"), the words that name the type of an issuing body (Phụ lục II, the
capitalisation of agency names), the signing-authority marks (TM., KT., TL., TUQ., Q.) and the lines
of the header and the closing (national motto, "Số:", place and date, "Kính gửi", "Nơi nhận").
"""

from __future__ import annotations

import re

from ingest.dates import fold_with_offsets
from ingest.normalize import strip_diacritics

# Document type -> its code in a số hiệu ("144/KH-UBND"). Công văn and thư công have no code.
DOCUMENT_TYPES: dict[str, str] = {
    "nghị quyết": "NQ",
    "quyết định": "QĐ",
    "chỉ thị": "CT",
    "quy chế": "QC",
    "quy định": "QYĐ",
    "thông cáo": "TC",
    "thông báo": "TB",
    "hướng dẫn": "HD",
    "chương trình": "CTr",
    "kế hoạch": "KH",
    "phương án": "PA",
    "đề án": "ĐA",
    "dự án": "DA",
    "báo cáo": "BC",
    "biên bản": "BB",
    "tờ trình": "TTr",
    "hợp đồng": "HĐ",
    "công văn": "",
    "công điện": "CĐ",
    "bản ghi nhớ": "GN",
    "bản thỏa thuận": "TTh",
    "giấy ủy quyền": "GUQ",
    "giấy mời": "GM",
    "giấy giới thiệu": "GGT",
    "giấy nghỉ phép": "NP",
    "phiếu gửi": "PG",
    "phiếu chuyển": "PC",
    "phiếu báo": "PB",
    "thư công": "",
}
_TYPE_BY_CODE = {code.casefold(): name for name, code in DOCUMENT_TYPES.items() if code}

# A reference to one document by its type and number ("Kế hoạch 144/KH-UBND", "QĐ 2843", "chi thi so
# 012"), matched on folded text so that it is found however it is typed.
_REFERENCE = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted({re.escape(strip_diacritics(t)) for t in [*DOCUMENT_TYPES, *DOCUMENT_TYPES.values()] if t},
                                    key=len, reverse=True))
    + r")\s+(?:so\s+)?\d+(?:/[\w.-]+)*"
)


def document_references(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets in `text` of each reference to a document by type and number."""
    folded, offsets = fold_with_offsets(text)
    return [(offsets[m.start()], offsets[m.end()]) for m in _REFERENCE.finditer(folded)]

# Words naming the type of an issuing body, longest first so that "TỔNG CỤC" wins over "CỤC".
ORGANISATION_TYPES: tuple[str, ...] = tuple(sorted((
    "ủy ban nhân dân", "hội đồng nhân dân", "ủy ban mặt trận tổ quốc việt nam", "văn phòng", "sở", "ban",
    "bộ", "tổng cục", "cục", "chi cục", "vụ", "phòng", "trung tâm", "thanh tra", "công an",
    "bộ chỉ huy quân sự", "kho bạc nhà nước", "bảo hiểm xã hội", "ngân hàng nhà nước", "viện", "trường",
), key=len, reverse=True))

# Signing authority (Điều 13): thay mặt, ký thay, thừa lệnh, thừa ủy quyền, quyền.
AUTHORITY_MARK = re.compile(r"^(?:TM|T/M|KT|TL|TUQ|Q)\.\s*", re.IGNORECASE)
AUTHORITY_WORDS: dict[str, str] = {"TM": "thay mặt", "T/M": "thay mặt", "KT": "ký thay", "TL": "thừa lệnh",
                                   "TUQ": "thừa ủy quyền", "Q": "quyền"}
# Positions that sign, in the capitals of a signature block.
SIGNING_POSITION = re.compile(
    r"^(?:PHÓ\s+)?(?:CHỦ TỊCH|GIÁM ĐỐC|CHÁNH VĂN PHÒNG|CHÁNH THANH TRA|TRƯỞNG BAN|TRƯỞNG PHÒNG|BÍ THƯ|"
    r"CỤC TRƯỞNG|CHI CỤC TRƯỞNG|BỘ TRƯỞNG|THỨ TRƯỞNG|TỔNG CỤC TRƯỞNG|VIỆN TRƯỞNG|HIỆU TRƯỞNG|TRƯỞNG)\b"
)
NATIONAL_MOTTO = re.compile(r"^(?:CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*[-–]\s*Tự do)", re.IGNORECASE)
SO_HIEU_LINE = re.compile(r"^Số\s*:\s*(.*)$", re.IGNORECASE)
PLACE_DATE_LINE = re.compile(
    r"^(?P<place>[^,]{2,40}),\s*ngày\s*(?P<day>\d{1,2})?\s*tháng\s*(?P<month>\d{1,2})?\s*năm\s*(?P<year>\d{4})",
    re.IGNORECASE,
)
RECIPIENT_LINE = re.compile(r"^Kính\s+gửi\s*:\s*(.+)$", re.IGNORECASE)
DISTRIBUTION_LINE = re.compile(r"^Nơi nhận\s*:?", re.IGNORECASE)
ISSUING_BODY_LINE = re.compile(r"^(?:ỦY BAN NHÂN DÂN|UBND)\b")


def document_type_of_line(line: str) -> str:
    """The type a header line names on its own ("KẾ HOẠCH", "QUYẾT ĐỊNH:"), lower case, or ""."""
    words = " ".join(line.strip(" .:").split())
    if not words or not words.isupper():
        return ""
    name = words.lower()
    return name if name in DOCUMENT_TYPES else ""


def document_type_of_title(line: str) -> tuple[str, str]:
    """A web page's title that opens with its type ("Báo cáo tình hình …"): (type, rest), else ("", "")."""
    lowered = line.lower()
    for name in sorted(DOCUMENT_TYPES, key=len, reverse=True):
        if lowered.startswith(name + " ") and len(line) > len(name) + 3:
            return name, line[len(name):].strip(" :-–")
    return "", ""


def document_type_of_code(so_hieu: str) -> str:
    """The type coded in a số hiệu: "144/KH-UBND" -> "kế hoạch"; "" for an unknown or missing code."""
    match = re.match(r"^[^/]*/(?:\d{4}/)?([^-/\s]+)", so_hieu)
    return _TYPE_BY_CODE.get(match.group(1).casefold(), "") if match else ""


def starts_with_organisation(line: str) -> str:
    """The organisation type a line opens with ("SỞ NỘI VỤ" -> "sở"), or ""."""
    lowered = " ".join(line.lower().split())
    for word in ORGANISATION_TYPES:
        if lowered == word or lowered.startswith(word + " "):
            return word
    if lowered.startswith("ubnd"):
        return "ủy ban nhân dân"
    return ""


def is_signature_line(line: str) -> bool:
    """A line of capitals that opens or continues a signature block ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")."""
    return bool(AUTHORITY_MARK.match(line) or SIGNING_POSITION.match(line))
