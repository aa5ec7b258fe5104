"""Every way a zip is refused: the uploader's message, and nothing left in storage.

Each case runs through both entry points: ``inspect_package`` on the upload, and
``extract_package`` on a stored package that never went through inspection.
"""

from __future__ import annotations

import io
import re
import stat
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring

from courses.intake import PackageRejected, extract_package, inspect_package
from courses.intake.xmltree import MAX_DEPTH, MAX_ELEMENTS
from courses.intake.zipcheck import MAX_NAME_BYTES, MAX_PATH_BYTES
from tests.intake.scorm_zips import (
    SCORM12_MANIFEST,
    build_zip,
    lying_size_zip,
    minimal_manifest,
    patch_entry,
    scorm12_files,
    scorm12_zip,
    with_zip64_end_records,
)

MiB = 1024 * 1024
SIZE = r"[\d,.]+ (?:bytes|KB)"  # a human_size() under 1 MB
NOT_A_ZIP = (
    "The file is not a zip archive, or it is truncated. A SCORM package must be a .zip file."
)


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], bytes]
    message: str | re.Pattern[str]  # the whole message, or a pattern it must match in full
    settings: dict[str, Any] = field(default_factory=dict)


def with_manifest(old: str, new: str) -> Callable[[], bytes]:
    assert old in SCORM12_MANIFEST
    return lambda: scorm12_zip(SCORM12_MANIFEST.replace(old, new))


def with_entry(name: str, content: bytes | zipfile.ZipInfo = b"x") -> Callable[[], bytes]:
    return lambda: build_zip({**scorm12_files(), name: content})


def corrupt_stored_data() -> bytes:
    data = build_zip(scorm12_files(), compression=zipfile.ZIP_STORED)
    return data.replace(b"<body>Fire safety", b"<body>Fire safetY")


def corrupt_deflated_data() -> bytes:
    text = b"".join(f"<p>Paragraph {i} of the course.</p>\n".encode() for i in range(5000))
    data = bytearray(build_zip({**scorm12_files(), "pages.html": text}))
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("pages.html")
    start = info.header_offset + 30 + len("pages.html")
    data[start + 100 : start + 200] = b"\xff" * 100
    return bytes(data)


def symlink() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("shared/link.css")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def understated_entry_count() -> bytes:
    """The end record claims one entry; the central directory holds three."""
    data = bytearray(scorm12_zip())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 1, 1)
    return bytes(data)


def overlapping_entries() -> bytes:
    """shared/style.css's central record points at imsmanifest.xml's data."""
    return patch_entry(scorm12_zip(), "shared/style.css", offset=0)


def nested_items(depth: int) -> str:
    opening = "".join(
        f'<item identifier="level-{i}"><title>Level {i}</title>' for i in range(depth)
    )
    leaf = '<item identifier="leaf" identifierref="fire-res"><title>Leaf</title></item>'
    return SCORM12_MANIFEST.replace(
        '<item identifier="fire-item" identifierref="fire-res">',
        opening
        + leaf
        + "</item>" * depth
        + '<item identifier="fire-item" identifierref="fire-res">',
    )


def nested_in_title(levels: int) -> str:
    """SCORM12_MANIFEST with ``levels`` elements nested in its <title> (depth 4)."""
    return SCORM12_MANIFEST.replace(
        "<title>Fire safety</title>",
        "<title>" + "<b>" * levels + "Fire safety" + "</b>" * levels + "</title>",
    )


MANIFEST_ELEMENTS = len(list(fromstring(SCORM12_MANIFEST).iter()))


def with_elements(count: int) -> str:
    """SCORM12_MANIFEST grown to ``count`` elements by empty ones in its <metadata>."""
    extra = "<x/>" * (count - MANIFEST_ELEMENTS)
    return SCORM12_MANIFEST.replace("</metadata>", extra + "</metadata>")


