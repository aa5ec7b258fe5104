"""Checks on a zip's entries, from its central directory alone: names, kinds, sizes, ratios."""

from __future__ import annotations

import itertools
import posixpath
import re
import stat
import unicodedata
import zipfile
from collections.abc import Collection

from django.conf import settings

from .archive import MeteredReader, open_member, reading, too_many_entries
from .errors import PackageRejected, human_size

MANIFEST_NAME = "imsmanifest.xml"

# Compression ratio is only judged above this size: tiny text files legitimately shrink 100 times.
RATIO_MIN_BYTES = 1024 * 1024

# Authoring tools write deflate or stored entries; other methods only widen the attack surface.
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_ENCRYPTED = 0x1
_UNIX = 3
_LOCAL_HEADER_BYTES = 30  # the fixed part of a local file header, which precedes the data
_DRIVE = re.compile(r"^[A-Za-z]:")

# Names the file system must be able to write once extracted under the package's content root,
# "packages/content/<64 hex digits>/" (``Package.content_root``). ext4, XFS and APFS cap a file
# or folder name at 255 bytes; 1,024 bytes for the whole stored name stays far below PATH_MAX
# (4,096) with room for MEDIA_ROOT in front, and well above what authoring tools write.
MAX_NAME_BYTES = 255
MAX_STORED_PATH_BYTES = 1024
_CONTENT_ROOT_BYTES = len("packages/content/") + 64 + len("/")
MAX_PATH_BYTES = MAX_STORED_PATH_BYTES - _CONTENT_ROOT_BYTES  # 942 bytes inside the package
_SHOWN_CHARS = 60  # of an overlong name in a message: its start and its end


def check_members(zf: zipfile.ZipFile, archive_size: int) -> dict[str, zipfile.ZipInfo]:
    """Validate every entry; return the files (not folders) by their normalised path."""
    infos = zf.infolist()
    if len(infos) > settings.SCORM_INTAKE_MAX_ENTRIES:
        raise too_many_entries(len(infos))
    files: dict[str, zipfile.ZipInfo] = {}
    seen: dict[str, str] = {}  # case- and Unicode-folded path -> the entry's name
    folders: set[str] = set()
    for info in infos:
        path = member_path(info)
        _check_kind(info)
        key = unicodedata.normalize("NFC", path).casefold()
        if info.is_dir():
            folders.add(key)
            continue
        if key in seen:
            raise _duplicate(seen[key], info.orig_filename)
        seen[key] = info.orig_filename
        files[path] = info
        folders.update(_parents(key))
    if clash := next((key for key in seen if key in folders), None):
        raise PackageRejected(f"The zip uses '{seen[clash]}' both as a file and as a folder.")
    _check_overlaps(infos)
    _check_sizes(files.values(), archive_size)
    return files


def member_path(info: zipfile.ZipInfo) -> str:
    """The entry's path relative to the package root, refused if it could leave that root."""
    name = info.orig_filename  # zipfile truncates ``filename`` at a NUL byte; this is the original
    if "\x00" in name:
        shown = name.replace("\x00", "\\0")
        raise PackageRejected(f"The zip entry '{shown}' has a NUL byte in its name.")
    if "\\" in name:
        raise PackageRejected(
            f"The zip entry '{name}' uses backslashes in its path; zip paths use '/'. "
            "Create the zip with a standard zip tool."
        )
    if name.startswith("/") or _DRIVE.match(name):
        raise PackageRejected(
            f"The zip entry '{name}' has an absolute path; entries must be relative to the package root."
        )
    parts = name.split("/")
    if ".." in parts:
        raise PackageRejected(
            f"The zip entry '{name}' contains a '..' component, which points outside the package."
        )
    path = "/".join(part for part in parts if part not in ("", "."))
    if not path and not info.is_dir():
        raise PackageRejected(f"The zip has an entry without a file name ('{name}').")
    _check_lengths(path)
    return path


def _check_lengths(path: str) -> None:
    for part in path.split("/"):
        size = len(part.encode("utf-8"))
        if size > MAX_NAME_BYTES:
            raise PackageRejected(
                f"The zip entry '{_shorten(path)}' has a file or folder name of {size:,} bytes; "
                f"names can be at most {MAX_NAME_BYTES} bytes."
            )
    size = len(path.encode("utf-8"))
    if size > MAX_PATH_BYTES:
        raise PackageRejected(
            f"The zip entry '{_shorten(path)}' has a path of {size:,} bytes; "
            f"paths inside a package can be at most {MAX_PATH_BYTES} bytes."
        )


