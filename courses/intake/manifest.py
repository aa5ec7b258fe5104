"""Reading imsmanifest.xml: the default organisation's launchable items and a JSON summary."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from .errors import PackageRejected
from .hrefs import file_path, resolve, with_parameters
from .sequencing import Launch, sequencing_config
from .standard import detect_standard
from .types import ScoInfo
from .xmltree import XML_BASE, attribute, child, children, identifier, local_name, parse, text

MAX_ITEM_DEPTH = 50  # real courses nest a few levels; this bounds recursion on hostile input


@dataclass(frozen=True)
class Manifest:
    standard: str
    title: str
    scos: tuple[ScoInfo, ...]
    summary: dict[str, Any]
    files: tuple[str, ...]  # zip paths the manifest names, in document order
    sequencing: dict[str, Any]  # scorm-again's sequencing setting (SCORM 2004); {} for 1.2


@dataclass(frozen=True)
class _Resource:
    identifier: str
    href: str | None  # relative to the package root; as written when external
    external: bool
    scormtype: str
    file_count: int
    paths: tuple[str, ...]  # zip paths it names: its href's file and its <file> elements


def parse_manifest(data: bytes) -> Manifest:
    # Deferred: the intake must stay importable before the app registry is ready.
    from courses.models import Package

    root = parse(data)
    if local_name(root.tag) != "manifest":
        raise PackageRejected(
            f"imsmanifest.xml's root element is <{local_name(root.tag)}>, not <manifest>."
        )
    standard = detect_standard(root)
    resources = _resources(root)
    organizations = child(root, "organizations")
    default = _default_organisation(organizations)
    summary = {
        "identifier": identifier(root),
        "version": root.get("version", ""),
        "schemaversion": text(child(child(root, "metadata"), "schemaversion")),
        "default_organization": identifier(default),
        "organizations": [
            {
                "identifier": identifier(organisation),
                "title": text(child(organisation, "title")),
                "items": _item_tree(organisation),
            }
            for organisation in children(organizations, "organization")
        ],
        "resources": [
            {
                "identifier": resource.identifier,
                "href": resource.href,
                "scormtype": resource.scormtype,
                "files": resource.file_count,
            }
            for resource in resources.values()
        ],
    }
    launches = _launches(default, resources)
    scorm12 = standard == Package.Standard.SCORM_12
    sequencing = (
        {}
        if scorm12
        else sequencing_config(
            root,
            organisation=default,
            launches={name: launch for name, (_, launch) in launches.items()},
        )
    )
    return Manifest(
        standard=standard,
        title=text(child(default, "title")) or identifier(root),
        scos=_scos(launches, scorm12, sequencing.get("launches", {})),
        summary=summary,
        files=tuple(
            dict.fromkeys(path for resource in resources.values() for path in resource.paths)
        ),
        sequencing=sequencing,
    )


def _resources(root: Element) -> dict[str, _Resource]:
    container = child(root, "resources")
    outer_bases = [root.get(XML_BASE), container.get(XML_BASE) if container is not None else None]
    found: dict[str, _Resource] = {}
    for element in children(container, "resource"):
        bases = [*outer_bases, element.get(XML_BASE)]
        written = element.get("href", "").strip()
        href = resolve(written, bases) if written else None
        file_hrefs = [entry.get("href", "").strip() for entry in children(element, "file")]
        urls = [href, *(resolve(entry, bases) for entry in file_hrefs if entry)]
        name = identifier(element)  # xs:ID: whitespace collapsed, as identifierrefs expect
        found.setdefault(
            name,
            _Resource(
                identifier=name,
                href=href if href is not None else written or None,
                external=bool(written) and href is None,
                scormtype=attribute(element, "scormtype") or "",
                file_count=len(file_hrefs),
                paths=tuple(file_path(url) for url in urls if url),
            ),
        )
    return found


def _default_organisation(organizations: Element | None) -> Element:
    candidates = children(organizations, "organization")
    if not candidates:
        raise PackageRejected(
            "imsmanifest.xml declares no organisation, so there is nothing to launch."
        )
    default = identifier(organizations, "default") if organizations is not None else ""
    if not default:
        return candidates[0]
    for organisation in candidates:
        if identifier(organisation) == default:
            return organisation
    raise PackageRejected(
        f"imsmanifest.xml names '{default}' as the default organisation, "
        "but no organisation has that identifier."
    )


def _item_tree(parent: Element, depth: int = 1) -> list[dict[str, Any]]:
    items = children(parent, "item")
    if items and depth > MAX_ITEM_DEPTH:
        raise PackageRejected(
            f"imsmanifest.xml nests items more than {MAX_ITEM_DEPTH} levels deep."
        )
    return [
        {
            "identifier": identifier(item),
            "title": text(child(item, "title")),
            "identifierref": item.get("identifierref"),
            "children": _item_tree(item, depth + 1),
        }
        for item in items
    ]


def _items(parent: Element) -> Iterator[Element]:
    """Depth-first, in document order (depth already bounded by ``_item_tree``)."""
    for item in children(parent, "item"):
        yield item
        yield from _items(item)


def _launches(
    organisation: Element, resources: dict[str, _Resource]
) -> dict[str, tuple[Element, Launch]]:
    """The organisation's launchable leaves by item identifier, in depth-first order."""
    # Deferred: the intake must stay importable before the app registry is ready.
    from courses.models import Sco

    max_identifier = Sco._meta.get_field("identifier").max_length
    max_href = Sco._meta.get_field("href").max_length
    launches: dict[str, tuple[Element, Launch]] = {}
    for item in _items(organisation):
        reference = item.get("identifierref")  # xs:string: compared as written
        if children(item, "item") or not reference:
            continue  # only leaves launch
        name = identifier(item)
        resource = resources.get(reference)
        if resource is None:
            raise PackageRejected(
                f"Item '{name}' refers to resource '{reference}', "
                "which imsmanifest.xml does not declare."
            )
        if not resource.href:
            continue
        if resource.external:
            raise PackageRejected(
                f"Item '{name}' launches '{resource.href}', which is outside the package; "
                "only files inside the zip can be launched."
            )
        href = with_parameters(resource.href, item.get("parameters", ""))
        if not name or len(name) > max_identifier:
            raise PackageRejected(
                f"The item that launches '{href}' needs an identifier of 1 to {max_identifier} characters."
            )
        if name in launches:
            raise PackageRejected(f"imsmanifest.xml uses the item identifier '{name}' twice.")
        if len(href) > max_href:
            raise PackageRejected(f"Item '{name}' has a launch address over {max_href} characters.")
        launches[name] = (item, Launch(href=href, is_sco=resource.scormtype.casefold() == "sco"))
    if not launches:
        raise PackageRejected(
            f"The organisation '{identifier(organisation)}' has nothing to launch: "
            "none of its items points at a resource with an href."
        )
    return launches


