"""Builders for SCORM zips, valid and hostile, made in memory."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Mapping

NS_12 = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"'
)
NS_2004 = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
    'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"'
)

SCORM12_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.fire-safety" version="1.0" {NS_12}>
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="fire-org">
    <organization identifier="fire-org">
      <title>Fire safety</title>
      <item identifier="fire-item" identifierref="fire-res">
        <title>Fire safety basics</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
        <adlcp:datafromlms>lang=en</adlcp:datafromlms>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="fire-res" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
      <file href="shared/style.css"/>
    </resource>
  </resources>
</manifest>
"""

# Multi-SCO, nested items, xml:base at two levels, parameters, sequencing mastery (own and shared).
SCORM2004_3RD_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.workplace" version="3" {NS_2004}>
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 3rd Edition</schemaversion>
  </metadata>
  <organizations default="workplace-org">
    <organization identifier="workplace-org">
      <title>Workplace   safety</title>
      <item identifier="module-1">
        <title>Module 1</title>
        <item identifier="intro" identifierref="intro-res">
          <title>Introduction</title>
          <adlcp:dataFromLMS>mode=intro</adlcp:dataFromLMS>
        </item>
        <item identifier="quiz" identifierref="quiz-res" parameters="?attempt=1">
          <title>Quiz</title>
          <imsss:sequencing>
            <imsss:objectives>
              <imsss:primaryObjective objectiveID="quiz-passed" satisfiedByMeasure="true">
                <imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure>
              </imsss:primaryObjective>
            </imsss:objectives>
          </imsss:sequencing>
        </item>
      </item>
      <item identifier="exam" identifierref="exam-res">
        <title>Final exam</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective satisfiedByMeasure="true"/>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="review" identifierref="exam-res" parameters="mode=review">
        <title>Review</title>
        <imsss:sequencing IDRef="shared-mastery"/>
      </item>
      <item identifier="glossary" identifierref="glossary-res">
        <title>Glossary</title>
      </item>
    </organization>
  </organizations>
  <resources xml:base="content/">
    <resource identifier="intro-res" type="webcontent" adlcp:scormType="sco" href="intro/index.html">
      <file href="intro/index.html"/>
      <dependency identifierref="common"/>
    </resource>
    <resource identifier="quiz-res" type="webcontent" adlcp:scormType="sco"
              xml:base="quiz/" href="quiz.html?lang=en">
      <file href="quiz.html"/>
    </resource>
    <resource identifier="exam-res" type="webcontent" adlcp:scormType="sco" href="exam.html">
      <file href="exam.html"/>
    </resource>
    <resource identifier="glossary-res" type="webcontent" adlcp:scormType="asset" href="glossary.pdf">
      <file href="glossary.pdf"/>
    </resource>
    <resource identifier="common" type="webcontent" adlcp:scormType="asset">
      <file href="common/app.js"/>
    </resource>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="shared-mastery">
      <imsss:objectives>
        <imsss:primaryObjective satisfiedByMeasure="true">
          <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
        </imsss:primaryObjective>
      </imsss:objectives>
    </imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>
"""

SCORM2004_3RD_FILES = {
    "content/intro/index.html": b"<html>intro</html>",
    "content/quiz/quiz.html": b"<html>quiz</html>",
    "content/exam.html": b"<html>exam</html>",
    "content/glossary.pdf": b"%PDF-1.4 glossary",
    "content/common/app.js": b"console.log('app');",
}

# Two organisations, the default one second; parameters as query and as fragment.
SCORM2004_4TH_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.handbook" {NS_2004}>
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="full">
    <organization identifier="short">
      <title>Handbook (short)</title>
      <item identifier="summary" identifierref="player"><title>Summary</title></item>
    </organization>
    <organization identifier="full">
      <title>Handbook</title>
      <item identifier="chapter-1" identifierref="player" parameters="chapter=1">
        <title>Chapter 1</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective satisfiedByMeasure="false">
              <imsss:minNormalizedMeasure>0.9</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="chapter-2" identifierref="player" parameters="#chapter-2">
        <title>Chapter 2</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="player" type="webcontent" adlcp:scormType="sco" href="player.html">
      <file href="player.html"/>
    </resource>
  </resources>
</manifest>
"""


