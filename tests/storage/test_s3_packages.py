"""Packages on S3: upload, import and extraction straight to the bucket, versions and deletion."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from courses.demo import build_demo_zip
from courses.intake import PackageRejected, extract_package
from courses.models import Package
from courses.refs import package_ref
from courses.services import (
    _record,
    package_create,
    package_delete,
    package_import_start,
    package_reimport,
)
from providers.types import ImportResult, ImportState
from tests.factories import CourseFactory
from tests.intake.scorm_zips import SCORM12_MANIFEST, build_zip, lying_size_zip, scorm12_files
from tests.storage.s3 import requires_s3

pytestmark = [requires_s3, pytest.mark.django_db]

MiB = 1024 * 1024


def _create(course, data: bytes, name: str = "package.zip") -> Package:
    package = package_create(course=course, upload=ContentFile(data, name=name))
    package.refresh_from_db()
    if package.status == Package.Status.PENDING:  # on_commit does not fire in a test transaction
        package_import_start(package=package)
    package.refresh_from_db()
    return package


def test_the_settings_build_an_s3_storage_from_the_environment(s3_bucket):
    from storages.backends.s3 import S3Storage

    default_storage.exists("x")  # builds the lazy default storage
    storage = default_storage._wrapped
    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == s3_bucket.name
    assert storage.file_overwrite is False
    assert storage.default_acl is None
    assert storage.querystring_auth is True
    assert storage.max_memory_size == 5 * MiB


def test_a_package_is_uploaded_imported_and_extracted_into_the_bucket(s3_bucket, settings):
    course = CourseFactory(provider="local")
    package = _create(course, build_demo_zip("safe-passwords"), "safe-passwords.zip")

    assert package.status == Package.Status.READY, package.error
    keys = s3_bucket.objects()
    assert package.file.name in keys
    assert package.file.name.startswith("packages/uploads/")
    root = package.content_root
    with zipfile.ZipFile(package.file.open("rb")) as zf:
        members = sorted(f"{root}/{i.filename}" for i in zf.infolist() if not i.is_dir())
    assert s3_bucket.objects(f"{root}/") == members
    assert not (settings.MEDIA_ROOT).exists()  # nothing went to the local disk


def test_a_big_member_streams_into_the_bucket_in_bounded_memory(s3_bucket):
    clip = os.urandom(64 * MiB)  # a stored, unseekable member: a multipart upload
    manifest = SCORM12_MANIFEST.replace(
        '<file href="shared/style.css"/>', '<file href="shared/style.css"/><file href="clip.mp4"/>'
    )
    data = build_zip({**scorm12_files(manifest), "clip.mp4": clip}, compression=zipfile.ZIP_STORED)
    package = package_create(course=CourseFactory(), upload=ContentFile(data, name="big.zip"))

    tracemalloc.start()
    try:
        extract_package(package)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    with default_storage.open(f"{package.content_root}/clip.mp4", "rb") as stored:
        assert hashlib.sha256(stored.read()).digest() == hashlib.sha256(clip).digest()
    # A few 8 MiB parts at most (lms/settings.py; the defaults read ahead to 65 MiB here),
    # never the member (nor the zip) whole.
    assert peak < 40 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_a_damaged_zip_leaves_no_object_behind(s3_bucket):
    data, _ = lying_size_zip(crc_over=1001)  # passes the directory checks, fails on reading
    package = Package(
        course=CourseFactory(),
        version=1,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        standard=Package.Standard.SCORM_12,
    )
    package.file.save("bad.zip", ContentFile(data))

    with pytest.raises(PackageRejected):
        extract_package(package)

    assert s3_bucket.objects(f"{package.content_root}/") == []


def test_an_interrupted_extraction_is_completed_and_a_cut_file_replaced(s3_bucket):
    package = package_create(
        course=CourseFactory(), upload=ContentFile(build_demo_zip("safe-passwords"), name="p.zip")
    )
    root = package.content_root
    extract_package(package)
    full = s3_bucket.objects(f"{root}/")
    default_storage.delete(f"{root}/index.html")
    default_storage.delete(f"{root}/imsmanifest.xml")
    default_storage.save(f"{root}/imsmanifest.xml", ContentFile(b"cut sh"))

    extract_package(package)

    assert s3_bucket.objects(f"{root}/") == full
    with default_storage.open(f"{root}/imsmanifest.xml", "rb") as stored:
        assert stored.read().startswith(b"<?xml")


def test_versions_share_content_and_a_failed_one_deletes_only_its_own_files(s3_bucket):
    course = CourseFactory(provider="local")
    data = build_demo_zip("safe-passwords")
    first = _create(course, data)
    second = _create(course, data)  # the same zip again: version 2, same content root
    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name  # never overwritten: each version has its own
    root = first.content_root
    content = s3_bucket.objects(f"{root}/")

    _record(second, ImportResult(state=ImportState.FAILED, message="boom"))

    assert second.file.name not in s3_bucket.objects()
    assert first.file.name in s3_bucket.objects()
    assert s3_bucket.objects(f"{root}/") == content  # still used by version 1


def test_a_failed_package_deletes_its_content_tree_and_nothing_beside_it(s3_bucket):
    package = _create(CourseFactory(provider="local"), build_demo_zip("spotting-phishing"))
    root = package.content_root
    neighbour = f"{root}0/keep.txt"  # shares the prefix's letters, not its folder
    default_storage.save(neighbour, ContentFile(b"keep"))
    assert s3_bucket.objects(f"{root}/")

    _record(package, ImportResult(state=ImportState.FAILED, message="boom"))

    assert s3_bucket.objects(f"{root}/") == []
    assert s3_bucket.objects() == [neighbour]


def test_deleting_versions_deletes_their_objects_once_no_version_uses_them(
    s3_bucket, django_capture_on_commit_callbacks
):
    course = CourseFactory(provider="local")
    data = build_demo_zip("safe-passwords")
    first, second = _create(course, data), _create(course, data)
    root = first.content_root

    with django_capture_on_commit_callbacks(execute=True):
        package_delete(package=first)
    assert first.file.name not in s3_bucket.objects()
    assert second.file.name in s3_bucket.objects()
    assert s3_bucket.objects(f"{root}/")  # version 2 still plays it

    with django_capture_on_commit_callbacks(execute=True):
        package_delete(package=second)
    assert s3_bucket.objects() == []


def test_a_reimport_copies_the_zip_within_the_bucket(s3_bucket):
    package = _create(CourseFactory(provider="local"), build_demo_zip("safe-passwords"))

    copy = package_reimport(package=package)

    assert copy.file.name != package.file.name
    assert {package.file.name, copy.file.name} <= set(s3_bucket.objects())
    with copy.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == package.sha256


def test_a_remote_provider_reads_the_zip_from_the_bucket(s3_bucket):
    data = build_demo_zip("safe-passwords")
    package = package_create(course=CourseFactory(), upload=ContentFile(data, name="p.zip"))

    with package_ref(package).open() as stored:
        assert stored.read() == data