LONG_NAME = "a" * (MAX_NAME_BYTES + 1)
LONG_PATH = "/".join(["folder-" + "d" * 193] * 5 + ["file.js"])  # 1,012 bytes
MISSING_FILES = "".join(f'<file href="missing-{i}.js"/>' for i in range(1, 8))
SECOND_ITEM = '<item identifier="fire-item" identifierref="fire-res"><title>Again</title></item>'

CASES = [
    # Not a zip, or a damaged one.
    Case("not-a-zip", lambda: b"<html>A web page, not a zip.</html>", NOT_A_ZIP),
    Case("empty-file", lambda: b"", NOT_A_ZIP),
    Case("truncated", lambda: scorm12_zip()[:300], NOT_A_ZIP),
    Case(
        "bad-crc",
        corrupt_stored_data,
        "The zip is damaged: 'index.html' fails its integrity check. "
        "Create the zip again and upload the new file.",
    ),
    Case(
        "corrupt-deflate-stream",
        corrupt_deflated_data,
        "The zip is damaged: 'pages.html' fails its integrity check. "
        "Create the zip again and upload the new file.",
    ),
    # The manifest: where it is, and what it is.
    Case(
        "no-manifest",
        lambda: build_zip({"index.html": b"<html/>"}),
        "The zip has no imsmanifest.xml at its root, so it is not a SCORM package.",
    ),
    Case(
        "manifest-in-folder",
        lambda: build_zip({f"course/{name}": data for name, data in scorm12_files().items()}),
        "imsmanifest.xml is in the folder 'course/' — zip the contents of that folder, "
        "not the folder itself.",
    ),
    Case(
        "manifest-misnamed",
        lambda: build_zip({"IMSManifest.xml": SCORM12_MANIFEST, "index.html": b""}),
        "The manifest must be named 'imsmanifest.xml' in lower case; the zip has 'IMSManifest.xml'.",
    ),
    Case(
        "malformed-xml",
        lambda: build_zip({"imsmanifest.xml": "<manifest><organizations></manifest>"}),
        "imsmanifest.xml is not well-formed XML (mismatched tag: line 1, column 27).",
    ),
    Case(
        "doctype",
        lambda: scorm12_zip(
            SCORM12_MANIFEST.replace(
                "<manifest ",
                '<!DOCTYPE manifest SYSTEM "http://evil.example/x.dtd">\n<manifest ',
                1,
            )
        ),
        "imsmanifest.xml contains a DOCTYPE or entity declarations, which are not allowed "
        "(they can be used to attack the server). Remove them and upload the package again.",
    ),
    Case(
        "entity-expansion",
        lambda: build_zip(
            {
                "imsmanifest.xml": '<!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                "<manifest>&b;</manifest>"
            }
        ),
        "imsmanifest.xml contains a DOCTYPE or entity declarations, which are not allowed "
        "(they can be used to attack the server). Remove them and upload the package again.",
    ),
    Case(
        "root-not-manifest",
        lambda: build_zip({"imsmanifest.xml": "<package/>"}),
        "imsmanifest.xml's root element is <package>, not <manifest>.",
    ),
    # Entry names and kinds.
    Case(
        "absolute-path",
        with_entry("/etc/cron.d/evil"),
        "The zip entry '/etc/cron.d/evil' has an absolute path; "
        "entries must be relative to the package root.",
    ),
    Case(
        "drive-letter",
        with_entry("C:/Windows/evil.dll"),
        "The zip entry 'C:/Windows/evil.dll' has an absolute path; "
        "entries must be relative to the package root.",
    ),
    Case(
        "dot-dot",
        with_entry("../evil.html"),
        "The zip entry '../evil.html' contains a '..' component, which points outside the package.",
    ),
    Case(
        "dot-dot-inside",
        with_entry("shared/../../evil.html"),
        "The zip entry 'shared/../../evil.html' contains a '..' component, "
        "which points outside the package.",
    ),
    Case(
        "backslash",
        with_entry("shared\\evil.html"),
        "The zip entry 'shared\\evil.html' uses backslashes in its path; zip paths use '/'. "
        "Create the zip with a standard zip tool.",
    ),
    Case(
        "nul-byte",
        lambda: with_entry("a_b.html")().replace(b"a_b.html", b"a\x00b.html"),
        "The zip entry 'a\\0b.html' has a NUL byte in its name.",
    ),
    Case(
        "name-component-too-long",
        with_entry(f"media/{LONG_NAME}"),
        f"The zip entry 'media/{'a' * 54}…{'a' * 30}' has a file or folder name of 256 bytes; "
        "names can be at most 255 bytes.",
    ),
    Case(
        "name-too-long-in-utf8",
        # 128 characters, but 256 bytes: file systems count bytes.
        with_entry("é" * 128 + "/index.html"),
        f"The zip entry '{'é' * 60}…{'é' * 19}/index.html' has a file or folder name of "
        "256 bytes; names can be at most 255 bytes.",
    ),
    Case(
        "path-too-long",
        with_entry(LONG_PATH),
        f"The zip entry '{LONG_PATH[:60]}…{LONG_PATH[-30:]}' has a path of 1,012 bytes; "
        f"paths inside a package can be at most {MAX_PATH_BYTES} bytes.",
    ),
    Case(
        "symlink",
        with_entry("shared/link.css", symlink()),
        "The zip entry 'shared/link.css' is a symbolic link; packages cannot contain links.",
    ),
    Case(
        "duplicate-name",
        lambda: build_zip([*scorm12_files().items(), ("index.html", b"<html>again</html>")]),
        "The zip contains 'index.html' twice.",
    ),
    Case(
        "duplicate-by-case",
        with_entry("Index.html"),
        "The zip entries 'index.html' and 'Index.html' name the same file.",
    ),
    Case(
        "duplicate-after-normalising",
        with_entry("./index.html"),
        "The zip entries 'index.html' and './index.html' name the same file.",
    ),
    Case(
        "file-and-folder",
        with_entry("shared"),
        "The zip uses 'shared' both as a file and as a folder.",
    ),
    Case(
        "encrypted",
        lambda: patch_entry(scorm12_zip(), "index.html", flags=0x1),
        "The zip entry 'index.html' is password-protected; upload an unencrypted zip.",
    ),
    Case(
        "bzip2",
        lambda: build_zip(scorm12_files(), compression=zipfile.ZIP_BZIP2),
        "The zip entry 'imsmanifest.xml' uses an unsupported compression method (12); "
        "create the zip again with standard (deflate) compression.",
    ),
    # Limits and bombs.
    Case(
        "upload-too-big",
        scorm12_zip,
        re.compile(rf"The file is {SIZE}, over the 100 bytes limit for packages\."),
        {"SCORM_INTAKE_MAX_UPLOAD_BYTES": 100},
    ),
    Case(
        "too-many-entries",
        scorm12_zip,
        "The zip has 3 entries, over the limit of 2.",
        {"SCORM_INTAKE_MAX_ENTRIES": 2},
    ),
    Case(
        "understated-entry-count",
        understated_entry_count,
        "The zip has 3 entries, over the limit of 2.",
        {"SCORM_INTAKE_MAX_ENTRIES": 2},
    ),
    Case(
        "zip64-entry-count",
        # Refused from the zip64 end record, before zipfile parses the directory (3 entries).
        lambda: with_zip64_end_records(scorm12_zip(), entries=70_000),
        "The zip has 70,000 entries, over the limit of 10,000.",
    ),
    Case(
        "oversized-table-of-contents",
        with_entry("a" * 5000),
        re.compile(
            r"The zip's table of contents is [\d.]+ KB, too large for the limit of 4 entries\."
        ),
        {"SCORM_INTAKE_MAX_ENTRIES": 4},
    ),
    Case(
        "uncompressed-too-big",
        scorm12_zip,
        re.compile(rf"The zip would unpack to {SIZE}, over the 500 bytes limit\."),
        {"SCORM_INTAKE_MAX_UNCOMPRESSED_BYTES": 500},
    ),
    Case(
        "member-bomb",
        with_entry("media/zeros.bin", bytes(50 * MiB)),
        re.compile(
            r"The zip entry 'media/zeros\.bin' expands [\d,]+ times \([\d.]+ KB to 50\.0 MB\), "
            r"over the limit of 100; the zip looks like a zip bomb\."
        ),
    ),
    Case(
        "archive-bomb",
        # Each entry is too small to be judged alone; together they expand a thousandfold.
        lambda: build_zip({**scorm12_files(), **{f"media/{i}.bin": bytes(MiB) for i in range(25)}}),
        re.compile(
            r"The zip expands [\d,]+ times \([\d.]+ KB to 25\.0 MB\), "
            r"over the limit of 100; the zip looks like a zip bomb\."
        ),
    ),
    Case(
        "overlapping-entries",
        overlapping_entries,
        "The zip entries 'imsmanifest.xml' and 'shared/style.css' overlap; "
        "the zip looks like a zip bomb.",
    ),
    Case(
        "understated-size",
        lambda: lying_size_zip(crc_over=1001)[0],
        "The zip entry 'clip.bin' holds more data than its header declares; "
        "the zip looks like a zip bomb.",
    ),
    Case(
        "understated-size-truncated-crc",
        # zipfile alone would silently return the first 1000 bytes: their CRC matches.
        lambda: lying_size_zip(crc_over=1000)[0],
        "The zip is damaged: 'clip.bin' fails its integrity check. "
        "Create the zip again and upload the new file.",
    ),
    Case(
        "manifest-too-big",
        scorm12_zip,
        re.compile(rf"imsmanifest\.xml is {SIZE}, over the 100 bytes limit\."),
        {"SCORM_INTAKE_MAX_MANIFEST_BYTES": 100},
    ),
    # What the manifest says.
    Case(
        "unknown-schema",
        lambda: build_zip(
            {
                "imsmanifest.xml": minimal_manifest(
                    schemaversion="1.1",
                    namespaces='xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"',
                ),
                "index.html": b"",
            }
        ),
        "imsmanifest.xml declares schemaversion '1.1' and uses no SCORM namespace; "
        "only SCORM 1.2 and SCORM 2004 packages are supported.",
    ),
    Case(
        "no-organisation",
        with_manifest(
            SCORM12_MANIFEST[
                SCORM12_MANIFEST.index("<organizations") : SCORM12_MANIFEST.index("<resources>")
            ],
            "<organizations/>",
        ),
        "imsmanifest.xml declares no organisation, so there is nothing to launch.",
    ),
    Case(
        "unknown-default-organisation",
        with_manifest('default="fire-org"', 'default="other-org"'),
        "imsmanifest.xml names 'other-org' as the default organisation, "
        "but no organisation has that identifier.",
    ),
    Case(
        "item-without-resource",
        with_manifest(' identifierref="fire-res"', ""),
        "The organisation 'fire-org' has nothing to launch: "
        "none of its items points at a resource with an href.",
    ),
    Case(
        "resource-without-href",
        with_manifest(' href="index.html">', ">"),
        "The organisation 'fire-org' has nothing to launch: "
        "none of its items points at a resource with an href.",
    ),
    Case(
        "unknown-resource",
        with_manifest('identifierref="fire-res"', 'identifierref="nowhere"'),
        "Item 'fire-item' refers to resource 'nowhere', which imsmanifest.xml does not declare.",
    ),
    Case(
        "external-launch",
        with_manifest(' href="index.html">', ' href="https://evil.example/course.html">'),
        "Item 'fire-item' launches 'https://evil.example/course.html', which is outside the "
        "package; only files inside the zip can be launched.",
    ),
    Case(
        "href-outside-package",
        with_manifest(' href="index.html">', ' href="../outside.html">'),
        "imsmanifest.xml refers to '../outside.html', which points outside the package.",
    ),
    Case(
        "duplicate-item-identifier",
        with_manifest("</organization>", SECOND_ITEM + "</organization>"),
        "imsmanifest.xml uses the item identifier 'fire-item' twice.",
    ),
    Case(
        "items-too-deep",
        lambda: scorm12_zip(nested_items(51)),
        "imsmanifest.xml nests items more than 50 levels deep.",
    ),
    Case(
        "elements-too-deep",
        # 100,000 nested elements cost +238 MB as a tree; the parse stops at the limit instead.
        lambda: scorm12_zip(nested_in_title(100_000)),
        f"imsmanifest.xml nests elements more than {MAX_DEPTH} levels deep.",
    ),
    Case(
        "too-many-elements",
        lambda: scorm12_zip(with_elements(MAX_ELEMENTS + 1)),
        f"imsmanifest.xml has more than {MAX_ELEMENTS:,} elements.",
    ),
    Case(
        "missing-launch-file",
        with_manifest(' href="index.html">', ' href="start.html">'),
        "The zip lacks files that imsmanifest.xml names: 'start.html'.",
    ),
    Case(
        "missing-files",
        with_manifest('<file href="index.html"/>', '<file href="index.html"/>' + MISSING_FILES),
        "The zip lacks files that imsmanifest.xml names: 'missing-1.js', 'missing-2.js', "
        "'missing-3.js', 'missing-4.js', 'missing-5.js' and 2 more.",
    ),
]


