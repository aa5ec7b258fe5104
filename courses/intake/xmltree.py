"""Parsing the manifest safely, and looking elements up by local name.

Manifests in the wild spell namespaces inconsistently (versions, trailing slashes, none at all),
so lookups ignore them and match on local names.

Parsing is bounded while it runs: a target counts elements as expat reports them and stops the
parse past ``MAX_DEPTH`` levels or ``MAX_ELEMENTS`` elements, so a hostile manifest (say 100,000
nested elements in a ``<title>``, +238 MB as a tree) is refused before it is built. The limits:
ADL's 189 conformance manifests nest at most 12 levels and hold at most 396 elements; a course
at the item-depth limit (50, ``manifest.MAX_ITEM_DEPTH``) with a full rule set nests about 60.
50,000 elements leave room for a ``<file>`` element for each of the 10,000 entries a zip may
hold (``SCORM_INTAKE_MAX_ENTRIES``) several times over, and cost about 20 MB as a tree.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .errors import PackageRejected

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

MAX_DEPTH = 100
MAX_ELEMENTS = 50_000

_XML_SPACE = re.compile(r"[ \t\r\n]+")  # XML's whitespace, narrower than str.split()'s


class _Bounded(TreeBuilder):
    """Builds the tree, refusing it as soon as it grows too deep or too big."""

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._count = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self._depth += 1
        self._count += 1
        if self._depth > MAX_DEPTH:
            raise PackageRejected(
                f"imsmanifest.xml nests elements more than {MAX_DEPTH} levels deep."
            )
        if self._count > MAX_ELEMENTS:
            raise PackageRejected(f"imsmanifest.xml has more than {MAX_ELEMENTS:,} elements.")
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return super().end(tag)


def parse(data: bytes) -> Element:
    parser = DefusedXMLParser(target=_Bounded(), forbid_dtd=True)
    try:
        parser.feed(data)
        return parser.close()
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


def in_namespace(element: Element, marker: str) -> bool:
    """Whether the element's namespace URI names ``marker`` (``adlseq``, ``imsss``...)."""
    return isinstance(element.tag, str) and marker in namespace(element.tag).casefold()


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


def collapse(value: str) -> str:
    """XML Schema's ``whiteSpace="collapse"``: xs:ID, xs:IDREF, xs:token, xs:anyURI, numbers.

    Runs of XML whitespace become one space and the ends are trimmed, so ``"  CASETEST "`` is
    the identifier ``CASETEST`` (ADL's CM-07e, OB-02a and OB-02b pad identifiers this way).
    """
    return _XML_SPACE.sub(" ", value).strip(" ")


def identifier(element: Element, name: str = "identifier") -> str:
    """An xs:ID / xs:IDREF attribute (identifier, default, ID, IDRef), collapsed; "" if absent."""
    return collapse(element.get(name, ""))
