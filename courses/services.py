"""Courses and their package versions: upload, intake and import into the course's provider.

Packages are written only here. A package records the provider it is imported into; a
course that changes provider gets its newest package imported again into the new one.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import posixpath
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from core.background import broker_configured
from core.shared_cache import cache_call
from core.storage import delete_tree
from courses.intake import PackageInfo, PackageRejected, extract_package, inspect_package
from courses.intake.errors import human_size
from courses.intake.inspection import open_checked
from courses.intake.xmltree import child as xml_child
from courses.intake.xmltree import children as xml_children
from courses.intake.xmltree import parse as parse_manifest_xml
from courses.intake.xmltree import text as xml_text
from courses.intake.zipcheck import find_manifest, read_manifest
from providers import ProviderError, get_provider
from providers.types import ImportResult, ImportState

from .models import Course, Package, Sco
from .refs import package_import_ref

logger = logging.getLogger(__name__)

#: A provider that has not finished importing after this long has failed.
IMPORT_TIME_LIMIT = timedelta(hours=2)
#: Without a worker, page views advance a processing import at most this often.
IMPORT_CHECK_INTERVAL_SECONDS = 5

UNEXPECTED_FAILURE = "The import failed unexpectedly; see the server log."


def package_inspect(*, upload: File) -> PackageInfo:
    """Run the intake on an upload; ``PackageRejected`` says why it cannot be used. Writes
    nothing, so forms can call it while validating."""
    info = inspect_package(upload)
    upload.seek(0)
    return info


@transaction.atomic
def package_create(
    *,
    course: Course,
    upload: File,
    uploaded_by: AbstractBaseUser | None = None,
    info: PackageInfo | None = None,
) -> Package:
    """Store an uploaded zip as the course's next package version and queue its import into
    the course's provider. ``info``: the intake's answer, when the caller already has it."""
    info = info or package_inspect(upload=upload)
    # Lock the course row so concurrent uploads cannot take the same version number.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    version = (course.packages.aggregate(v=Max("version"))["v"] or 0) + 1
    package = Package(
        course=course,
        version=version,
        provider=course.provider,
        sha256=info.sha256,
        size=info.size,
        standard=info.standard,
        title=info.title[:300],
        manifest=info.manifest,
        sequencing=getattr(info, "sequencing", None) or {},
        uploaded_by=uploaded_by,
    )
    package.file.save(f"{info.sha256}.zip", upload, save=False)
    package.save()
    Sco.objects.bulk_create(
        Sco(
            package=package,
            position=sco.position,
            identifier=sco.identifier,
            title=sco.title[:300],
            href=sco.href,
            is_sco=sco.is_sco,
            mastery_score=sco.mastery_score,
            data_from_lms=sco.data_from_lms,
            prerequisites=sco.prerequisites,
            max_time_allowed=sco.max_time_allowed,
            time_limit_action=sco.time_limit_action,
        )
        for sco in info.scos
    )
    _queue_import(package)
    return package


def _queue_import(package: Package) -> None:
    from .tasks import package_import  # tasks import this module

    package_id = package.pk
    transaction.on_commit(lambda: package_import.delay(package_id))


@transaction.atomic
def package_reimport(*, package: Package, uploaded_by: AbstractBaseUser | None = None) -> Package:
    """Import ``package``'s zip again into its course's current provider, as the course's next
    version (the old version stays with the provider its attempts were played on)."""
    course = Course.objects.select_for_update().get(pk=package.course_id)
    version = (course.packages.aggregate(v=Max("version"))["v"] or 0) + 1
    copy = Package(
        course=course,
        version=version,
        provider=course.provider,
        sha256=package.sha256,
        size=package.size,
        standard=package.standard,
        title=package.title,
        manifest=package.manifest,
        sequencing=package.sequencing,
        uploaded_by=uploaded_by or package.uploaded_by,
    )
    with package.file.open("rb") as stored:
        copy.file.save(posixpath.basename(package.file.name), File(stored), save=False)
    copy.save()
    Sco.objects.bulk_create(
        Sco(
            package=copy,
            position=sco.position,
            identifier=sco.identifier,
            title=sco.title,
            href=sco.href,
            is_sco=sco.is_sco,
            mastery_score=sco.mastery_score,
            data_from_lms=sco.data_from_lms,
            prerequisites=sco.prerequisites,
            max_time_allowed=sco.max_time_allowed,
            time_limit_action=sco.time_limit_action,
        )
        for sco in package.scos.all()
    )
    _queue_import(copy)
    return copy


def course_provider_changed(
    *, course: Course, changed_by: AbstractBaseUser | None
) -> Package | None:
    """The course now plays on another provider: import its newest package into it (no
    attempt starts until that import is ready). Returns the new package, if there was one."""
    latest = course.packages.order_by("-version").first()
    if latest is None or latest.provider == course.provider:
        return None
    return package_reimport(package=latest, uploaded_by=changed_by)


def _record(package: Package, result: ImportResult) -> None:
    package.status = result.state
    package.error = result.message if result.state == ImportState.FAILED else ""
    package.remote_id = result.remote_id or package.remote_id
    package.remote_version = result.remote_version or package.remote_version
    package.remote_job_id = result.remote_job_id or package.remote_job_id
    package.save(
        update_fields=[
            "status",
            "error",
            "remote_id",
            "remote_version",
            "remote_job_id",
            "updated_at",
        ]
    )
    if result.state == ImportState.FAILED:
        _discard_files(package)


def _discard_files(package: Package) -> None:
    """A failed package keeps its record and reason, not its files: the stored zip, and the
    unpacked content unless another live package shares it (content is keyed by hash)."""
    if package.file:
        package.file.delete(save=False)
        Package.objects.filter(pk=package.pk).update(file="")
    shared = (
        Package.objects.filter(sha256=package.sha256)
        .exclude(pk=package.pk)
        .exclude(status=ImportState.FAILED)
        .exists()
    )
    if not shared:
        _delete_tree(package.content_root)


def package_delete(*, package: Package) -> None:
    """Delete a package version that no attempt was played on (attempts protect theirs), and,
    once that has committed, its files: the stored zip and the unpacked content, each unless
    another package still uses it (both are keyed by the zip's hash). The provider's remote
    copy (a SCORM Cloud course, an AllureConnect package) is left where it is."""
    pk, files = package.pk, _PackageFiles.of(package)
    with transaction.atomic():
        package.delete()
        files.delete_unused_on_commit()
    logger.info("Deleted package %s (%s)", pk, files.sha256[:12])


def course_delete(*, course: Course) -> None:
    """Delete a course with everything in it: its enrolments, their attempts and results, its
    package versions, and, once that has committed, the package files no other course uses.
    The providers' remote copies are left where they are, as by :func:`package_delete`."""
    files = [_PackageFiles.of(package) for package in course.packages.all()]
    pk = course.pk
    with transaction.atomic():
        course.delete()
        for package_files in files:
            package_files.delete_unused_on_commit()
    logger.info("Deleted course %s and its %s package versions", pk, len(files))


@dataclass(frozen=True)
class _PackageFiles:
    """Where a package's files are: its stored zip and its unpacked content, both keyed by the
    zip's hash, so that packages of the same zip share them."""

    zip_name: str
    content_root: str
    sha256: str

    @classmethod
    def of(cls, package: Package) -> _PackageFiles:
        return cls(package.file.name or "", package.content_root, package.sha256)

    def delete_unused_on_commit(self) -> None:
        """Once the deletion of their package commits, delete the files no package left uses.
        Called inside that transaction, after the deletion."""
        others = Package.objects.filter(sha256=self.sha256)
        zip_shared = bool(self.zip_name) and others.filter(file=self.zip_name).exists()
        content_shared = others.exclude(status=ImportState.FAILED).exists()

        def delete_files() -> None:
            if self.zip_name and not zip_shared:
                default_storage.delete(self.zip_name)
            if not content_shared:
                _delete_tree(self.content_root)

        transaction.on_commit(delete_files)


def _delete_tree(prefix: str) -> None:
    """Delete a folder of the default storage: a directory tree on disk, every key under
    ``prefix/`` on S3 (in batches of 1,000)."""
    delete_tree(default_storage, prefix)


def package_import_start(*, package: Package) -> ImportResult:
    """Hand the package to its provider (unpacking it first when the LMS serves the content
    itself). Failures are recorded with their reason, not raised."""
    provider = get_provider(package.provider)
    Package.objects.filter(pk=package.pk).update(
        status=ImportState.PROCESSING, error="", import_started_at=timezone.now()
    )
    package.status = ImportState.PROCESSING
    try:
        if provider.hosts_content:
            extract_package(package)
        result = provider.import_package(package_import_ref(package))
    except PackageRejected as err:
        result = ImportResult(state=ImportState.FAILED, message=err.message)
    except ProviderError as err:
        logger.warning(
            "Import of package %s into %s failed: %s", package.pk, provider.identifier, err
        )
        result = ImportResult(state=ImportState.FAILED, message=err.message)
    except Exception:
        logger.exception("Import of package %s failed unexpectedly", package.pk)
        result = ImportResult(state=ImportState.FAILED, message=UNEXPECTED_FAILURE)
    _record(package, result)
    return result


def package_import_check(*, package: Package) -> ImportResult:
    """Ask the provider where a started import stands, and record it. An import that has
    taken longer than ``IMPORT_TIME_LIMIT`` has failed."""
    started = package.import_started_at or package.created_at
    if timezone.now() - started > IMPORT_TIME_LIMIT:
        result = ImportResult(
            state=ImportState.FAILED,
            message="The provider did not finish importing this package in time. Upload it again to retry.",
        )
        _record(package, result)
        return result
    provider = get_provider(package.provider)
    try:
        result = provider.import_status(package_import_ref(package))
    except ProviderError as err:
        logger.warning("Import status of package %s unavailable: %s", package.pk, err)
        return ImportResult(state=ImportState.PROCESSING, message=err.message)
    _record(package, result)
    return result


def package_import_advance(*, package: Package) -> None:
    """Without a worker, a processing import moves on when someone looks at it: check it, at
    most every ``IMPORT_CHECK_INTERVAL_SECONDS`` whoever asks."""
    if broker_configured() or package.status != ImportState.PROCESSING:
        return
    key = f"package-import-check:{package.pk}"
    # While the cache is down nobody checks: once per interval cannot be kept.
    if cache_call("import check", lambda: cache.add(key, 1, IMPORT_CHECK_INTERVAL_SECONDS), False):
        package_import_check(package=package)


# Resumable uploads ---------------------------------------------------------------------------
#
# A large package arrives in chunks (the admin's tus client), each stored in the default storage
# as it comes, under ``packages/partial/<upload id>/``: ``info.json`` (owner, declared length,
# file name, start) and one ``<start>-<end>.part`` object per chunk, named by its byte range so
# the offset is read from a listing. Any server process can take the next chunk, and a chunk is
# stored only once it has arrived whole, so a lost connection leaves the offset where the last
# whole chunk ended. The intake then runs on the chunks joined into one temporary file; the
# chunks are deleted once the package is created or rejected, and unfinished uploads expire.

UPLOADS_ROOT = "packages/partial"
_PART_NAME = re.compile(r"^(\d{12})-(\d{12})\.part$")
_UPLOAD_LOCK_SECONDS = 120  # one chunk at a time; a crashed request frees the upload after this
_COPY_BLOCK = 1024 * 1024


class UploadError(Exception):
    """A chunk that cannot be taken; ``message`` is written for the uploader."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UploadOffsetMismatch(UploadError):
    """The chunk does not start where the stored data ends (``offset`` says where it does)."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"The upload continues at byte {offset:,}.")
        self.offset = offset


class UploadBusy(UploadError):
    """Another request is writing a chunk of the same upload."""


class UploadInterrupted(UploadError):
    """The chunk stopped before its declared length (a lost connection): nothing was kept."""


@dataclass(frozen=True)
class PackageUpload:
    id: str
    owner_id: int
    length: int  # declared when the upload began
    offset: int  # bytes stored so far
    filename: str
    created_at: datetime

    @property
    def complete(self) -> bool:
        return self.offset == self.length

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(hours=settings.SCORM_UPLOAD_EXPIRY_HOURS)


def _upload_prefix(upload_id: str) -> str:
    return f"{UPLOADS_ROOT}/{upload_id}"


def _upload_parts(upload_id: str) -> list[tuple[int, int, str]]:
    """The stored chunks as (start, end, name), in order; names of other shapes are ignored."""
    try:
        _, names = default_storage.listdir(_upload_prefix(upload_id))
    except (FileNotFoundError, NotADirectoryError):
        return []
    parts = []
    for name in names:
        if match := _PART_NAME.match(name):
            parts.append((int(match[1]), int(match[2]), name))
    return sorted(parts)


def _stored_offset(upload_id: str) -> int:
    offset = 0
    for start, end, _ in _upload_parts(upload_id):
        if start != offset:
            break  # chunks are only ever stored where the data ends: a gap means no more
        offset = end
    return offset


def _read_upload(upload_id: str) -> PackageUpload | None:
    try:
        with default_storage.open(f"{_upload_prefix(upload_id)}/info.json", "rb") as stored:
            info = json.load(stored)
        return PackageUpload(
            id=upload_id,
            owner_id=int(info["owner"]),
            length=int(info["length"]),
            offset=_stored_offset(upload_id),
            filename=str(info["filename"]),
            created_at=datetime.fromisoformat(info["created"]),
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def _upload_limit_error(length: int) -> PackageRejected | None:
    limit = settings.SCORM_INTAKE_MAX_UPLOAD_BYTES
    if length > limit:
        return PackageRejected(
            f"The file is {human_size(length)}, over the {human_size(limit)} limit for packages."
        )
    if length < 1:
        return PackageRejected("The file is empty. A SCORM package is a .zip file.")
    return None


def package_upload_begin(
    *, owner: AbstractBaseUser, length: int, filename: str = ""
) -> PackageUpload:
    """Start a resumable upload of ``length`` bytes. Raises ``PackageRejected`` for a length
    the intake would refuse anyway (over ``SCORM_INTAKE_MAX_UPLOAD_BYTES``), before any byte
    is sent. Expired uploads of anyone are deleted on the way."""
    if error := _upload_limit_error(length):
        raise error
    package_uploads_sweep()
    upload = PackageUpload(
        id=str(uuid.uuid4()),
        owner_id=owner.pk,
        length=length,
        offset=0,
        filename=posixpath.basename(filename.replace("\\", "/"))[:200],
        created_at=timezone.now(),
    )
    info = {
        "owner": upload.owner_id,
        "length": upload.length,
        "filename": upload.filename,
        "created": upload.created_at.isoformat(),
    }
    default_storage.save(
        f"{_upload_prefix(upload.id)}/info.json", ContentFile(json.dumps(info).encode())
    )
    return upload


def package_upload_get(*, upload_id: str, owner: AbstractBaseUser) -> PackageUpload | None:
    """``owner``'s unexpired upload, or None (an expired one is deleted)."""
    try:
        upload_id = str(uuid.UUID(str(upload_id)))
    except ValueError:
        return None
    upload = _read_upload(upload_id)
    if upload is None or upload.owner_id != owner.pk:
        return None
    if upload.expires_at <= timezone.now():
        package_upload_discard(upload_id=upload.id)
        return None
    return upload


def package_upload_append(
    *, upload: PackageUpload, offset: int, body: IO[bytes], size: int
) -> PackageUpload:
    """Store the next ``size`` bytes of ``upload``, read from ``body`` in bounded memory. The
    chunk is kept only if it arrives whole and starts where the stored data ends."""
    chunk_limit = settings.SCORM_UPLOAD_CHUNK_BYTES
    if size < 1 or size > chunk_limit:
        raise UploadError(f"A chunk must hold 1 byte to {human_size(chunk_limit)}.")
    if offset + size > upload.length:
        raise UploadError("The chunk goes past the length declared when the upload began.")
    lock = f"package-upload-lock:{upload.id}"
    locked = cache_call("upload lock", lambda: cache.add(lock, 1, _UPLOAD_LOCK_SECONDS), None)
    if locked is None:  # the cache is down: no chunk can be stored safely now
        raise UploadBusy("Uploads are paused for a moment; send the chunk again shortly.")
    if not locked:
        raise UploadBusy("Another request is storing a chunk of this upload.")
    try:
        stored = _stored_offset(upload.id)  # again, now that no other request can write
        if offset != stored:
            raise UploadOffsetMismatch(stored)
        spool = TemporaryUploadedFile("chunk", "application/octet-stream", size, None)
        with spool:
            received = _copy(body, spool, size)
            if received != size:
                raise UploadInterrupted(
                    f"The chunk stopped after {received:,} of {size:,} bytes; send it again."
                )
            spool.seek(0)
            name = f"{_upload_prefix(upload.id)}/{offset:012d}-{offset + size:012d}.part"
            saved = default_storage.save(name, spool)
        if saved != name:  # cannot happen under the lock; never leave a misnamed chunk behind
            default_storage.delete(saved)
            raise UploadOffsetMismatch(_stored_offset(upload.id))
    finally:
        cache_call("upload unlock", lambda: cache.delete(lock), None)
    return dataclasses.replace(upload, offset=offset + size)


def _copy(source: IO[bytes], target: IO[bytes], size: int) -> int:
    copied = 0
    while copied < size:
        block = source.read(min(_COPY_BLOCK, size - copied))
        if not block:
            break
        target.write(block)
        copied += len(block)
    return copied


def package_upload_assemble(*, upload: PackageUpload) -> TemporaryUploadedFile:
    """The finished upload's chunks joined into one temporary file (deleted when closed), for
    the intake. Raises ``PackageRejected`` if the upload is not complete."""
    if not upload.complete:
        raise PackageRejected(
            f"The upload is incomplete ({human_size(upload.offset)} of "
            f"{human_size(upload.length)}). Resume it, or choose the file again."
        )
    joined = TemporaryUploadedFile(
        upload.filename or "package.zip", "application/zip", upload.length, None
    )
    try:
        for _, _, name in _upload_parts(upload.id):
            with default_storage.open(f"{_upload_prefix(upload.id)}/{name}", "rb") as part:
                while block := part.read(_COPY_BLOCK):
                    joined.write(block)
        if joined.tell() != upload.length:
            raise PackageRejected("The upload's stored chunks are incomplete; upload it again.")
    except BaseException:
        joined.close()
        raise
    joined.seek(0)
    return joined


def package_upload_discard(*, upload_id: str) -> None:
    """Delete an upload's chunks and record (done with it, rejected, cancelled or expired)."""
    _delete_tree(_upload_prefix(str(upload_id)))


def package_uploads_sweep() -> int:
    """Delete every upload that has expired (or whose record is unreadable). Returns how many."""
    try:
        folders, _ = default_storage.listdir(UPLOADS_ROOT)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    now = timezone.now()
    swept = 0
    for folder in folders:
        upload = _read_upload(folder)
        expired = upload.expires_at <= now if upload else _leftover_expired(folder, now)
        if expired:
            package_upload_discard(upload_id=folder)
            swept += 1
    return swept


def _leftover_expired(folder: str, now: datetime) -> bool:
    """A folder without a readable record (being written right now, or left by a crash) goes
    once none of its files has changed for the expiry period."""
    prefix = _upload_prefix(folder)
    _, names = default_storage.listdir(prefix)
    cutoff = now - timedelta(hours=settings.SCORM_UPLOAD_EXPIRY_HOURS)
    return all(default_storage.get_modified_time(f"{prefix}/{name}") <= cutoff for name in names)


# New course from a package -------------------------------------------------------------------


@transaction.atomic
def course_create_from_package(
    *,
    upload: File,
    provider: str,
    created_by: AbstractBaseUser | None = None,
    info: PackageInfo | None = None,
) -> Course:
    """Create an unpublished course from a package: the manifest's title and description, a
    unique slug from the title, ``provider``; the package becomes its version 1 and its import
    starts. The course is ready to publish once that import is ready. ``PackageRejected`` says
    why a package cannot be used (nothing is created then)."""
    info = info or package_inspect(upload=upload)
    title = info.title or posixpath.splitext(getattr(upload, "name", "") or "")[0] or "Course"
    title = title[: Course._meta.get_field("title").max_length]
    course = Course.objects.create(
        title=title,
        slug=_unique_course_slug(title),
        description=_manifest_description(upload),
        provider=provider,
        is_published=False,
    )
    package_create(course=course, upload=upload, uploaded_by=created_by, info=info)
    return course


def _unique_course_slug(title: str) -> str:
    limit = Course._meta.get_field("slug").max_length
    base = (slugify(title) or "course")[: limit - 4].strip("-") or "course"
    taken = set(Course.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


_DESCRIPTION_LIMIT = 5000


def _manifest_description(upload: File) -> str:
    """The LOM description in imsmanifest.xml (the manifest's own metadata, else the default
    organisation's), ``""`` if none. SCORM 2004 writes ``<string>``, SCORM 1.2 ``<langstring>``.
    The intake has checked the zip already; this reads the manifest through its bounded
    readers again."""
    with open_checked(upload) as checked:
        root = parse_manifest_xml(read_manifest(checked.zip, find_manifest(checked.files)))
    upload.seek(0)
    organizations = xml_child(root, "organizations")
    default = organizations.get("default", "") if organizations is not None else ""
    organisation = next(
        (o for o in xml_children(organizations, "organization") if o.get("identifier") == default),
        None,
    )
    for owner in (root, organisation):
        general = xml_child(xml_child(xml_child(owner, "metadata"), "lom"), "general")
        description = xml_child(general, "description")
        for name in ("string", "langstring"):
            if found := xml_text(xml_child(description, name)):
                return found[:_DESCRIPTION_LIMIT]
    return ""
