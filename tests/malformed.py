"""Malformed report files, made on the fly from the sample reports (for tests/test_security.py,
tests/test_fuzz_inputs.py and benchmarks/fuzz_inputs.py; nothing is committed).

Each builder returns bytes. The named ones reproduce one known library failure each (lxml's
"Excessive depth", zlib's "Error -3", "zip file version 14.8", pypdf's LimitReachedError); `mutants`
draws many random damages of .txt, .md, .docx and .pdf from a seed.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from documents import paragraphs_of, write_docx, write_pdf

ROOT = Path(__file__).resolve().parent.parent
SEED_REPORT = ROOT / "data" / "reports" / "004_1ba10a35eaeb2799.txt"


def seed_text() -> str:
    return SEED_REPORT.read_text(encoding="utf-8")


def seed_docx(folder: Path) -> bytes:
    return write_docx(SEED_REPORT, folder / "seed.docx").read_bytes()


def seed_pdf(folder: Path) -> bytes:
    return write_pdf(SEED_REPORT, folder / "seed.pdf").read_bytes()


def _rezip(docx: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def deep_xml_docx(docx: bytes, depth: int = 3000) -> bytes:
    """document.xml nested deeper than lxml allows: "XMLSyntaxError: Excessive depth in document"."""
    body = "<w:r>" * depth + "</w:r>" * depth
    xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
           f'wordprocessingml/2006/main"><w:body><w:p>{body}</w:p></w:body></w:document>')
    return _rezip(docx, {"word/document.xml": xml.encode()})


def _local_entry(data: bytes, name: str) -> tuple[int, int]:
    """(offset of the compressed data, its length) of `name` in a zip archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    header = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[header + 26 : header + 30])
    return header + 30 + name_len + extra_len, info.compress_size


