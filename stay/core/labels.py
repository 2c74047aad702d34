"""Who did something, as a person reads it: the stored actor names ("user:alex",
"api:alex", "assistant", "shopper:portal") are for machines and audits."""

from django.utils.translation import gettext as _


def actor_text(actor: str) -> str:
    kind, _sep, name = (actor or "").partition(":")
    if kind == "user" and name:
        return name
    if kind == "api" and name:
        return _("%(name)s (API)") % {"name": name}
    if kind == "shopper":
        return _("Shopper (returns portal)") if name == "portal" else _("Shopper")
    fixed = {
        "assistant": _("Assistant · automatic"),
        "system": _("Stay · automatic"),
        "customer": _("Customer"),
        "platform": _("The store's platform"),
        "warehouse": _("Warehouse"),
        "": "—",
    }
    return fixed.get(kind, actor)
