"""Courses and their package versions: upload, intake and import."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.db.models import Max

from courses.intake import PackageInfo, inspect_package
from lms.scorm import ProviderError, get_provider
from lms.scorm.types import ImportResult, ImportState

from .models import Course, Package, Sco
from .tasks import package_import

logger = logging.getLogger(__name__)


@transaction.atomic
def package_create(
    *, course: Course, upload: File, uploaded_by: AbstractBaseUser | None = None
) -> Package:
    """Store an uploaded zip as the course's next package version and queue its import.

    The intake runs first and raises ``PackageRejected`` before anything is written.
    """
    info: PackageInfo = inspect_package(upload)
    upload.seek(0)
    # Lock the course row so concurrent uploads cannot take the same version number.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    version = (course.packages.aggregate(v=Max("version"))["v"] or 0) + 1
    package = Package(
        course=course,
        version=version,
        sha256=info.sha256,
        size=info.size,
        standard=info.standard,
        title=info.title[:300],
        manifest=info.manifest,
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
    transaction.on_commit(lambda: package_import.delay(package.pk))
    return package


def _record(package: Package, result: ImportResult) -> None:
    package.status = result.state
    package.error = result.message if result.state == ImportState.FAILED else ""
    package.remote_id = result.remote_id or package.remote_id
    package.remote_version = result.remote_version or package.remote_version
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


def package_import_start(*, package: Package) -> ImportResult:
    """Hand the package to its course's provider. Failures are recorded, not raised."""
    provider = get_provider(package.course.provider)
    Package.objects.filter(pk=package.pk).update(status=ImportState.PROCESSING, error="")
    package.status = ImportState.PROCESSING
    try:
        result = provider.import_package(package)
    except ProviderError as err:
        logger.warning(
            "Import of package %s into %s failed: %s", package.pk, provider.identifier, err
        )
        result = ImportResult(state=ImportState.FAILED, message=err.message)
    except Exception:
        logger.exception("Import of package %s failed unexpectedly", package.pk)
        result = ImportResult(
            state=ImportState.FAILED, message="The import failed unexpectedly; see the server log."
        )
    _record(package, result)
    return result


def package_import_check(*, package: Package) -> ImportResult:
    """Ask the provider where a started import stands, and record it."""
    provider = get_provider(package.course.provider)
    try:
        result = provider.import_status(package)
    except ProviderError as err:
        logger.warning("Import status of package %s unavailable: %s", package.pk, err)
        return ImportResult(state=ImportState.PROCESSING, message=err.message)
    _record(package, result)
    return result


def package_import_timed_out(*, package: Package) -> None:
    _record(
        package,
        ImportResult(
            state=ImportState.FAILED,
            message="The provider did not finish importing this package in time. Upload it again to retry.",
        ),
    )
