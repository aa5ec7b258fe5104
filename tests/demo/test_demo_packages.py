"""The demo SCORM packages: deterministic zips, manifests in step with the files, the quiz in
step with ``DEMO_ANSWERS``, and the command that writes them."""

from __future__ import annotations

import hashlib
import io
import zipfile
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.core.management import call_command
from django.core.management.base import CommandError

import courses.demo
from courses.demo import DEMO_ANSWERS, DEMO_COURSES, build_demo_zip
from courses.models import Package

SLUGS = sorted(DEMO_COURSES)
IMSCP_12 = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
ADLCP_12 = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"
IMSCP_2004 = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
ADLCP_2004 = "{http://www.adlnet.org/xsd/adlcp_v1p3}"
IMSSS = "{http://www.imsglobal.org/xsd/imsss}"


@pytest.fixture(scope="module")
def zips() -> dict[str, bytes]:
    return {slug: build_demo_zip(slug) for slug in SLUGS}


def _open(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def _manifest(data: bytes) -> Element:
    return ElementTree.fromstring(_open(data).read("imsmanifest.xml"))


class _CoursePage(HTMLParser):
    """What the browser tests rely on in index.html: headings, buttons, questions."""

    def __init__(self) -> None:
        super().__init__()
        self.section_ids: list[str] = []
        self.h1s: list[str] = []
        self.buttons: list[str] = []
        # One per fieldset: {"correct": value, "legend": text, "labels": {value: text}}
        self.questions: list[dict] = []
        self.links: list[str] = []
        self._capture: str | None = None
        self._text: list[str] = []
        self._radio_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section" and attributes.get("class") == "page":
            self.section_ids.append(attributes["id"] or "")
        elif tag == "fieldset":
            self.questions.append(
                {"correct": attributes.get("data-correct"), "legend": "", "labels": {}}
            )
        elif tag == "input" and attributes.get("type") == "radio":
            self._radio_value = attributes.get("value")
        for name in ("src", "href"):
            if attributes.get(name):
                self.links.append(attributes[name] or "")
        if tag in ("h1", "button", "legend", "label"):
            self._capture, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != self._capture:
            return
        text = " ".join("".join(self._text).split())
        if tag == "h1":
            self.h1s.append(text)
        elif tag == "button":
            self.buttons.append(text)
        elif tag == "legend":
            self.questions[-1]["legend"] = text
        elif tag == "label":
            self.questions[-1]["labels"][self._radio_value] = text
        self._capture = None


def _course_page(data: bytes) -> _CoursePage:
    parser = _CoursePage()
    parser.feed(_open(data).read("index.html").decode())
    return parser


def test_builds_are_byte_identical(zips: dict[str, bytes]) -> None:
    for slug in SLUGS:
        again = build_demo_zip(slug)
        assert hashlib.sha256(again).hexdigest() == hashlib.sha256(zips[slug]).hexdigest()


@pytest.mark.parametrize("slug", SLUGS)
def test_zip_entries_are_sorted_with_fixed_timestamps(zips: dict[str, bytes], slug: str) -> None:
    infos = _open(zips[slug]).infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert _open(zips[slug]).testzip() is None


@pytest.mark.parametrize("slug", SLUGS)
def test_manifest_is_at_the_root_and_lists_exactly_the_zipped_files(
    zips: dict[str, bytes], slug: str
) -> None:
    names = set(_open(zips[slug]).namelist())
    assert "imsmanifest.xml" in names
    listed = {
        file.get("href") for file in _manifest(zips[slug]).iter() if file.tag.endswith("}file")
    }
    assert listed == names - {"imsmanifest.xml"}


def test_scorm12_manifest() -> None:
    root = _manifest(build_demo_zip("safe-passwords"))
    assert root.findtext(f"{IMSCP_12}metadata/{IMSCP_12}schemaversion") == "1.2"
    resource = root.find(f"{IMSCP_12}resources/{IMSCP_12}resource")
    assert resource is not None
    assert resource.get(f"{ADLCP_12}scormtype") == "sco"
    assert resource.get("href") == "index.html"
    item = root.find(f"{IMSCP_12}organizations/{IMSCP_12}organization/{IMSCP_12}item")
    assert item is not None
    assert item.get("identifierref") == resource.get("identifier")
    assert item.findtext(f"{ADLCP_12}masteryscore") == "80"


def test_scorm2004_manifest() -> None:
    root = _manifest(build_demo_zip("spotting-phishing"))
    assert root.findtext(f"{IMSCP_2004}metadata/{IMSCP_2004}schemaversion") == "2004 4th Edition"
    resource = root.find(f"{IMSCP_2004}resources/{IMSCP_2004}resource")
    assert resource is not None
    assert resource.get(f"{ADLCP_2004}scormType") == "sco"
    item = root.find(f"{IMSCP_2004}organizations/{IMSCP_2004}organization/{IMSCP_2004}item")
    assert item is not None
    assert item.get("identifierref") == resource.get("identifier")
    objective = item.find(f"{IMSSS}sequencing/{IMSSS}objectives/{IMSSS}primaryObjective")
    assert objective is not None
    assert objective.get("satisfiedByMeasure") == "true"
    assert objective.findtext(f"{IMSSS}minNormalizedMeasure") == "0.8"
    # The SCO reports its objective under the manifest's id.
    html = _open(build_demo_zip("spotting-phishing")).read("index.html").decode()
    assert f'data-objective-id="{objective.get("objectiveID")}"' in html


@pytest.mark.parametrize("slug", SLUGS)
def test_course_metadata(slug: str) -> None:
    course = DEMO_COURSES[slug]
    assert course.slug == slug
    assert course.standard in Package.Standard.values
    assert course.title
    assert course.description
    assert (course.source_dir / "imsmanifest.xml").is_file()


@pytest.mark.parametrize("slug", SLUGS)
def test_quiz_matches_demo_answers(zips: dict[str, bytes], slug: str) -> None:
    page = _course_page(zips[slug])
    answers = {q["legend"]: q["labels"][q["correct"]] for q in page.questions}
    assert answers == DEMO_ANSWERS[slug]
    assert all(len(q["labels"]) == 3 for q in page.questions)
    labels = [label for q in page.questions for label in q["labels"].values()]
    assert len(labels) == len(set(labels)), "labels must be unique so tests can click them by text"


def test_docstring_documents_the_answers() -> None:
    docstring = " ".join((courses.demo.__doc__ or "").split())
    for answers in DEMO_ANSWERS.values():
        for legend, label in answers.items():
            assert f"{legend} -> {label}" in docstring


@pytest.mark.parametrize("slug", SLUGS)
def test_stable_selectors(zips: dict[str, bytes], slug: str) -> None:
    page = _course_page(zips[slug])
    assert page.section_ids == [f"page-{n}" for n in range(1, 6)]
    assert page.h1s[0] == DEMO_COURSES[slug].title
    assert len(page.h1s) == len(page.section_ids) + 1  # every page, and the closing panel
    assert sorted(page.buttons) == ["Next", "Previous", "Save and exit", "Submit answers"]
    assert len(page.questions) == 3


@pytest.mark.parametrize("slug", SLUGS)
def test_everything_is_inside_the_package(zips: dict[str, bytes], slug: str) -> None:
    archive = _open(zips[slug])
    page = _course_page(zips[slug])
    assert {link for link in page.links if not link.startswith("data:")} <= set(archive.namelist())
    for name in archive.namelist():
        if name != "imsmanifest.xml":  # its namespaces are URIs, not links
            text = archive.read(name).decode()
            for external in ("http:", "https:", "//cdn"):
                assert external not in text, name


def test_command_writes_the_zips(tmp_path: Path) -> None:
    out = StringIO()
    call_command("build_demo_packages", "--output-dir", str(tmp_path), stdout=out)
    paths = [Path(line) for line in out.getvalue().splitlines()]
    assert paths == [tmp_path / f"{slug}.zip" for slug in DEMO_COURSES]
    for slug in SLUGS:
        assert (tmp_path / f"{slug}.zip").read_bytes() == build_demo_zip(slug)


def test_command_builds_only_the_named_course(tmp_path: Path) -> None:
    call_command(
        "build_demo_packages", "spotting-phishing", "--output-dir", str(tmp_path), stdout=StringIO()
    )
    assert [path.name for path in tmp_path.iterdir()] == ["spotting-phishing.zip"]


def test_command_refuses_unknown_courses(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Unknown demo course: nope"):
        call_command("build_demo_packages", "nope", "--output-dir", str(tmp_path))


@pytest.mark.parametrize("slug", SLUGS)
def test_zips_pass_the_intake(zips: dict[str, bytes], slug: str) -> None:
    from courses.intake import inspect_package

    info = inspect_package(io.BytesIO(zips[slug]))
    course = DEMO_COURSES[slug]
    assert info.standard == course.standard
    assert info.title == course.title
    assert [(sco.href, sco.is_sco, sco.mastery_score) for sco in info.scos] == [
        ("index.html", True, 0.8)
    ]
    assert info.sha256 == hashlib.sha256(zips[slug]).hexdigest()
