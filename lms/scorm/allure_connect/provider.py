"""AllureConnect."""

from __future__ import annotations

from ..base import ScormProvider


class AllureConnectProvider(ScormProvider):
    identifier = "allure_connect"
    verbose_name = "AllureConnect"
    results_lag_seconds = 30
