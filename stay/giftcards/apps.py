from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GiftCardsConfig(AppConfig):
    name = "stay.giftcards"
    label = "giftcards"
    verbose_name = _("Gift cards and store credit")

    def ready(self) -> None:
        from stay.core.events import subscribe
        from stay.core.notify import register_filler
        from stay.core.privacy import register_part
        from stay.core.tasks import register_sweeper

        from . import delivery, privacy, services, tasks

        # Paid-for cards and moved credit must not be lost to a process dying after the commit.
        subscribe("order.paid", services.gift_cards_for_order, durable=True, when=services.order_has_gift_cards)
        subscribe("customer.merged", services.gift_cards_on_merge, durable=True)
        register_filler(delivery.FILLER, delivery.secrets_of)
        register_sweeper("gift cards", tasks.sweep_gift_cards)
        register_part("gift_cards", export=privacy.export, erase=privacy.erase)
