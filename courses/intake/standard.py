"""Which SCORM a manifest is: its metadata's schemaversion first, then the ADL namespaces it uses."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from .errors import PackageRejected
from .xmltree import child, local_name, namespace, text

# Namespaces are compared by their last path segment, so version-less spellings, trailing
# slashes and schemaLocation file names all match.
_SCORM_12_NAMES = {"adlcp_rootv1p2"}
_SCORM_2004_NAMES = {"adlcp_v1p3", "imsss", "adlseq_v1p3", "adlnav_v1p3"}


def detect_standard(root: Element) -> str:
    """A ``courses.models.Package.Standard`` value."""
    # Deferred: the intake must stay importable before the app registry is ready.
    from courses.models import Package

    version = text(child(child(root, "metadata"), "schemaversion"))
    folded = version.casefold()
    if folded.startswith("1.2"):
        return Package.Standard.SCORM_12
    if "cam 1.3" in folded or folded == "1.3":
        return Package.Standard.SCORM_2004_2
    if "2004" in folded:
        if "4th" in folded:
            return Package.Standard.SCORM_2004_4
        if "2nd" in folded:
            return Package.Standard.SCORM_2004_2
        return Package.Standard.SCORM_2004_3  # "3rd", and the edition assumed when none is named
    names = _namespace_names(root)
    if names & _SCORM_12_NAMES:
        return Package.Standard.SCORM_12
    if names & _SCORM_2004_NAMES:
        return Package.Standard.SCORM_2004_3
    declared = f"declares schemaversion '{version}'" if version else "declares no schemaversion"
    raise PackageRejected(
        f"imsmanifest.xml {declared} and uses no SCORM namespace; only SCORM 1.2 and "
        "SCORM 2004 packages are supported."
    )


def _namespace_names(root: Element) -> set[str]:
    uris: set[str] = set()
    for element in root.iter():
        if isinstance(element.tag, str):
            uris.add(namespace(element.tag))
        for key, value in element.attrib.items():
            uris.add(namespace(key))
            if local_name(key) == "schemaLocation":
                uris.update(value.split())
    return {
        uri.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xsd").casefold() for uri in uris if uri
    }