def assert_message(error: PackageRejected, expected: str | re.Pattern[str]) -> None:
    if isinstance(expected, re.Pattern):
        assert expected.fullmatch(error.message), error.message
    else:
        assert error.message == expected
    assert str(error) == error.message


@pytest.fixture(params=CASES, ids=[case.id for case in CASES])
def case(request) -> Case:
    return request.param


def test_inspect_rejects(case, settings, stored_files):
    data = case.build()
    for name, value in case.settings.items():
        setattr(settings, name, value)

    with pytest.raises(PackageRejected) as raised:
        inspect_package(io.BytesIO(data))

    assert_message(raised.value, case.message)
    assert stored_files() == []


def test_extract_rejects_without_writing(case, settings, make_package, stored_files):
    package = make_package(case.build())
    for name, value in case.settings.items():
        setattr(settings, name, value)

    with pytest.raises(PackageRejected) as raised:
        extract_package(package)

    assert_message(raised.value, case.message)
    assert stored_files() == [package.file.name]


def test_elements_at_the_limits_are_accepted():
    assert inspect_package(io.BytesIO(scorm12_zip(nested_in_title(MAX_DEPTH - 4)))).scos
    assert inspect_package(io.BytesIO(scorm12_zip(with_elements(MAX_ELEMENTS)))).scos


