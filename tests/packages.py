"""Small playable SCORM packages made in memory for browser tests."""

from __future__ import annotations

import io
import zipfile

_MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.two-activities" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Two activities</title>
      <item identifier="act-a" identifierref="res-a"><title>Activity A</title></item>
      <item identifier="act-b" identifierref="res-b" parameters="?part=b"><title>Activity B</title></item>
      <imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res-a" type="webcontent" adlcp:scormType="sco" href="a/index.html">
      <file href="a/index.html"/><file href="shared/sco.js"/>
    </resource>
    <resource identifier="res-b" type="webcontent" adlcp:scormType="sco" href="b/index.html">
      <file href="b/index.html"/><file href="shared/sco.js"/>
    </resource>
  </resources>
</manifest>
"""

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script src="../shared/sco.js"></script></head>
<body><h1>{title}</h1><p id="entry"></p><p id="query"></p>
<button type="button" onclick="finish('{score}', 'continue')">Finish activity</button>
<button type="button" onclick="finish('{score}', 'exitAll')">Finish and leave</button>
</body></html>"""

# A SCO that reports completion and a score, and asks the player to go on or leave.
_SCO_JS = """
var api = null;
for (var w = window; w && !api; w = w.parent === w ? null : w.parent) { api = w.API_1484_11 || null; }
window.addEventListener("load", function () {
  api.Initialize("");
  document.getElementById("entry").textContent = "entry: " + api.GetValue("cmi.entry");
  document.getElementById("query").textContent = "query: " + window.location.search;
  api.SetValue("cmi.completion_status", "incomplete");
  api.Commit("");
});
var done = false;
function finish(score, nav) {
  api.SetValue("cmi.score.scaled", score);
  api.SetValue("cmi.completion_status", "completed");
  api.SetValue("cmi.success_status", "passed");
  api.SetValue("adl.nav.request", nav);
  done = true;
  api.Terminate("");
}
window.addEventListener("pagehide", function () { if (!done) { done = true; api.SetValue("cmi.exit", "suspend"); api.Terminate(""); } });
"""


def two_sco_2004_zip() -> bytes:
    """SCORM 2004, two SCOs ("Activity A", "Activity B") that report 0.9 and 0.7."""
    files = {
        "imsmanifest.xml": _MANIFEST_2004,
        "a/index.html": _PAGE.format(title="Activity A", score="0.9"),
        "b/index.html": _PAGE.format(title="Activity B", score="0.7"),
        "shared/sco.js": _SCO_JS,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()
