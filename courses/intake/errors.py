"""The one exception the intake raises, and the size wording its messages share."""

from __future__ import annotations


class PackageRejected(Exception):
    """An upload that is not a usable, safe SCORM package.

    ``message`` is one sentence for the uploader (the admin form shows it as is).
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def human_size(size: int) -> str:
    """Bytes as the uploader thinks of them: ``512 bytes``, ``3.2 MB``, ``1.0 GB``."""
    if size < 1024:
        return f"{size:,} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:,.1f} {unit}"
