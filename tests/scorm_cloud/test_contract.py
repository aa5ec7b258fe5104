"""Everything our client sends and everything the fake answers, checked against Rustici's
official client (the contract). See contract.py for how the official surface is read."""

from __future__ import annotations

import ast
import inspect
import io
from contextlib import suppress
from pathlib import Path

import pytest
import requests
from django.utils import timezone

import providers.scorm_cloud.client as client_module
from enrollments.refs import attempt_ref
from providers import get_provider
from providers.exceptions import ProviderAuthError, ProviderConflict, ProviderNotFound
from providers.scorm_cloud.client import ScormCloudClient
from tests.factories import AttemptFactory, CourseFactory, PackageFactory
from tests.fakes.scorm_cloud import Exchange, FakeScormCloud

from .conftest import import_step, launch
from .contract import find_operation, official_deserialize, official_operations, schema_errors

ZIP = b"PK\x05\x06" + b"\0" * 18

#: The official operations our client uses, by the official method names.
USED_OPERATIONS = {
    "ping_app_id",
    "get_course",
    "create_upload_and_import_course_job",
    "get_import_job_status",
    "create_registration",
    "get_registration_progress",
    "build_registration_launch_link",
    "build_course_preview_launch_link",
}
#: Our client's public methods. A new one must be added here, and so get contract-checked.
CLIENT_METHODS = {
    "ping",
    "get_course",
    "upload_course",
    "get_import_job",
    "create_registration",
    "get_registration",
    "launch_link",
    "preview_link",
}


@pytest.fixture
def exercised(db, scorm_cloud: FakeScormCloud, settings) -> FakeScormCloud:
    """Drive every client method and provider flow, success and error answers alike."""
    settings.SITE_URL = "https://lms.example"
    client = ScormCloudClient.from_settings()
    provider = get_provider("scorm_cloud")

    client.ping()
    assert client.get_course("lms-contract") is None  # 404
    job = client.upload_course(
        "lms-contract", io.BytesIO(ZIP), filename="c.zip", may_create_new_version=False
    )
    client.get_import_job(job)  # RUNNING
    client.get_import_job(job)  # COMPLETE
    client.get_course("lms-contract")
    with suppress(ProviderConflict):  # 409
        client.upload_course(
            "lms-contract", io.BytesIO(ZIP), filename="c.zip", may_create_new_version=False
        )
    scorm_cloud.import_polls = 0
    client.get_import_job(
        client.upload_course(
            "lms-broken", io.BytesIO(ZIP), filename="broken.zip", may_create_new_version=False
        )
    )  # ERROR
    with suppress(ProviderNotFound):
        client.get_import_job("no-such-job")

    course = CourseFactory(provider="scorm_cloud")
    package = PackageFactory(course=course)
    import_step(provider, package, start=True)
    import_step(provider, package, start=False)
    attempt = AttemptFactory(enrollment__course=course, package=package)
    launch(attempt)  # create (with postBack) + link
    twin = AttemptFactory(enrollment__course=course, package=package)
    scorm_cloud.add_registration(
        str(twin.id), course_id=package.remote_id, learner_id=twin.enrollment.learner.external_id
    )
    launch(twin)  # 400 duplicate, confirmed
    scorm_cloud.postback_mode = "off"
    scorm_cloud.set_result(str(attempt.id), score=72.5)
    scorm_cloud.wait_until_settled(str(attempt.id))
    attempt.registered_at = timezone.now()
    provider.fetch_progress(attempt_ref(attempt))
    client.get_registration(
        str(attempt.id),
        include_runtime=True,
        include_child_results=True,
        include_interactions_and_objectives=True,
    )
    with suppress(ProviderNotFound):
        client.get_registration("no-such-registration")
    with suppress(ProviderNotFound):
        client.launch_link("no-such-registration", redirect_on_exit_url="https://lms.example/exit/")
    client.preview_link(package.remote_id, redirect_on_exit_url="https://lms.example/exit/")
    with suppress(ProviderNotFound):
        client.preview_link("no-such-course", redirect_on_exit_url="https://lms.example/exit/")
    with suppress(ProviderAuthError):
        ScormCloudClient(scorm_cloud.api_url, app_id="wrong", secret_key="wrong").ping()  # 401
    return scorm_cloud


def _operation(exchange: Exchange):
    operation = find_operation(exchange.method, exchange.path)
    assert operation is not None, f"{exchange.method} {exchange.path} is not an official operation"
    return operation


def test_every_request_is_an_official_operation_and_all_are_covered(exercised):
    seen = {_operation(e).name for e in exercised.api_exchanges()}
    assert seen == USED_OPERATIONS


def test_query_parameters_are_official_and_booleans_lowercase(exercised):
    for exchange in exercised.api_exchanges():
        operation = _operation(exchange)
        assert set(exchange.query) <= set(operation.query), (exchange.path, exchange.query)
        for name, values in exchange.query.items():
            if operation.query[name] == "bool":
                assert values in (["true"], ["false"]), (name, values)
            if operation.query[name] == "int":
                assert all(v.isdigit() for v in values), (name, values)


def test_json_bodies_deserialize_into_the_official_request_models(exercised):
    checked = set()
    for exchange in exercised.api_exchanges():
        operation = _operation(exchange)
        if operation.body_type is None:
            assert exchange.json_body is None, f"{operation.name} takes no JSON body"
            continue
        assert schema_errors(exchange.json_body, operation.body_type) == []
        official_deserialize(exchange.json_body, operation.body_type)
        checked.add(operation.body_type)
    assert checked == {
        "CreateRegistrationSchema",
        "LaunchLinkRequestSchema",
        "PreviewLaunchLinkRequestSchema",
    }


