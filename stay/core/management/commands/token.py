from django.core.management.base import BaseCommand, CommandError

from stay.core.errors import StayError
from stay.core.selectors import store_get
from stay.core.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--user", required=True, help="Username the token acts as.")
        parser.add_argument("--name", default="", help="What the token is for, e.g. 'storefront'.")
        parser.add_argument("--store", default="", help="Limit the token to one store (its slug).")

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        try:
            store = store_get(slug=o["store"]) if o["store"] else None
            _, raw = api_token_create(username=o["user"], name=o["name"], store=store)
        except StayError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
