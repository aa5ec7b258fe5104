from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from playback.nginx import nginx_content_config


class Command(BaseCommand):
    help = (
        "Print nginx's configuration of the content origin for "
        "SCORM_CONTENT_DELIVERY=auth-request (deploy/nginx-content.conf with its fields filled "
        "in from the settings and these options), to include at nginx's http level."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--server-name",
            help="The content origin's host (default: SCORM_CONTENT_ORIGIN's).",
        )
        parser.add_argument(
            "--listen", default="443 ssl", help="nginx's listen parameters (default: 443 ssl)."
        )
        parser.add_argument(
            "--include",
            action="append",
            default=[],
            metavar="FILE",
            help="A file of server directives to include, e.g. the ssl_certificate lines; "
            "repeatable.",
        )
        parser.add_argument(
            "--app", default="127.0.0.1:8000", help="The app servers' host:port (gunicorn's)."
        )
        parser.add_argument(
            "--cache-path",
            default="/var/cache/nginx/lms-content",
            help="A folder nginx's workers may write: the app's answers about grants.",
        )
        parser.add_argument(
            "--behind-proxy",
            action="store_true",
            help="A balancer in front terminates TLS: take the scheme from its X-Forwarded-Proto.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        server_name = options["server_name"] or urlsplit(settings.SCORM_CONTENT_ORIGIN).hostname
        if not server_name:
            raise CommandError("Set SCORM_CONTENT_ORIGIN or give --server-name.")
        lines = [f"listen {options['listen']};", f"server_name {server_name};"]
        lines += [f"include {path};" for path in options["include"]]
        try:
            text = nginx_content_config(
                server="\n    ".join(lines),
                app=options["app"],
                cache_path=options["cache_path"],
                behind_proxy=options["behind_proxy"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(text, ending="")