def test_multipart_parts_are_official(exercised):
    uploads = [e for e in exercised.api_exchanges() if e.files or e.form]
    assert uploads
    for exchange in uploads:
        operation = _operation(exchange)
        assert set(exchange.files) <= operation.files
        assert set(exchange.form) <= operation.form


def test_every_answer_of_the_fake_deserializes_with_the_official_models(exercised):
    statuses = set()
    for exchange in exercised.api_exchanges():
        operation = _operation(exchange)
        statuses.add(exchange.status)
        if exchange.method == "HEAD":
            assert (exchange.response_json, exchange.response_text) == (None, "")
        elif exchange.status == 401:
            assert exchange.response_json == {
                "error": "Authorization Required."
            }  # the overview's shape
        elif exchange.status >= 400:
            assert schema_errors(exchange.response_json, "MessageSchema") == []
            assert exchange.response_json["message"]
        elif operation.response_type:
            assert schema_errors(exchange.response_json, operation.response_type) == [], (
                operation.name
            )
            official_deserialize(exchange.response_json, operation.response_type)
        else:
            assert exchange.response_json is None
            assert exchange.response_text == ""
    assert statuses == {200, 204, 400, 401, 404, 409}


def test_postbacks_of_the_fake_are_registration_schemas(live_server, scorm_cloud, settings):
    settings.SITE_URL = live_server.url
    scorm_cloud.add_registration("reg-1", course_id="lms-c", learner_id="lrn_1")
    scorm_cloud.registrations["reg-1"].post_back = {
        "url": f"{live_server.url}/nowhere/",
        "authType": "FORM",
    }
    scorm_cloud.set_result("reg-1", success="FAILED", score=12.0)
    (delivery,) = scorm_cloud.wait_for_postbacks(1)
    assert schema_errors(delivery.body, "RegistrationSchema") == []
    official_deserialize(delivery.body, "RegistrationSchema")


def test_client_has_exactly_the_contract_checked_methods():
    public = {
        name
        for name, member in inspect.getmembers(ScormCloudClient, inspect.isfunction)
        if not name.startswith("_") and member.__qualname__.startswith("ScormCloudClient.")
    }
    assert public == CLIENT_METHODS


def test_no_code_path_reaches_the_registration_reset():
    """DELETE /registrations/{id}/progress wipes a learner's results: it exists officially, and
    nothing in our client can build it."""
    assert (
        find_operation("DELETE", "/registrations/abc/progress").name
        == "delete_registration_progress"
    )
    calls = []
    for node in ast.walk(ast.parse(Path(client_module.__file__).read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "request"
        ):
            method, path = node.args[0], node.args[1]
            fragments = [
                n.value
                for n in ast.walk(path)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            calls.append((method.value, fragments))  # type: ignore[attr-defined]
    assert len(calls) == len(CLIENT_METHODS)
    assert {method for method, _ in calls} <= {"GET", "HEAD", "POST"}
    assert not [fragments for _, fragments in calls if any("progress" in f for f in fragments)]


def test_the_fake_flags_a_reset_call(fake_scorm_cloud):
    """The fixture's guard (every test's teardown) can fail: a reset is recorded."""
    fake_scorm_cloud.add_registration("reg-1", course_id="lms-c", learner_id="lrn_1")
    response = requests.delete(
        f"{fake_scorm_cloud.api_url}/registrations/reg-1/progress",
        auth=(fake_scorm_cloud.app_id, fake_scorm_cloud.secret_key),
        timeout=5,
    )
    assert response.status_code == 204
    assert len(fake_scorm_cloud.forbidden) == 1
    fake_scorm_cloud.forbidden.clear()  # let this test's own teardown pass


# The checker itself must be able to fail --------------------------------------------------------


def test_the_official_surface_was_read():
    names = {op.name for op in official_operations()}
    assert names >= USED_OPERATIONS
    assert len(names) > 100


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/registrations/abc/results"),  # the third-party note's endpoint
        ("GET", "/registrations/abc/progress"),  # only DELETE (reset) exists there
        ("POST", "/registrations/abc"),
    ],
)
def test_paths_the_contract_does_not_have(method, path):
    assert find_operation(method, path) is None


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            {"courseId": "c", "registrationId": "r", "learner": {"id": "l", "name": "N"}},
            "learner.name: not a field",
        ),
        (
            {"courseId": "c", "registrationId": "r", "learner": {"firstName": "N"}},
            "learner.id: required",
        ),
        ({"courseId": "c", "learner": {"id": "l"}}, "registrationId: required"),
        (
            {
                "courseId": "c",
                "registrationId": "r",
                "learner": {"id": "l"},
                "postBack": {"authType": "httpbasic"},
            },
            "'httpbasic' is not one of",
        ),
        ({"courseId": 1, "registrationId": "r", "learner": {"id": "l"}}, "courseId: expected str"),
    ],
)
def test_schema_check_catches_wrong_requests(document, problem):
    assert any(problem in error for error in schema_errors(document, "CreateRegistrationSchema"))


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"registrationCompletion": "COMPLETE"}, "is not one of"),
        ({"score": {"scaled": "85"}}, "score.scaled: expected float"),
        ({"updated": "last tuesday"}, "expected an ISO-8601"),
        ({"results": {}}, "results: not a field"),
    ],
)
def test_schema_check_catches_wrong_answers(document, problem):
    assert any(problem in error for error in schema_errors(document, "RegistrationSchema"))


def test_official_deserializer_refuses_a_launch_link_answer_without_the_link():
    with pytest.raises(ValueError, match="launch_link"):
        official_deserialize({}, "LaunchLinkSchema")
