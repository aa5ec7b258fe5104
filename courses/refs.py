"""Packages as the provider layer sees them: frozen dataclasses, never models."""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import IO

from providers.types import PackageRef

from .models import Package


def _opener(package: Package) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    name, storage = package.file.name, package.file.storage

    def open_zip() -> AbstractContextManager[IO[bytes]]:
        return storage.open(name, "rb")

    return open_zip


def package_ref(package: Package) -> PackageRef:
    """``package`` as a launch needs it: no query."""
    return PackageRef(
        id=package.pk,
        course_key="",  # only imports name remote courses after it (package_import_ref)
        version=package.version,
        standard=package.standard,
        filename=posixpath.basename(package.file.name),
        size=package.size,
        open=_opener(package),
        remote_id=package.remote_id,
        remote_version=package.remote_version,
        remote_job_id=package.remote_job_id,
    )


def package_import_ref(package: Package) -> PackageRef:
    """``package`` as an import needs it: who uploaded it, and the remote id of the course's
    latest earlier package on the same provider (a new version of the same remote course)."""
    earlier = (
        Package.objects.filter(
            course_id=package.course_id, provider=package.provider, version__lt=package.version
        )
        .exclude(remote_id="")
        .order_by("-version")
        .values_list("remote_id", flat=True)
        .first()
    )
    return dataclasses.replace(
        package_ref(package),
        course_key=package.course.slug,
        uploaded_by=package.uploaded_by.get_username() if package.uploaded_by_id else "",
        earlier_remote_id=earlier or "",
    )