def test_a_hostile_manifest_is_refused_before_its_tree_is_built():
    data = scorm12_zip(nested_in_title(100_000))
    tracemalloc.start()
    try:
        with pytest.raises(PackageRejected):
            inspect_package(io.BytesIO(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 8 * MiB  # the whole tree would take over 200 MB


def test_names_at_the_length_limits_are_accepted():
    longest_path = "/".join(["d" * MAX_NAME_BYTES] * 3 + ["f" * (MAX_PATH_BYTES - 3 * 256)])
    assert len(longest_path.encode()) == MAX_PATH_BYTES
    data = build_zip({**scorm12_files(), "a" * MAX_NAME_BYTES: b"x", longest_path: b"x"})

    assert inspect_package(io.BytesIO(data)).scos


def test_items_at_the_depth_limit_are_accepted():
    assert inspect_package(io.BytesIO(scorm12_zip(nested_items(49)))).scos


def test_small_compressible_entries_are_not_judged_by_ratio():
    # 512 KiB of zeros shrinks about a thousandfold, but is too small to be a bomb.
    data = build_zip({**scorm12_files(), "media/silence.bin": bytes(MiB // 2)})

    assert inspect_package(io.BytesIO(data)).scos


def test_zip64_end_records_are_read():
    data = with_zip64_end_records(scorm12_zip(), entries=3)

    assert inspect_package(io.BytesIO(data)).scos
