"""Courses and their package versions: upload, intake and import into the course's provider.

Packages are written only here. A package records the provider it is imported into; a
course that changes provider gets its newest package imported again into the new one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.background import broker_configured
from courses.intake import PackageInfo, PackageRejected, extract_package, inspect_package
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


def _delete_tree(prefix: str) -> None:
    storage = default_storage
    try:
        folders, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        storage.delete(f"{prefix}/{name}")
    for folder in folders:
        _delete_tree(f"{prefix}/{folder}")
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(storage.path(prefix))  # a file system leaves empty folders behind


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
    if cache.add(f"package-import-check:{package.pk}", 1, IMPORT_CHECK_INTERVAL_SECONDS):
        package_import_check(package=package)