def _scos(
    launches: dict[str, tuple[Element, Launch]],
    scorm12: bool,
    delivered: dict[str, dict[str, Any]],
) -> tuple[ScoInfo, ...]:
    return tuple(
        ScoInfo(
            identifier=name,
            title=text(child(item, "title")) or name,
            href=launch.href,
            is_sco=launch.is_sco,
            mastery_score=_mastery_12(item) if scorm12 else _mastery_2004(delivered.get(name, {})),
            data_from_lms=_data_from_lms(item),
            position=position,
            **(_scorm12_item(item) if scorm12 else {}),
        )
        for position, (name, (item, launch)) in enumerate(launches.items(), start=1)
    )


#: adlcp:prerequisites is an AICC script of item identifiers; longer ones are not real.
MAX_PREREQUISITES_LENGTH = 2000


def _scorm12_item(item: Element) -> dict[str, str]:
    """What a SCORM 1.2 item tells the run-time beyond its launch: prerequisites (the player
    keeps an item unavailable until they are met) and its time limit."""
    prerequisites = text(child(item, "prerequisites", ignore_case=True))
    if len(prerequisites) > MAX_PREREQUISITES_LENGTH:
        raise PackageRejected(
            f"Item '{identifier(item)}' has prerequisites over {MAX_PREREQUISITES_LENGTH} characters."
        )
    return {
        "prerequisites": prerequisites,
        "max_time_allowed": text(child(item, "maxtimeallowed", ignore_case=True))[:20],
        "time_limit_action": text(child(item, "timelimitaction", ignore_case=True))[:40],
    }


def _data_from_lms(item: Element) -> str:
    element = child(item, "datafromlms", ignore_case=True)  # 1.2 datafromlms, 2004 dataFromLMS
    return (element.text or "").strip() if element is not None else ""


def _mastery_12(item: Element) -> float | None:
    """adlcp:masteryscore, 0..100."""
    score = _number(text(child(item, "masteryscore", ignore_case=True)))
    return score / 100 if score is not None and 0 <= score <= 100 else None


def _mastery_2004(launch: dict[str, Any]) -> float | None:
    """The scaled passing score (primary objective satisfied by measure), clamped to 0..1."""
    score = launch.get("scaledPassingScore")
    return None if score is None else min(max(score, 0.0), 1.0)


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
