"""The one error type ingestion raises for a file it cannot use."""

from __future__ import annotations

from pathlib import Path


class UnreadableReportError(Exception):
    """A file that cannot become a report: names the file and says why and what to do.

    The reason is in Vietnamese because it is shown to the staff who upload reports.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
