"""The safe intake of SCORM zips, which are untrusted input.

``inspect_package`` checks an upload and reads its manifest before anything is stored;
``extract_package`` unpacks a stored package in bounded memory, running every check again.
Both raise ``PackageRejected``, whose ``message`` is written for the uploader.
"""

from .errors import PackageRejected
from .extract import extract_package
from .inspection import inspect_package
from .types import PackageInfo, ScoInfo

__all__ = ["PackageInfo", "PackageRejected", "ScoInfo", "extract_package", "inspect_package"]
