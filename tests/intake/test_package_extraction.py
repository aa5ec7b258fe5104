"""extract_package: where files land, what it skips, what it rolls back, what memory it takes."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from courses.intake import PackageRejected, extract, extract_package
from courses.intake.archive import MeteredReader
from tests.intake.scorm_zips import (
    SCORM12_MANIFEST,
    SCORM2004_3RD_FILES,
    SCORM2004_3RD_MANIFEST,
    build_zip,
    lying_size_zip,
    scorm12_files,
    scorm12_zip,
    scorm2004_3rd_zip,
)

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def test_files_land_under_the_content_root(make_package, stored_files):
    package = make_package(scorm2004_3rd_zip())

    extract_package(package)

    root = package.content_root
    expected = {"imsmanifest.xml": SCORM2004_3RD_MANIFEST.encode(), **SCORM2004_3RD_FILES}
    assert root == f"packages/content/{package.sha256}"
    assert stored_files() == sorted([package.file.name, *(f"{root}/{path}" for path in expected)])
    for path, content in expected.items():
        assert read(f"{root}/{path}") == content


def test_folder_entries_and_dot_segments_are_normalised(make_package, stored_files):
    data = build_zip({"shared/": b"", **scorm12_files(), "./media//clip.txt": b"clip"})
    package = make_package(data)

    extract_package(package)

    assert read(f"{package.content_root}/media/clip.txt") == b"clip"
    assert f"{package.content_root}/shared/style.css" in stored_files()


def test_second_extraction_keeps_present_files(make_package):
    package = make_package(scorm12_zip())
    extract_package(package)
    root = package.content_root
    # Same size: taken as already extracted. Wrong size: an interrupted run, rewritten. Missing: restored.
    default_storage.delete(f"{root}/index.html")
    default_storage.save(
        f"{root}/index.html", ContentFile(b"x" * len(scorm12_files()["index.html"]))
    )
    default_storage.delete(f"{root}/shared/style.css")
    default_storage.save(f"{root}/shared/style.css", ContentFile(b"trunc"))
    default_storage.delete(f"{root}/imsmanifest.xml")

    extract_package(package)

    files = scorm12_files()
    assert read(f"{root}/index.html") == b"x" * len(files["index.html"])
    assert read(f"{root}/shared/style.css") == files["shared/style.css"]
    assert read(f"{root}/imsmanifest.xml") == SCORM12_MANIFEST.encode()


def test_identical_zips_share_their_content(make_package, stored_files):
    data = scorm12_zip()
    first, second = make_package(data), make_package(data)
    extract_package(first)
    before = stored_files()

    extract_package(second)

    assert second.content_root == first.content_root
    assert stored_files() == before


def test_rollback_spares_files_it_did_not_write(make_package, stored_files):
    data, _ = lying_size_zip(crc_over=1001)
    package = make_package(data)
    root = package.content_root
    index = scorm12_files()["index.html"]
    default_storage.save(f"{root}/index.html", ContentFile(index))

    with pytest.raises(PackageRejected):
        extract_package(package)

    assert stored_files() == sorted([package.file.name, f"{root}/index.html"])


def test_a_concurrent_extraction_wins_the_race(make_package, monkeypatch, stored_files):
    package = make_package(scorm12_zip())
    root = package.content_root
    default_storage.save(f"{root}/index.html", ContentFile(b"theirs"))
    # The other extraction saves index.html between this one's listing and its save(): the
    # listing answers as it did before the other save.
    listed = extract.list_sizes

    def listing_without_index(storage, prefix):
        return {
            path: size for path, size in listed(storage, prefix).items() if path != "index.html"
        }

    monkeypatch.setattr(extract, "list_sizes", listing_without_index)

    extract_package(package)

    assert read(f"{root}/index.html") == b"theirs"
    assert stored_files() == sorted(
        [
            package.file.name,
            f"{root}/imsmanifest.xml",
            f"{root}/index.html",
            f"{root}/shared/style.css",
        ]
    )


def test_checksum_must_match_the_recorded_one(make_package, stored_files):
    package = make_package(scorm12_zip(), sha256="0" * 64)

    with pytest.raises(PackageRejected) as raised:
        extract_package(package)

    assert raised.value.message == (
        "The stored package file does not match the checksum recorded at upload. "
        "Upload the package again."
    )
    assert stored_files() == [package.file.name]


def test_memory_stays_bounded_whatever_the_member_size(make_package):
    media = os.urandom(24 * MiB)  # incompressible, like video
    manifest = SCORM12_MANIFEST.replace(
        '<file href="index.html"/>', '<file href="index.html"/><file href="media/intro.mp4"/>'
    )
    files = {**scorm12_files(manifest), "media/intro.mp4": media}
    package = make_package(build_zip(files, compression=zipfile.ZIP_STORED))
    del media, files

    tracemalloc.start()
    try:
        extract_package(package)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 4 * MiB, f"peak {peak / MiB:.1f} MiB"
    assert default_storage.size(f"{package.content_root}/media/intro.mp4") == 24 * MiB


def test_metered_reader_refuses_data_past_the_declared_size():
    info = zipfile.ZipInfo("clip.bin")
    info.file_size = 10
    reader = MeteredReader(io.BytesIO(b"0123456789" * 2), info)

    assert reader.read(8) == b"01234567"
    with pytest.raises(PackageRejected) as raised:
        reader.read(8)

    assert raised.value.message == (
        "The zip entry 'clip.bin' holds more data than its header declares; "
        "the zip looks like a zip bomb."
    )


def test_metered_reader_refuses_data_short_of_the_declared_size():
    info = zipfile.ZipInfo("clip.bin")
    info.file_size = 10
    reader = MeteredReader(io.BytesIO(b"01234"), info)

    assert reader.read() == b"01234"
    with pytest.raises(PackageRejected) as raised:
        reader.read()

    assert raised.value.message == (
        "The zip is damaged: 'clip.bin' fails its integrity check. "
        "Create the zip again and upload the new file."
    )
