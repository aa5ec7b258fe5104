"""The project's own demo SCORM courses: source files here, zipped on demand.

Two small courses written for this project (no third-party content), one per standard:

* ``safe-passwords``: SCORM 1.2, ``adlcp:masteryscore`` 80, sources in ``scorm12/``.
* ``spotting-phishing``: SCORM 2004 4th edition, primary objective satisfied by measure at
  ``minNormalizedMeasure`` 0.8, sources in ``scorm2004/``.

Each package is one SCO, ``index.html``: three content pages, a quiz page and a result page,
shown one at a time by JavaScript. ``common/`` holds what both share and the build copies into
each zip: ``scorm.js`` (API discovery and the SCORM calls for both versions), ``course.js``
(navigation, quiz, resume) and ``course.css``.

Stable hooks for browser tests (identical in both packages):

* buttons "Next" and "Previous" (content pages; "Previous" also on the quiz page),
  "Submit answers" (quiz page) and "Save and exit" (every page);
* every page is a ``<section id="page-N">`` with an ``<h1>``; page 1's h1 is the course title;
  the page id (``page-1`` to ``page-5``: 3 content pages, the quiz, the result) is what the
  course stores as ``cmi.core.lesson_location`` / ``cmi.location``;
* each question is a ``<fieldset>`` whose ``<legend>`` is the question, with one radio per
  ``<label>``; the result page shows "Your score: N%" and "Passed" or "Failed";
* without an LMS the page shows "No LMS found: progress will not be saved".

Three right answers score 100%, two score 67% and fail the 80% pass mark. The right answers
(question legend -> label text, also in ``DEMO_ANSWERS``):

safe-passwords
  * Which of these makes the strongest password? -> Four random unrelated words
  * What is the safest way to handle passwords for many accounts? -> Use a password manager
    with a unique password for each account
  * What does multi-factor authentication add? -> A second proof of identity besides the
    password

spotting-phishing
  * An email from your bank asks you to confirm your password through a link. What should you
    do? -> Report the email and visit the bank site by typing its address
  * Which of these is a common sign of phishing? -> An urgent threat that your account will
    close today
  * How can you check where a link really leads before opening it? -> Rest the pointer on it
    to see the real address
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
COMMON_DIR = DEMO_DIR / "common"

# The earliest date a zip entry can hold: fixed timestamps keep the bytes, and so the sha256,
# independent of when and where the package is built.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DemoCourse:
    slug: str
    title: str
    description: str
    standard: str  # a courses.models.Package.Standard value
    source_dir: Path
    mastery_score: float  # 0..1, as the intake reads it from the manifest


DEMO_COURSES: dict[str, DemoCourse] = {
    course.slug: course
    for course in (
        DemoCourse(
            slug="safe-passwords",
            title="Safe passwords",
            description=(
                "Why long passphrases beat clever passwords, one password per account and "
                "multi-factor authentication. Three short pages and a three-question quiz "
                "(SCORM 1.2 demo)."
            ),
            standard="scorm12",
            source_dir=DEMO_DIR / "scorm12",
            mastery_score=0.8,
        ),
        DemoCourse(
            slug="spotting-phishing",
            title="Spotting phishing",
            description=(
                "How to recognise a phishing message by its sender, its links and its pressure, "
                "and what to do about it. Three short pages and a three-question quiz "
                "(SCORM 2004 4th edition demo)."
            ),
            standard="scorm2004_4",
            source_dir=DEMO_DIR / "scorm2004",
            mastery_score=0.8,
        ),
    )
}

# Per course slug: quiz question (the fieldset legend) -> label text of the right answer.
DEMO_ANSWERS: dict[str, dict[str, str]] = {
    "safe-passwords": {
        "Which of these makes the strongest password?": "Four random unrelated words",
        "What is the safest way to handle passwords for many accounts?": (
            "Use a password manager with a unique password for each account"
        ),
        "What does multi-factor authentication add?": (
            "A second proof of identity besides the password"
        ),
    },
    "spotting-phishing": {
        "An email from your bank asks you to confirm your password through a link. "
        "What should you do?": "Report the email and visit the bank site by typing its address",
        "Which of these is a common sign of phishing?": (
            "An urgent threat that your account will close today"
        ),
        "How can you check where a link really leads before opening it?": (
            "Rest the pointer on it to see the real address"
        ),
    },
}


def package_files(slug: str) -> dict[str, Path]:
    """Zip entry name -> source file: the course's own files plus ``common/``, hidden files aside."""
    files: dict[str, Path] = {}
    for directory in (COMMON_DIR, DEMO_COURSES[slug].source_dir):
        for path in sorted(directory.rglob("*")):
            name = path.relative_to(directory).as_posix()
            if not path.is_file() or any(part.startswith(".") for part in name.split("/")):
                continue
            if name in files:
                raise ValueError(f"{slug}: {name} is both in common/ and in the course sources")
            files[name] = path
    return files


def build_demo_zip(slug: str) -> bytes:
    """The demo course's SCORM package, byte for byte the same on every build."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in sorted(package_files(slug).items()):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.create_system = 3  # Unix, whatever the building OS, with plain rw-r--r-- files
            info.external_attr = 0o100644 << 16
            archive.writestr(
                info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9
            )
    return buffer.getvalue()
