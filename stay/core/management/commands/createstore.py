from django.core.management.base import BaseCommand, CommandError

from stay.core.errors import StayError
from stay.core.models import Platform
from stay.core.selectors import store_webhook_url
from stay.core.services import store_create


class Command(BaseCommand):
    help = "Connect a storefront to Stay and print the URL to point its webhooks at."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--name", required=True, help="The store's name, e.g. 'Summit Outdoor'.")
        parser.add_argument("--platform", default=Platform.SHOPIFY, choices=Platform.values)
        parser.add_argument("--secret", required=True, help="The secret the platform signs webhooks with.")
        parser.add_argument("--slug", default="", help="Short name used in URLs (default: from the name).")
        parser.add_argument("--currency", default="USD", help="ISO 4217 code, e.g. KRW.")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Asia/Seoul.")
        parser.add_argument("--locale", default="en", help="Default language for shoppers: en or ko.")
        parser.add_argument("--country", default="US", help="ISO country code, the default region for phones.")
        parser.add_argument("--api-url", default="", help="Base URL of the platform's Admin API.")
        parser.add_argument("--api-token", default="", help="Access token for calls back to the platform.")

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        try:
            store = store_create(
                name=o["name"],
                platform=o["platform"],
                webhook_secret=o["secret"],
                slug=o["slug"],
                currency=o["currency"],
                timezone=o["timezone"],
                default_locale=o["locale"],
                country=o["country"],
                api_base_url=o["api_url"],
                api_token=o["api_token"],
            )
        except StayError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Store {store.name!r} created (slug {store.slug}).")
        self.stdout.write(f"Webhook URL: {store_webhook_url(store)}")
