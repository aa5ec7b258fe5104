"""The content origin must be another *site* than the LMS: what counts as a site."""

import io

import pytest
from django.core.management import call_command

from core.origins import derived_content_origin
from playback.checks import site_of


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("https://lms.example.com", "https://content.example.com", True),
        ("https://lms.example.com", "https://lms-content.example.net", False),
        ("https://lms.example.co.uk", "https://content.example.co.uk", True),
        ("https://lms.example.co.uk", "https://other.co.uk", False),
        # github.io is in the PSL's private section: each user is a site of its own
        ("https://alice.github.io", "https://bob.github.io", False),
        ("https://alice.github.io", "https://content.alice.github.io", True),
        ("https://127.0.0.1:8000", "https://localhost:8000", False),
        ("http://lms.example.com", "https://lms.example.com", False),  # the scheme is part of it
    ],
)
def test_site_of(first, second, same):
    assert (site_of(first) == site_of(second)) is same


@pytest.mark.parametrize(
    ("lms", "content"),
    [
        ("http://127.0.0.1:8000/", "http://localhost:8000"),
        ("http://localhost:8000", "http://127.0.0.1:8000"),
        ("https://localhost", "https://127.0.0.1"),
        ("http://lms.example.com:8000/", ""),  # nothing to derive: it must be configured
        ("127.0.0.1:8000", ""),  # not a URL
    ],
)
def test_the_development_content_origin_is_the_other_loopback_name(lms, content):
    assert derived_content_origin(lms) == content


@pytest.mark.django_db
def test_seed_demo_prints_both_addresses(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", url="http://127.0.0.1:8123/", stdout=out)
    assert "The LMS runs at http://127.0.0.1:8123/" in out.getvalue()
    assert "Package content plays from http://localhost:8123" in out.getvalue()
