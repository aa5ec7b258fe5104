"""Parsing the manifest safely, and looking elements up by local name.

Manifests in the wild spell namespaces inconsistently (versions, trailing slashes, none at all),
so lookups ignore them and match on local names.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .errors import PackageRejected

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def parse(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as err:
        raise PackageRejected(
            "imsmanifest.xml contains a DOCTYPE or entity declarations, which are not allowed "
            "(they can be used to attack the server). Remove them and upload the package again."
        ) from err
    except ParseError as err:
        raise PackageRejected(f"imsmanifest.xml is not well-formed XML ({err}).") from err


def local_name(name: object) -> str:
    return name.rsplit("}", 1)[-1] if isinstance(name, str) else ""


def namespace(name: str) -> str:
    return name[1:].split("}", 1)[0] if name.startswith("{") else ""


def children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if local_name(child.tag) == name]


def child(element: Element | None, name: str, *, ignore_case: bool = False) -> Element | None:
    if element is None:
        return None
    wanted = name.casefold() if ignore_case else name
    for candidate in element:
        found = local_name(candidate.tag)
        if (found.casefold() if ignore_case else found) == wanted:
            return candidate
    return None


def attribute(element: Element, name: str) -> str | None:
    """An attribute by local name, in any namespace and any case (adlcp:scormtype/scormType)."""
    wanted = name.casefold()
    for key, value in element.attrib.items():
        if local_name(key).casefold() == wanted:
            return value
    return None


def text(element: Element | None) -> str:
    """The element's text with runs of whitespace collapsed."""
    return " ".join((element.text or "").split()) if element is not None else ""
