"""SCORM Cloud v2 (Rustici)."""

from __future__ import annotations

from ..base import ScormProvider


class ScormCloudProvider(ScormProvider):
    identifier = "scorm_cloud"
    verbose_name = "SCORM Cloud"
    results_lag_seconds = 30
