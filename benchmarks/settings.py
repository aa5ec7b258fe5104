"""Settings of the benchmark server: the project's own, plus the benchmark's URLconf (which
adds the login-required no-op view that serves as the baseline). Production never loads this
module, so the no-op view is never reachable there."""

from lms.settings import *  # noqa: F403
from lms.settings import STORAGES

ROOT_URLCONF = "benchmarks.urls"
# A throwaway run has no collected static files: serve pages without the manifest.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
