"""Unpacking a stored package into the default storage, in bounded memory.

Works the same on local disk and on S3: the zip is read back once (S3 spools it to a temporary
file past ``FILE_UPLOAD_MAX_MEMORY_SIZE``), what is already stored is learnt from one listing,
and each member is streamed, unseekable, into ``storage.save`` (multipart on S3).
"""

from __future__ import annotations

import logging
import zipfile
from typing import TYPE_CHECKING

from django.core.files import File
from django.core.files.storage import Storage, default_storage

from core.storage import list_sizes

from .archive import CHUNK_SIZE, MeteredReader, open_member, reading, sha256_of
from .errors import PackageRejected
from .inspection import open_checked

if TYPE_CHECKING:
    from courses.models import Package

logger = logging.getLogger(__name__)


class _MemberFile(File):
    """A zip member as storages take a file: read once, front to back, never seeked (S3's
    backend asks ``seekable()``, and then uploads it in parts as it is read)."""

    DEFAULT_CHUNK_SIZE = CHUNK_SIZE  # fewer, larger writes than Django's 64 KiB

    @property
    def closed(self) -> bool:
        return False  # the member is closed by the extraction once saved

    def seekable(self) -> bool:
        return False


def extract_package(package: Package) -> None:
    """Unpack ``package.file`` to ``package.content_root`` in the default storage.

    Every check of the intake runs again first. Files already present with the right size are
    kept: the root is keyed by SHA-256, so they come from an identical zip. If a member turns out
    damaged or bigger than declared, the files this call wrote are deleted and
    ``PackageRejected`` is raised.
    """
    storage = default_storage
    root = package.content_root
    with package.file.open("rb") as stored, open_checked(stored) as checked:
        # The content root is keyed by the hash: a different file must not land under it.
        if sha256_of(stored) != package.sha256:
            raise PackageRejected(
                "The stored package file does not match the checksum recorded at upload. "
                "Upload the package again."
            )
        present = list_sizes(storage, root)  # one listing, not a HEAD per member
        written: list[str] = []
        try:
            for path, info in checked.files.items():
                size = present.get(path)
                if size == info.file_size:
                    continue
                if size is not None:
                    storage.delete(f"{root}/{path}")  # cut short by an interrupted extraction
                _extract_member(storage, checked.zip, info, f"{root}/{path}", written)
        except BaseException:
            for name in written:
                _delete_quietly(storage, name)
            raise
    logger.info(
        "Extracted package %s to %s: %d files written, %d already present",
        package.pk,
        root,
        len(written),
        len(checked.files) - len(written),
    )


def _extract_member(
    storage: Storage, zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, written: list[str]
) -> None:
    written.append(name)  # before saving, so a save that fails half-way is cleaned up too
    with reading(info), open_member(zf, info) as member:
        saved = storage.save(name, _MemberFile(MeteredReader(member, info), name=name))
    if saved != name:
        # A concurrent extraction of the same zip stored this file first; keep theirs.
        written.pop()
        storage.delete(saved)


def _delete_quietly(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:
        logger.exception("Could not delete %s while rolling back an extraction", name)