def bad_deflate_docx(docx: bytes) -> bytes:
    """document.xml's deflate stream damaged inside: "zlib.error: Error -3 while decompressing"."""
    start, size = _local_entry(docx, "word/document.xml")
    data = bytearray(docx)
    for i in range(start + size // 4, start + size // 4 + 64):
        data[i] ^= 0xFF
    return bytes(data)


def future_zip_version_docx(docx: bytes) -> bytes:
    """Every entry claims to need zip version 14.8: "NotImplementedError: zip file version 14.8"."""
    data = bytearray(docx)
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        data[pos + 6 : pos + 8] = struct.pack("<H", 148)
        pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(data)


def flate_bomb_pdf(megabytes: int = 80) -> bytes:
    """A one-page PDF whose content stream inflates past pypdf's limit: LimitReachedError."""
    stream = zlib.compress(b"0 0 m " * (megabytes * 1024 * 1024 // 6), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def huge_xref_pdf(pdf: bytes) -> bytes:
    """A PDF whose cross-reference table declares a billion entries: pypdf's LimitReachedError."""
    return re.sub(rb"xref\n0 \d+", b"xref\n0 999999999", pdf, count=1)


def html_page(text: str) -> str:
    """A report as a web page saved with "Save as… text": tags, a script, a style, a menu."""
    paragraphs = "".join(f"<p>{p}</p>\n" for p in paragraphs_of_text(text))
    return ("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Cổng thông tin</title>"
            "<style>p { margin: 0 }</style><script>window.dataLayer = [];</script></head>\n<body>"
            "<nav><ul><li><a href=\"/\">Trang chủ</a></li></ul></nav>\n<div class=\"content\">" + paragraphs
            + "</div></body></html>\n")


def paragraphs_of_text(text: str) -> list[str]:
    return [" ".join(block.split("\n")).strip() for block in text.split("\n\n") if block.strip()]


# --- random damage ------------------------------------------------------------------------------

def _flip(data: bytes, rng: random.Random, count: int) -> bytes:
    out = bytearray(data)
    for _ in range(count):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _text_mutants(text: str, rng: random.Random) -> Iterator[tuple[str, str, bytes]]:
    raw = text.encode("utf-8")
    paras = paragraphs_of_text(text)
    yield "cut", rng.choice([".txt", ".md"]), raw[: rng.randrange(1, len(raw))]
    yield "flip", ".txt", _flip(raw, rng, rng.randrange(1, 200))
    yield "nul", ".md", raw[:2000] + b"\x00" * rng.randrange(1, 50) + raw[2000:4000]
    yield "encoding", ".txt", text.encode(rng.choice(["utf-16", "cp1258", "latin-1"]), errors="replace")
    yield "html", ".txt", html_page(text[: rng.randrange(500, len(text))]).encode()
    yield "tags", ".md", ("<div><span>" * rng.randrange(5, 500) + "x").encode()
    yield "headings", ".md", "\n\n".join(f"{'#' * rng.randrange(1, 5)} {p[:40]}" for p in rng.sample(paras, 15)).encode()
    yield "one-line", ".txt", " ".join(" ".join(rng.choice(paras).split()[:30]) for _ in range(rng.randrange(20, 200))).encode()
    yield "tiny", rng.choice([".txt", ".md"]), bytes([rng.randrange(32, 127)]) * rng.randrange(1, 4)
    yield "blank", ".md", b"\n \t\n" * rng.randrange(1, 100)
    yield "bom", ".txt", b"\xef\xbb\xbf" + raw[: rng.randrange(0, 3)]
    yield "digits", ".txt", " ".join(str(rng.randrange(10**6)) for _ in range(2000)).encode()
    yield "english", ".md", (b"The committee reviewed the quarterly results and approved the plan. " * 40)
    yield "controls", ".txt", bytes(rng.randrange(0, 32) for _ in range(3000))
    yield "nested-list", ".md", "\n".join("  " * i + f"- mục {i}: {rng.choice(paras)[:60]}" for i in range(300)).encode()
    yield "table-only", ".md", "\n".join("| " + " | ".join(str(rng.randrange(1000)) for _ in range(6)) + " |"
                                         for _ in range(200)).encode()
    yield "shuffled", ".txt", "\n\n".join(rng.sample(paras, len(paras))).encode()
    yield "surrogates", ".txt", raw[:3000] + b"\xed\xa0\x80" + raw[3000:6000]


def _docx_mutants(docx: bytes, rng: random.Random) -> Iterator[tuple[str, str, bytes]]:
    yield "cut", ".docx", docx[: rng.randrange(1, len(docx))]
    yield "flip", ".docx", _flip(docx, rng, rng.randrange(1, 50))
    yield "deep-xml", ".docx", deep_xml_docx(docx, rng.randrange(300, 5000))
    yield "bad-deflate", ".docx", bad_deflate_docx(docx)
    yield "zip-version", ".docx", future_zip_version_docx(docx)
    yield "garbage-xml", ".docx", _rezip(docx, {"word/document.xml": _flip(b"<w:document>" * 50, rng, 30)})
    yield "no-body", ".docx", _rezip(docx, {"word/document.xml": b'<?xml version="1.0"?><w:document '
                                            b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'})
    yield "missing-part", ".docx", _drop_part(docx, rng.choice(["word/document.xml", "[Content_Types].xml",
                                                               "_rels/.rels"]))
    yield "not-zip", ".docx", seed_text().encode()[: rng.randrange(10, 5000)]
    yield "entities", ".docx", _rezip(docx, {"word/document.xml": (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>')})


def _drop_part(docx: bytes, name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


def _pdf_mutants(pdf: bytes, rng: random.Random) -> Iterator[tuple[str, str, bytes]]:
    yield "cut", ".pdf", pdf[: rng.randrange(1, len(pdf))]
    yield "flip", ".pdf", _flip(pdf, rng, rng.randrange(1, 50))
    yield "no-xref", ".pdf", pdf.replace(b"xref", b"xxxx").replace(b"startxref", b"startxxxx")
    yield "header-only", ".pdf", b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 500)))
    yield "bomb", ".pdf", flate_bomb_pdf(rng.choice([80, 100]))
    yield "huge-xref", ".pdf", huge_xref_pdf(pdf)
    yield "loop", ".pdf", pdf.replace(b"/Parent 1 0 R", b"/Parent 3 0 R")
    yield "bad-length", ".pdf", pdf.replace(b"/Length ", b"/Length 9", 3)


def mutants(seed: int, folder: Path) -> Iterator[tuple[str, bytes]]:
    """(file name, content) of malformed files, endlessly, drawn from `seed`."""
    rng = random.Random(seed)
    text, docx, pdf = seed_text(), seed_docx(folder), seed_pdf(folder)
    round_no = 0
    while True:
        for kind, suffix, data in [*_text_mutants(text, rng), *_docx_mutants(docx, rng), *_pdf_mutants(pdf, rng)]:
            yield f"r{round_no:03d}-{kind}{suffix}", data
        round_no += 1
