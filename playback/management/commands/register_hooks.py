from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from providers import ProviderError, all_providers
from providers.exceptions import ProviderNotConfigured


class Command(BaseCommand):
    help = (
        "Register this site's notification receiver with every provider that needs it "
        "(AllureConnect's webhooks, signed with ALLURE_CONNECT_WEBHOOK_SECRET; one "
        "registration per event type). SCORM Cloud needs none: each registration names it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", help="Only this provider (its identifier).")
        parser.add_argument(
            "--url", help="The receiver's public URL (default: SITE_URL and the receiver's route)."
        )
        parser.add_argument(
            "--event",
            action="append",
            dest="events",
            metavar="EVENT",
            help="An event type to register; repeatable (default: the provider's own list).",
        )

    def handle(
        self,
        *args: Any,
        provider: str | None = None,
        url: str | None = None,
        events: list[str] | None = None,
        **options: Any,
    ) -> None:
        chosen = [
            p
            for p in all_providers()
            if p.needs_hook_registration and (provider is None or p.identifier == provider)
        ]
        if not chosen:
            raise CommandError("No configured provider needs its notifications registered.")
        failed = []
        for chosen_provider in chosen:
            target = url or settings.SITE_URL.rstrip("/") + reverse(
                "playback:notification", kwargs={"provider": chosen_provider.identifier}
            )
            self.stdout.write(f"{chosen_provider.verbose_name}: registering {target}")
            for event in events or chosen_provider.hook_events:
                try:
                    hooks = chosen_provider.register_hooks(target, [event])
                except ProviderNotConfigured as err:
                    raise CommandError(err.message) from err
                except ProviderError as err:
                    failed.append(event)
                    self.stderr.write(f"{event}: {err}")
                    continue
                for hook in hooks:
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"{hook.event}: registered ({hook.id or 'no id returned'})"
                        )
                    )
        if failed:
            raise CommandError(f"Not registered: {', '.join(failed)}.")
