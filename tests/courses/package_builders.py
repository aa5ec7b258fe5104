"""SCORM packages made for the admin's upload tests: a title, an optional LOM description and an
optional large incompressible asset, written to memory or streamed to a file."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

BLOCK = 1024 * 1024

_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.{slug}" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>{lom}
  </metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>{title}</title>
      <item identifier="item" identifierref="res"><title>{title}</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>{asset_file}
    </resource>
  </resources>
</manifest>
"""

_LOM = """
    <imsmd:lom><imsmd:general><imsmd:description>
      <imsmd:langstring xml:lang="en">{description}</imsmd:langstring>
    </imsmd:description></imsmd:general></imsmd:lom>"""

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1></body></html>"""

ASSET = "media/lecture.bin"


def _write(archive: zipfile.ZipFile, title: str, description: str, asset_bytes: int) -> None:
    slug = "".join(c if c.isalnum() else "-" for c in title.lower())
    manifest = _MANIFEST.format(
        slug=slug,
        title=escape(title),
        lom=_LOM.format(description=escape(description)) if description else "",
        asset_file=f'\n      <file href="{ASSET}"/>' if asset_bytes else "",
    )
    archive.writestr("imsmanifest.xml", manifest)
    archive.writestr("index.html", _PAGE.format(title=escape(title)))
    if asset_bytes:
        # Random bytes, stored: incompressible, like video, so the zip is as big as the asset.
        info = zipfile.ZipInfo(ASSET, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        with archive.open(info, "w", force_zip64=asset_bytes > 2**31) as member:
            left = asset_bytes
            while left:
                block = os.urandom(min(BLOCK, left))
                member.write(block)
                left -= len(block)


def package_zip(title: str = "Fire drills", description: str = "", asset_bytes: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _write(archive, title, description, asset_bytes)
    return buffer.getvalue()


def package_file(
    path: Path, title: str = "Fire drills", description: str = "", asset_bytes: int = 0
) -> Path:
    """The package streamed to ``path`` (a large one never sits in memory whole)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        _write(archive, title, description, asset_bytes)
    return path
