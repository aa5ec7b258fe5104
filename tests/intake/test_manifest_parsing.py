"""What inspect_package reads from valid packages."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from courses.intake import PackageInfo, ScoInfo, inspect_package
from courses.intake.hrefs import with_parameters
from tests.intake.scorm_zips import (
    NS_12,
    NS_2004,
    SCORM12_MANIFEST,
    build_zip,
    minimal_manifest,
    scorm12_zip,
    scorm2004_3rd_zip,
    scorm2004_4th_zip,
)


def inspect(data: bytes) -> PackageInfo:
    return inspect_package(io.BytesIO(data))


def test_scorm12_single_sco():
    data = scorm12_zip()

    info = inspect(data)

    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.size == len(data)
    assert info.standard == "scorm12"
    assert info.title == "Fire safety"
    assert info.scos == (
        ScoInfo(
            identifier="fire-item",
            title="Fire safety basics",
            href="index.html",
            is_sco=True,
            mastery_score=0.8,
            data_from_lms="lang=en",
            position=1,
        ),
    )


def test_scorm12_manifest_summary_is_json():
    info = inspect(scorm12_zip())

    assert json.loads(json.dumps(info.manifest)) == {
        "identifier": "com.example.fire-safety",
        "version": "1.0",
        "schemaversion": "1.2",
        "default_organization": "fire-org",
        "organizations": [
            {
                "identifier": "fire-org",
                "title": "Fire safety",
                "items": [
                    {
                        "identifier": "fire-item",
                        "title": "Fire safety basics",
                        "identifierref": "fire-res",
                        "children": [],
                    }
                ],
            }
        ],
        "resources": [
            {"identifier": "fire-res", "href": "index.html", "scormtype": "sco", "files": 2}
        ],
    }


def test_scorm2004_3rd_edition_multi_sco():
    info = inspect(scorm2004_3rd_zip())

    assert info.standard == "scorm2004_3"
    assert info.title == "Workplace safety"  # whitespace collapsed
    assert [(s.position, s.identifier, s.title) for s in info.scos] == [
        (1, "intro", "Introduction"),
        (2, "quiz", "Quiz"),
        (3, "exam", "Final exam"),
        (4, "review", "Review"),
        (5, "glossary", "Glossary"),
    ]
    by_id = {sco.identifier: sco for sco in info.scos}
    # xml:base on <resources> and on <resource>; the item's "?attempt=1" joins the href's query.
    assert by_id["intro"].href == "content/intro/index.html"
    assert by_id["quiz"].href == "content/quiz/quiz.html?lang=en&attempt=1"
    assert by_id["review"].href == "content/exam.html?mode=review"
    assert by_id["intro"].data_from_lms == "mode=intro"
    assert by_id["quiz"].data_from_lms == ""


def test_scorm2004_mastery_from_sequencing():
    by_id = {sco.identifier: sco for sco in inspect(scorm2004_3rd_zip()).scos}

    assert by_id["quiz"].mastery_score == 0.7
    assert by_id["exam"].mastery_score == 1.0  # satisfied by measure, no minimum: IMS SS default
    assert by_id["review"].mastery_score == 0.6  # from the sequencingCollection, by IDRef
    assert by_id["intro"].mastery_score is None


def test_assets_are_not_scos():
    by_id = {sco.identifier: sco for sco in inspect(scorm2004_3rd_zip()).scos}

    assert by_id["glossary"].is_sco is False
    assert by_id["intro"].is_sco is True


def test_scorm2004_4th_edition_default_organisation_only():
    info = inspect(scorm2004_4th_zip())

    assert info.standard == "scorm2004_4"
    assert info.title == "Handbook"
    assert [(s.identifier, s.href) for s in info.scos] == [
        ("chapter-1", "player.html?chapter=1"),
        ("chapter-2", "player.html#chapter-2"),
    ]
    assert info.scos[0].mastery_score is None  # satisfiedByMeasure="false"
    assert info.manifest["default_organization"] == "full"
    assert [o["identifier"] for o in info.manifest["organizations"]] == ["short", "full"]


def test_first_organisation_when_no_default():
    manifest = SCORM12_MANIFEST.replace(' default="fire-org"', "")

    assert inspect(scorm12_zip(manifest)).scos[0].identifier == "fire-item"


def test_title_falls_back_to_manifest_identifier():
    manifest = SCORM12_MANIFEST.replace("<title>Fire safety</title>", "")

    assert inspect(scorm12_zip(manifest)).title == "com.example.fire-safety"


def test_masteryscore_out_of_range_is_ignored():
    manifest = SCORM12_MANIFEST.replace(">80<", ">180<")

    assert inspect(scorm12_zip(manifest)).scos[0].mastery_score is None


def test_percent_encoded_href_matches_the_zip_path():
    manifest = SCORM12_MANIFEST.replace('href="index.html"', 'href="my%20page.html"')
    data = build_zip(
        {"imsmanifest.xml": manifest, "my page.html": b"<html/>", "shared/style.css": b""}
    )

    assert inspect(data).scos[0].href == "my%20page.html"


@pytest.mark.parametrize(
    ("schemaversion", "namespaces", "standard"),
    [
        ("1.2", NS_12, "scorm12"),
        ("CAM 1.3", NS_2004, "scorm2004_2"),
        ("2004 3rd Edition", NS_2004, "scorm2004_3"),
        ("2004 4th Edition", NS_2004, "scorm2004_4"),
        ("2004", NS_2004, "scorm2004_3"),
        (None, NS_12, "scorm12"),
        (None, NS_2004, "scorm2004_3"),
        # Namespace variations: a trailing slash, and one named only in schemaLocation.
        (
            None,
            'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2/"',
            "scorm12",
        ),
        (
            None,
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
            '"http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd '
            'http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd"',
            "scorm2004_3",
        ),
    ],
)
def test_standard_detection(schemaversion, namespaces, standard):
    manifest = minimal_manifest(schemaversion=schemaversion, namespaces=namespaces)
    data = build_zip({"imsmanifest.xml": manifest, "index.html": b"<html/>"})

    assert inspect(data).standard == standard


@pytest.mark.parametrize("upload_class", [SimpleUploadedFile, TemporaryUploadedFile])
def test_accepts_django_uploads(upload_class):
    data = scorm12_zip()
    if upload_class is SimpleUploadedFile:
        upload = SimpleUploadedFile("course.zip", data, content_type="application/zip")
    else:
        upload = TemporaryUploadedFile("course.zip", "application/zip", len(data), None)
        upload.write(data)

    info = inspect_package(upload)

    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.size == len(data)


def test_inspect_rewinds_the_file():
    upload = io.BytesIO(scorm12_zip())

    inspect_package(upload)

    assert upload.tell() == 0


@pytest.mark.parametrize(
    ("href", "parameters", "launch"),
    [
        ("a.html", "", "a.html"),
        ("a.html", "?x=1", "a.html?x=1"),
        ("a.html", "x=1", "a.html?x=1"),
        ("a.html", "&x=1", "a.html?x=1"),
        ("a.html?y=2", "x=1", "a.html?y=2&x=1"),
        ("a.html?y=2", "?x=1", "a.html?y=2&x=1"),
        ("a.html", "#p2", "a.html#p2"),
        ("a.html#top", "#p2", "a.html#top"),  # the href's own fragment wins
        ("a.html#top", "x=1", "a.html?x=1#top"),  # the query goes before the fragment
    ],
)
def test_parameters_join_the_href(href, parameters, launch):
    assert with_parameters(href, parameters) == launch


def test_scorm2004_sequencing_configuration_is_passed_on():
    info = inspect(scorm2004_3rd_zip())

    assert json.loads(json.dumps(info.sequencing)) == info.sequencing
    tree = info.sequencing["activityTree"]
    assert (tree["id"], tree["title"]) == ("workplace-org", "Workplace safety")
    assert [child["id"] for child in tree["children"]] == ["module-1", "exam", "review", "glossary"]
    launches = info.sequencing["launches"]
    assert list(launches) == [sco.identifier for sco in info.scos]
    assert launches["review"]["scaledPassingScore"] == 0.6  # from the collection, by IDRef
    assert launches["quiz"]["href"] == "content/quiz/quiz.html?lang=en&attempt=1"
    assert launches["glossary"]["scormType"] == "asset"
    assert launches["intro"]["dataFromLMS"] == "mode=intro"
    assert launches["quiz"]["objectiveIds"] == ["quiz-passed"]


def test_scorm12_has_no_sequencing_configuration():
    assert inspect(scorm12_zip()).sequencing == {}


def test_package_info_sequencing_defaults_to_empty():
    info = PackageInfo(sha256="0" * 64, size=1, standard="scorm12", title="t", scos=(), manifest={})

    assert info.sequencing == {}