def minimal_manifest(*, schemaversion: str | None, namespaces: str) -> str:
    """One SCO launching index.html, with the given metadata and namespace declarations."""
    metadata = (
        f"<metadata><schemaversion>{schemaversion}</schemaversion></metadata>"
        if schemaversion is not None
        else ""
    )
    scormtype = 'adlcp:scormtype="sco"' if "xmlns:adlcp=" in namespaces else ""
    return f"""<?xml version="1.0"?>
<manifest identifier="minimal" {namespaces}>
  {metadata}
  <organizations default="org">
    <organization identifier="org">
      <title>Minimal</title>
      <item identifier="item" identifierref="res"><title>Only item</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res" type="webcontent" {scormtype} href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""


Content = bytes | str | zipfile.ZipInfo


def build_zip(
    files: Mapping[str, Content] | Iterable[tuple[str, Content]],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A zip of ``files`` in order; pairs allow duplicate names.

    A ZipInfo value is written as an entry with that header (for symlinks and the like).
    """
    entries = files.items() if isinstance(files, Mapping) else files
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, sometimes the point
        with zipfile.ZipFile(buffer, "w", compression) as zf:
            for name, content in entries:
                if isinstance(content, zipfile.ZipInfo):
                    zf.writestr(content, b"link-target" if not content.is_dir() else b"")
                else:
                    zf.writestr(name, content)
    return buffer.getvalue()


def scorm12_files(manifest: str = SCORM12_MANIFEST) -> dict[str, bytes | str]:
    return {
        "imsmanifest.xml": manifest,
        "index.html": b"<html><body>Fire safety</body></html>",
        "shared/style.css": b"body { color: #222; }",
    }


def scorm12_zip(manifest: str = SCORM12_MANIFEST, **extra: bytes | str) -> bytes:
    return build_zip({**scorm12_files(manifest), **extra})


def scorm2004_3rd_zip() -> bytes:
    return build_zip({"imsmanifest.xml": SCORM2004_3RD_MANIFEST, **SCORM2004_3RD_FILES})


def scorm2004_4th_zip() -> bytes:
    return build_zip({"imsmanifest.xml": SCORM2004_4TH_MANIFEST, "player.html": b"<html></html>"})


# Patching headers, for archives no zip tool would write.

_LOCAL = {
    "crc": (14, "<L"),
    "compress_size": (18, "<L"),
    "file_size": (22, "<L"),
    "flags": (6, "<H"),
}
_CENTRAL = {
    "crc": (16, "<L"),
    "compress_size": (20, "<L"),
    "file_size": (24, "<L"),
    "flags": (8, "<H"),
    "offset": (42, "<L"),
}


def patch_entry(data: bytes, name: str, **fields: int) -> bytes:
    """Rewrite header fields of entry ``name`` in both its local and central headers."""
    patched = bytearray(data)
    encoded = name.encode()
    for signature, layout, name_at in ((b"PK\x03\x04", _LOCAL, 30), (b"PK\x01\x02", _CENTRAL, 46)):
        at = patched.find(signature)
        while at >= 0 and patched[at + name_at : at + name_at + len(encoded)] != encoded:
            at = patched.find(signature, at + 1)
        assert at >= 0, f"no header for {name}"
        for field, value in fields.items():
            if field in layout:
                offset, fmt = layout[field]
                struct.pack_into(fmt, patched, at + offset, value)
    return bytes(patched)


def lying_size_zip(*, crc_over: int) -> tuple[bytes, int]:
    """A valid SCORM 1.2 zip whose last entry's headers understate its size.

    The entry's CRC is recomputed over its first ``crc_over`` bytes. Returns the zip and the
    declared size.
    """
    declared = 1000
    clip = bytes(range(256)) * 8192  # 2 MiB, compressible but well under the ratio limit
    manifest = SCORM12_MANIFEST.replace(
        '<file href="shared/style.css"/>', '<file href="shared/style.css"/><file href="clip.bin"/>'
    )
    data = build_zip({**scorm12_files(manifest), "clip.bin": clip})
    return (
        patch_entry(data, "clip.bin", file_size=declared, crc=zlib.crc32(clip[:crc_over])),
        declared,
    )


def with_zip64_end_records(data: bytes, *, entries: int) -> bytes:
    """``data`` with zip64 end records claiming ``entries``, as zips of over 65,535 entries have."""
    end = data.rfind(b"PK\x05\x06")
    directory_size, directory_offset = struct.unpack_from("<LL", data, end + 12)
    record = struct.pack(
        "<4sQ2H2L4Q",
        b"PK\x06\x06",
        44,
        45,
        45,
        0,
        0,
        entries,
        entries,
        directory_size,
        directory_offset,
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    end_record = bytearray(data[end:])
    struct.pack_into("<HH", end_record, 8, 0xFFFF, 0xFFFF)
    return data[:end] + record + locator + bytes(end_record)
