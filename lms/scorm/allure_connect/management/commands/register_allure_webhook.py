from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.scorm.allure_connect import assumptions as api
from lms.scorm.allure_connect.services import allure_provider, webhook_register
from lms.scorm.exceptions import ProviderError, ProviderNotConfigured


class Command(BaseCommand):
    help = (
        "Register this site's webhook receiver with AllureConnect, signed with "
        "ALLURE_CONNECT_WEBHOOK_SECRET (one registration per event type)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", help="The receiver's public URL (default: SITE_URL and the receiver's route)."
        )
        parser.add_argument(
            "--event",
            action="append",
            dest="events",
            metavar="EVENT",
            help=f"An event type to register; repeatable (default: {', '.join(api.WEBHOOK_EVENTS)}).",
        )

    def handle(
        self, *args: Any, url: str | None = None, events: list[str] | None = None, **options: Any
    ) -> None:
        url = url or allure_provider().webhook_url()
        self.stdout.write(f"Registering {url}")
        failed = []
        for event in events or api.WEBHOOK_EVENTS:
            try:
                webhook = webhook_register(event_type=event, url=url)
            except ProviderNotConfigured as err:
                raise CommandError(err.message) from err
            except ProviderError as err:
                failed.append(event)
                self.stderr.write(f"{event}: {err}")
                continue
            self.stdout.write(
                self.style.SUCCESS(f"{event}: registered ({webhook.id or 'no id returned'})")
            )
        if failed:
            raise CommandError(f"AllureConnect did not register: {', '.join(failed)}.")
