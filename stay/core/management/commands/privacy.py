from django.core.management.base import BaseCommand, CommandError

from stay.core.models import Store
from stay.core.privacy import customer_erase, customer_export


class Command(BaseCommand):
    help = (
        "A customer's personal data: `export` prints everything Stay holds about them as JSON; "
        "`erase` removes or anonymises it in every app (orders' amounts and the gift-card ledger are "
        "kept). Both are recorded in the audit trail."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--customer", type=int, required=True, help="The customer's id in Stay.")
        parser.add_argument("--store", default="", help="The store's slug (needed when several are connected).")
        parser.add_argument("--yes", action="store_true", help="Erase without asking (there is no undo).")

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        import getpass
        import json

        stores = Store.objects.filter(slug=o["store"]) if o["store"] else Store.objects.all()
        if o["store"] and not stores.exists():
            raise CommandError(f"no store {o['store']!r}")
        store = next((s for s in stores if s.customers.filter(pk=o["customer"]).exists()), None)
        if store is None:
            raise CommandError(f"no customer {o['customer']} in {o['store'] or 'any store'}")
        actor = f"cli:{getpass.getuser()}"
        if o["action"] == "export":
            data = customer_export(store=store, customer_id=o["customer"], actor=actor, via="cli")
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        if not o["yes"]:
            raise CommandError("erasing cannot be undone: run again with --yes")
        changed = customer_erase(store=store, customer_id=o["customer"], actor=actor, via="cli")
        self.stdout.write(f"Customer {o['customer']}'s personal data erased: {changed}")
