"""Opening an untrusted zip and reading its members in bounded memory."""

from __future__ import annotations

import copy
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO

from django.conf import settings

from .errors import PackageRejected, human_size

CHUNK_SIZE = 1024 * 1024

# A central-directory record is 46 bytes plus name, extra field and comment; real packages stay
# far below this average. Bounding the directory's size before zipfile parses it bounds the memory
# that parsing takes, whatever entry count the end record claims.
CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 1024

_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")

NOT_A_ZIP = (
    "The file is not a zip archive, or it is truncated. A SCORM package must be a .zip file."
)


def too_many_entries(count: int) -> PackageRejected:
    limit = settings.SCORM_INTAKE_MAX_ENTRIES
    return PackageRejected(f"The zip has {count:,} entries, over the limit of {limit:,}.")


def archive_size(fileobj: IO[bytes]) -> int:
    """The upload's size in bytes, refused above the upload limit."""
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    limit = settings.SCORM_INTAKE_MAX_UPLOAD_BYTES
    if size > limit:
        raise PackageRejected(
            f"The file is {human_size(size)}, over the {human_size(limit)} limit for packages."
        )
    return size


def sha256_of(fileobj: IO[bytes]) -> str:
    fileobj.seek(0)
    digest = hashlib.sha256()
    while chunk := fileobj.read(CHUNK_SIZE):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def open_zip(fileobj: IO[bytes], size: int) -> zipfile.ZipFile:
    _check_central_directory(fileobj, size)
    try:
        return zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, EOFError, ValueError) as err:
        raise PackageRejected(NOT_A_ZIP) from err


def _check_central_directory(fileobj: IO[bytes], size: int) -> None:
    """Refuse a zip whose central directory is too big before zipfile reads it into memory."""
    tail_size = min(size, _END_RECORD.size + 0xFFFF)  # the end record plus its longest comment
    fileobj.seek(size - tail_size)
    tail = fileobj.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END_RECORD.size > len(tail):
        raise PackageRejected(NOT_A_ZIP)
    *_, entries, directory_size, _, _ = _END_RECORD.unpack_from(tail, at)
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:  # the real values are in the zip64 record
        locator_at = size - tail_size + at - _ZIP64_LOCATOR.size
        record_at = locator_at - _ZIP64_END_RECORD.size
        if record_at >= 0:
            fileobj.seek(record_at)
            record = fileobj.read(_ZIP64_END_RECORD.size + _ZIP64_LOCATOR.size)
            if (
                record.startswith(b"PK\x06\x06")
                and record[-_ZIP64_LOCATOR.size :][:4] == b"PK\x06\x07"
            ):
                *_, entries, directory_size, _ = _ZIP64_END_RECORD.unpack_from(record)
    fileobj.seek(0)
    limit = settings.SCORM_INTAKE_MAX_ENTRIES
    if entries > limit:
        raise too_many_entries(entries)
    if directory_size > limit * CENTRAL_DIRECTORY_BYTES_PER_ENTRY:
        raise PackageRejected(
            f"The zip's table of contents is {human_size(directory_size)}, "
            f"too large for the limit of {limit:,} entries."
        )


@contextmanager
def reading(info: zipfile.ZipInfo) -> Iterator[None]:
    """Report a member whose data cannot be read back as the uploader's problem."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise damaged(info) from err


def damaged(info: zipfile.ZipInfo) -> PackageRejected:
    return PackageRejected(
        f"The zip is damaged: '{info.orig_filename}' fails its integrity check. "
        "Create the zip again and upload the new file."
    )


class MeteredReader:
    """A member's data, refused as soon as it runs past the size the member's header declared.

    Open the member with :func:`open_member`, so that an overrun reaches this count rather than
    being cut off silently by zipfile.
    """

    def __init__(self, stream: IO[bytes], info: zipfile.ZipInfo) -> None:
        self._stream = stream
        self._info = info
        self.size = info.file_size
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = self.size - self.bytes_read + 1  # one byte more than allowed shows an overrun
        data = self._stream.read(size)
        self.bytes_read += len(data)
        if self.bytes_read > self.size:
            raise PackageRejected(
                f"The zip entry '{self._info.orig_filename}' holds more data than its header "
                "declares; the zip looks like a zip bomb."
            )
        if not data and size and self.bytes_read < self.size:
            raise damaged(self._info)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        raise io.UnsupportedOperation("a zip member is read once, front to back")

    def tell(self) -> int:
        return self.bytes_read


def open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """Open a member for streaming, letting one byte past its declared size through.

    zipfile stops at the declared size, so a header that understates its data would yield a
    truncated file whose CRC may well match. With one byte of slack the overrun either fails the
    CRC check or reaches :class:`MeteredReader`: both refuse the zip.
    """
    probe = copy.copy(info)
    probe.file_size = info.file_size + 1
    return zf.open(probe)


def verify_members(zf: zipfile.ZipFile, infos: Iterable[zipfile.ZipInfo]) -> None:
    """Read every member through to its CRC check, a chunk at a time."""
    for info in infos:
        with reading(info), open_member(zf, info) as member:
            reader = MeteredReader(member, info)
            while reader.read(CHUNK_SIZE):
                pass