def _shorten(name: str) -> str:
    if len(name) <= 2 * _SHOWN_CHARS:
        return name
    return f"{name[:_SHOWN_CHARS]}…{name[-_SHOWN_CHARS // 2 :]}"


def _check_kind(info: zipfile.ZipInfo) -> None:
    name = info.orig_filename
    if info.create_system == _UNIX and stat.S_ISLNK(info.external_attr >> 16):
        raise PackageRejected(
            f"The zip entry '{name}' is a symbolic link; packages cannot contain links."
        )
    if info.flag_bits & _ENCRYPTED:
        raise PackageRejected(
            f"The zip entry '{name}' is password-protected; upload an unencrypted zip."
        )
    if info.compress_type not in _METHODS:
        raise PackageRejected(
            f"The zip entry '{name}' uses an unsupported compression method ({info.compress_type}); "
            "create the zip again with standard (deflate) compression."
        )


def _duplicate(first: str, second: str) -> PackageRejected:
    if first == second:
        return PackageRejected(f"The zip contains '{first}' twice.")
    return PackageRejected(f"The zip entries '{first}' and '{second}' name the same file.")


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _check_overlaps(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse entries sharing data: the trick behind zip bombs that defeat per-entry ratios."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for first, second in itertools.pairwise(ordered):
        if first.header_offset + _LOCAL_HEADER_BYTES + first.compress_size > second.header_offset:
            raise PackageRejected(
                f"The zip entries '{first.orig_filename}' and '{second.orig_filename}' overlap; "
                "the zip looks like a zip bomb."
            )


def _check_sizes(files: Collection[zipfile.ZipInfo], archive_size: int) -> None:
    total = sum(info.file_size for info in files)
    if total > settings.SCORM_INTAKE_MAX_UNCOMPRESSED_BYTES:
        limit = settings.SCORM_INTAKE_MAX_UNCOMPRESSED_BYTES
        raise PackageRejected(
            f"The zip would unpack to {human_size(total)}, over the {human_size(limit)} limit."
        )
    max_ratio = settings.SCORM_INTAKE_MAX_COMPRESSION_RATIO
    for info in files:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > max_ratio:
            raise PackageRejected(
                f"The zip entry '{info.orig_filename}' expands {ratio:,.0f} times "
                f"({human_size(info.compress_size)} to {human_size(info.file_size)}), over the "
                f"limit of {max_ratio}; the zip looks like a zip bomb."
            )
    ratio = total / max(archive_size, 1)
    if total > RATIO_MIN_BYTES and ratio > max_ratio:
        raise PackageRejected(
            f"The zip expands {ratio:,.0f} times ({human_size(archive_size)} to {human_size(total)}), "
            f"over the limit of {max_ratio}; the zip looks like a zip bomb."
        )


def find_manifest(files: dict[str, zipfile.ZipInfo]) -> zipfile.ZipInfo:
    if MANIFEST_NAME in files:
        return files[MANIFEST_NAME]
    nested = sorted(
        (path for path in files if posixpath.basename(path) == MANIFEST_NAME),
        key=lambda path: (path.count("/"), path),
    )
    if nested:
        folder = posixpath.dirname(nested[0]) + "/"
        raise PackageRejected(
            f"imsmanifest.xml is in the folder '{folder}' — zip the contents of that folder, "
            "not the folder itself."
        )
    if misnamed := next(
        (p for p in files if posixpath.basename(p).casefold() == MANIFEST_NAME), None
    ):
        raise PackageRejected(
            f"The manifest must be named 'imsmanifest.xml' in lower case; the zip has '{misnamed}'."
        )
    raise PackageRejected(
        "The zip has no imsmanifest.xml at its root, so it is not a SCORM package."
    )


def read_manifest(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    limit = settings.SCORM_INTAKE_MAX_MANIFEST_BYTES
    if info.file_size > limit:
        raise PackageRejected(
            f"imsmanifest.xml is {human_size(info.file_size)}, over the {human_size(limit)} limit."
        )
    # The metered read refuses data beyond the declared (and so checked) size.
    with reading(info), open_member(zf, info) as member:
        return MeteredReader(member, info).read(limit + 1)
