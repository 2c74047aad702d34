"""The store's own scorecard on the points the survey behind Stay rated 20 stores on, computed
from what is really set up and used in Stay: a channel connected with no message in 30 days is
not live. Each point says what it found and links to where to fix it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stay.assistant.models import AssistantSettings, Turn
from stay.channels.email.models import Mailbox
from stay.channels.sms.models import TwilioAccount
from stay.channels.webchat.models import ChatWidget
from stay.channels.whatsapp.models import WhatsAppAccount
from stay.conversations.models import Channel, Message
from stay.core.models import Store
from stay.flows.models import Flow, Outreach, Trigger, Verdict, WelcomeGift
from stay.helpcentre.models import Article
from stay.loyalty.models import LoyaltySettings, Movement
from stay.orders.models import Order
from stay.recommendations.serving import model_of

DAYS = 30
LIVE, UNUSED, MISSING = "live", "unused", "missing"  # used in the last 30 days / set up only / not set up


@dataclass(frozen=True)
class Point:
    key: str
    label: str | Promise
    state: str
    found: str  # what Stay saw, in words
    fix: str  # where to set it up or look (a URL)
    survey: str | Promise = ""  # the survey's figure for the 20 stores, where it gave one


def _admin(name: str) -> str:
    try:
        return reverse(f"admin:{name}")
    except NoReverseMatch:
        return ""


def _state(set_up: bool, used: bool) -> str:
    return LIVE if set_up and used else UNUSED if set_up else MISSING


def _sent(store: Store, trigger: str, since: datetime) -> int:
    return Outreach.objects.filter(
        store=store, flow__trigger=trigger, verdict=Verdict.SENT, decided_at__gte=since
    ).count()


def _flow_point(store: Store, key: str, label: Promise, trigger: str, since: datetime) -> Point:
    active = Flow.objects.filter(store=store, trigger=trigger, active=True).exists()
    sent = _sent(store, trigger, since)
    found = _("%(n)s messages sent in %(days)s days") % {"n": sent, "days": DAYS} if active else _("No active flow")
    return Point(key, label, _state(active, sent > 0), found, _admin("flows_flow_changelist"))


def scorecard(store: Store, *, now: datetime | None = None) -> list[Point]:
    since = (now or timezone.now()) - timedelta(days=DAYS)
    points: list[Point] = []

    gifts = WelcomeGift.objects.filter(store=store, created_at__gte=since).count()
    signup = Flow.objects.filter(store=store, trigger=Trigger.SIGNUP, active=True).exists()
    points.append(
        Point(
            "welcome_gift",
            gettext_lazy("Welcome gift"),
            _state(signup, gifts > 0),
            _("%(n)s welcome gifts given in %(days)s days") % {"n": gifts, "days": DAYS}
            if signup
            else _("No active sign-up flow"),
            _admin("flows_flow_changelist"),
        )
    )

    loyalty = LoyaltySettings.objects.filter(store=store, enabled=True).exists()
    moved = Movement.objects.filter(store=store, created_at__gte=since).count()
    points.append(
        Point(
            "loyalty",
            gettext_lazy("Loyalty programme"),
            _state(loyalty, moved > 0),
            _("%(n)s points movements in %(days)s days") % {"n": moved, "days": DAYS}
            if loyalty
            else _("The programme is switched off"),
            _admin("loyalty_loyaltysettings_changelist"),
        )
    )

    connected = {
        Channel.EMAIL: Mailbox.objects.filter(store=store).exists(),
        Channel.WEBCHAT: ChatWidget.objects.filter(store=store).exists(),
        Channel.WHATSAPP: WhatsAppAccount.objects.filter(store=store).exists(),
        Channel.SMS: TwilioAccount.objects.filter(store=store).exists(),
    }
    messages = dict(
        Message.objects.filter(store=store, created_at__gte=since)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    names = dict(Channel.choices)
    live = [c for c in connected if connected[c] and messages.get(c, 0)]
    words = [
        _("%(channel)s connected, %(n)s messages in %(days)s days")
        % {"channel": names[c], "n": messages.get(c, 0), "days": DAYS}
        if connected[c]
        else _("%(channel)s not connected") % {"channel": names[c]}
        for c in connected
    ]
    points.append(
        Point(
            "touchpoints",
            gettext_lazy("Touchpoints"),
            LIVE if len(live) == len(connected) else UNUSED if live else MISSING,
            _("%(n)s of 4 live: ") % {"n": len(live)} + "; ".join(words),
            _admin("whatsapp_whatsappaccount_changelist"),
            gettext_lazy("2 on average; only 2 of the 20 stores offered 4"),
        )
    )

    trained = model_of(store) is not None
    points.append(
        Point(
            "personalisation",
            gettext_lazy("Personalised products"),
            LIVE if trained else MISSING,
            _("A model trained from the store's orders is served") if trained else _("No model trained yet"),
            _admin("recommendations_recommendationsettings_changelist"),
        )
    )
    points.append(_flow_point(store, "back_in_stock", gettext_lazy("Back-in-stock messages"), Trigger.RESTOCK, since))
    points.append(
        _flow_point(store, "cart_reminders", gettext_lazy("Forgotten-cart reminders"), Trigger.CHECKOUT, since)
    )

    articles = Article.objects.filter(store=store, published=True).count()
    assistant = AssistantSettings.objects.filter(store=store, enabled=True).exists() or not (
        AssistantSettings.objects.filter(store=store).exists()
    )  # on unless a store switched it off
    answered = Turn.objects.filter(store=store, created_at__gte=since).count()
    points.append(
        Point(
            "assistant",
            gettext_lazy("Chat, help centre and a 24/7 assistant"),
            _state(bool(articles) and assistant and connected[Channel.WEBCHAT], answered > 0),
            _("%(articles)s help articles; the assistant read %(n)s messages in %(days)s days")
            % {"articles": articles, "n": answered, "days": DAYS},
            _admin("helpcentre_article_changelist"),
        )
    )
    points.append(
        Point(
            "one_system",
            gettext_lazy("One system across touchpoints"),
            LIVE if len(live) >= 2 else UNUSED if live else MISSING,
            _("%(n)s channels answered from the one inbox") % {"n": len(live)},
            reverse("console:inbox"),
        )
    )
    synced = Order.objects.filter(store=store, created_at__gte=since).count()
    ever = synced > 0 or Order.objects.filter(store=store).exists()
    points.append(
        Point(
            "order_history",
            gettext_lazy("Agents see the order history"),
            _state(ever, synced > 0),
            _("%(n)s orders synced in %(days)s days, shown beside each conversation") % {"n": synced, "days": DAYS},
            _admin("core_store_changelist"),
        )
    )
    return points
