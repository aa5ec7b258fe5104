"""Unpacking a stored package into the default storage, in bounded memory."""

from __future__ import annotations

import logging
import zipfile
from typing import TYPE_CHECKING

from django.core.files import File
from django.core.files.storage import Storage, default_storage

from .archive import CHUNK_SIZE, MeteredReader, open_member, reading, sha256_of
from .errors import PackageRejected
from .inspection import open_checked

if TYPE_CHECKING:
    from courses.models import Package

logger = logging.getLogger(__name__)


class _MemberFile(File):
    DEFAULT_CHUNK_SIZE = CHUNK_SIZE  # fewer, larger writes than Django's 64 KiB


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
        written: list[str] = []
        try:
            for path, info in checked.files.items():
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
    if storage.exists(name):
        if storage.size(name) == info.file_size:
            return
        storage.delete(name)  # cut short by an interrupted extraction
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
