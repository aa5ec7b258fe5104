"""The checks every intake path runs, and ``inspect_package`` for uploads."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from .archive import archive_size, open_zip, sha256_of, verify_members
from .errors import PackageRejected
from .manifest import Manifest, parse_manifest
from .types import PackageInfo
from .zipcheck import check_members, find_manifest, read_manifest

MISSING_FILES_SHOWN = 5


@dataclass(frozen=True)
class CheckedPackage:
    zip: zipfile.ZipFile
    size: int
    files: dict[str, zipfile.ZipInfo]  # by normalised path; folders left out
    manifest: Manifest


@contextmanager
def open_checked(fileobj: IO[bytes]) -> Iterator[CheckedPackage]:
    """Open a zip that passed every check that needs no more than its directory and manifest."""
    size = archive_size(fileobj)
    with open_zip(fileobj, size) as zf:
        files = check_members(zf, size)
        manifest = parse_manifest(read_manifest(zf, find_manifest(files)))
        _check_named_files(manifest, files)
        yield CheckedPackage(zip=zf, size=size, files=files, manifest=manifest)


def _check_named_files(manifest: Manifest, files: dict[str, zipfile.ZipInfo]) -> None:
    missing = [path for path in manifest.files if path not in files]
    if not missing:
        return
    shown = ", ".join(f"'{path}'" for path in missing[:MISSING_FILES_SHOWN])
    more = len(missing) - MISSING_FILES_SHOWN
    raise PackageRejected(
        f"The zip lacks files that imsmanifest.xml names: {shown}"
        + (f" and {more} more." if more > 0 else ".")
    )


def inspect_package(fileobj: IO[bytes]) -> PackageInfo:
    """Check an uploaded zip and read its manifest; raise ``PackageRejected`` if it is unusable.

    ``fileobj`` must be seekable (a Django upload or an open file); it is left at position 0.
    Only the manifest is read into memory; member data is streamed through its CRC check.
    """
    with open_checked(fileobj) as package:
        verify_members(package.zip, package.files.values())
    manifest = package.manifest
    return PackageInfo(
        sha256=sha256_of(fileobj),
        size=package.size,
        standard=manifest.standard,
        title=manifest.title,
        scos=manifest.scos,
        manifest=manifest.summary,
        sequencing=manifest.sequencing,
    )
