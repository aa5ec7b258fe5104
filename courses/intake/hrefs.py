"""Manifest hrefs: resolving them against xml:base, and adding an item's parameters."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from .errors import PackageRejected


def is_external(reference: str) -> bool:
    """An absolute URL or root-relative path: nothing the zip can contain."""
    parts = urlsplit(reference)
    return bool(parts.scheme or parts.netloc) or reference.startswith("/")


def resolve(href: str, bases: Iterable[str | None]) -> str | None:
    """``href`` relative to the package root, through the xml:base values (outermost first).

    Returns None for an external reference. Each base is taken as a folder even without its
    trailing slash, which is how authoring tools mean it.
    """
    references = [base for base in bases if base]
    if any(is_external(reference) for reference in [*references, href]):
        return None
    url = "".join(base if base.endswith("/") else f"{base}/" for base in references) + href
    parts = urlsplit(url)
    path = posixpath.normpath(parts.path) if parts.path else ""
    if path == ".." or path.startswith("../"):
        raise PackageRejected(
            f"imsmanifest.xml refers to '{url}', which points outside the package."
        )
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{path}{query}{fragment}"


def file_path(url: str) -> str:
    """The zip path a package-relative URL names: no query or fragment, percent-decoded."""
    return unquote(urlsplit(url).path)


def with_parameters(href: str, parameters: str) -> str:
    """Append an item's ``parameters`` to its resource's href, as SCORM's CAM book specifies.

    Leading '?' and '&' are dropped; a '#fragment' is added only if the href has none; anything
    else joins the query with '?' or '&', keeping any fragment of the href at the end.
    """
    parameters = parameters.strip().lstrip("?&")
    if not parameters:
        return href
    if parameters.startswith("#"):
        return href if "#" in href else href + parameters
    base, hash_sign, fragment = href.partition("#")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}{parameters}{hash_sign}{fragment}"
