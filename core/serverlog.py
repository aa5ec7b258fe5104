"""gunicorn's own log lines (start, workers, timeouts) in the format the LMS's logs use.

The Procfile's web process names this class (``--logger-class``). gunicorn sets its logging up
before Django is loaded, so ``LOG_FORMAT`` is read from the environment here.
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

from .jsonlog import JsonFormatter


class GunicornLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        if os.environ.get("LOG_FORMAT", "plain") != "json":
            return
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
