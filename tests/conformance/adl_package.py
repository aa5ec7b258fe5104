"""Test packages for ADL's LMS test: a case's manifest zipped with our test SCO.

ADL published only the manifests; the suite's content was a Java applet inside generic SCO
pages. Every file a manifest names is put in the zip (our intake refuses a zip that lacks one):
each ``.htm`` page is our test SCO (``adl_sco/SequencingTest.htm``, whose file name tells the SCO
which of ADL's page variants it is), with ``adl_sco.js`` and the case's decoded script
(``adl-case.json``) beside it; the applet, scripts and stylesheet the pages of the original
suite used are empty placeholders, since nothing loads them.
"""

from __future__ import annotations

import io
import json
import posixpath
import zipfile
from pathlib import Path

from courses.intake.manifest import parse_manifest

from .adl_cases import MANIFESTS_DIR, Case

SCO_DIR = Path(__file__).resolve().parent / "adl_sco"
CASE_FILE = "adl-case.json"


def package_manifest(package: str) -> Path:
    """The manifest of test package ``package`` (a case name, or ``DDMa``/``DDMb``)."""
    return MANIFESTS_DIR / f"LMSTestPackage_{package}.xml"


def package_zip(package: str, case: Case, *, nonce: str, learner_id: str) -> bytes:
    """The zip of test package ``package`` for running ``case`` with our SCO."""
    manifest = package_manifest(package).read_bytes()
    page = (SCO_DIR / "SequencingTest.htm").read_bytes()
    script = (SCO_DIR / "adl_sco.js").read_bytes()
    document = json.dumps(
        case.sco_json(nonce, learner_id=learner_id, options={"state": "top"})
    ).encode()
    members: dict[str, bytes] = {"imsmanifest.xml": manifest}
    for path in parse_manifest(manifest).files:
        if path.lower().endswith((".htm", ".html")):
            folder = posixpath.dirname(path)
            members[path] = page
            members[posixpath.join(folder, "adl_sco.js")] = script
            members[posixpath.join(folder, CASE_FILE)] = document
        else:
            members.setdefault(path, b"")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
