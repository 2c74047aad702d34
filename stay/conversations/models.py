"""The one inbox: a conversation with one customer on a channel, its messages, and the agents."""

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stay.core.db import select
from stay.core.models import EventBase, Store
from stay.customers.models import Customer, Identity


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBCHAT = "webchat", _("Web chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


# The tag of a conversation the assistant handed to a person.
HANDOFF_TAG = "assistant-handoff"


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Lead")
    ADMIN = "admin", _("Admin")


class Team(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A person who answers customers: a Django user with a role, a language and limits."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    locale = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_("Empty: the browser's language."),
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="agents", verbose_name=_("teams"))
    refund_limit = models.DecimalField(
        _("refund limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Refunds above this amount need a lead. Empty: the role's default."),
    )
    seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    stores = models.ManyToManyField(
        Store,
        blank=True,
        related_name="agents",
        verbose_name=_("stores"),
        help_text=_("The stores whose inbox this agent works. Staff without a profile work every store."),
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.user.get_username()


class AgentLimits(models.Model):
    """What a store lets its agents do in a day and on one order, on top of each action's own
    limit (an agent's refund limit, the goodwill limit of their role). One row per store, made
    on first use. Leads and admins have no refund limit; admins no credit limit."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="agent_limits")
    refund_per_order = models.DecimalField(
        _("refunds an agent may request on one order"), max_digits=14, decimal_places=2, default=Decimal("200")
    )
    refund_per_day = models.DecimalField(
        _("refunds an agent may request in a day"), max_digits=14, decimal_places=2, default=Decimal("1000")
    )
    credit_per_day_agent = models.DecimalField(
        _("store credit an agent may give in a day"), max_digits=14, decimal_places=2, default=Decimal("150")
    )
    credit_per_day_lead = models.DecimalField(
        _("store credit a lead may give in a day"), max_digits=14, decimal_places=2, default=Decimal("2000")
    )
    session_idle_minutes = models.PositiveIntegerField(
        _("sign out after idle (minutes)"),
        default=120,
        help_text=_("An agent who has done nothing for this long signs in again."),
    )

    class Meta:
        verbose_name = _("agent limits")
        verbose_name_plural = _("agent limits")

    def __str__(self) -> str:
        return str(self.store)


class Conversation(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="conversations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("team"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # Resolved by the assistant's answer: out of the agents' queue, counted in its own view,
    # and open again when the shopper writes (issue 25).
    answered_by_assistant = models.BooleanField(_("answered by the assistant"), default=False)
    csat_requested_at = models.DateTimeField(_("survey sent"), null=True, blank=True)
    csat_score = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), db_index=True)
    last_inbound_at = models.DateTimeField(_("customer last wrote"), null=True, blank=True)
    preview = models.CharField(_("preview"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("merged into")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat_score__isnull=True) | Q(csat_score__gte=1, csat_score__lte=5), name="csat_1_to_5"
            )
        ]
        # The inbox lists newest first by (last_message_at, id) with keyset pagination; each
        # view's filter leads its index so a page is an index range scan, not a sort.
        indexes = [
            models.Index(fields=["store", "-last_message_at", "-id"], name="conv_store_recent"),
            models.Index(fields=["store", "status", "-last_message_at", "-id"], name="conv_status_recent"),
            models.Index(fields=["assignee", "status", "-last_message_at", "-id"], name="conv_assignee_recent"),
            models.Index(fields=["store", "channel", "status", "-last_message_at", "-id"], name="conv_channel_recent"),
            models.Index(fields=["customer", "-last_message_at"], name="conv_customer_recent"),
            # The service figures read one period's conversations (insights.service).
            models.Index(fields=["store", "created_at"], name="conv_store_created"),
            # The open inbox asks every few seconds what changed (assignee, status, tags).
            models.Index(fields=["store", "updated_at"], name="conv_store_updated"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject or self.get_channel_display()}"


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")
    NOTE = "note", _("Internal note")


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Assistant")
    SYSTEM = "system", _("System")


class Delivery(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    NOT_SENT = "not_sent", _("Not sent")  # internal notes
    WITHHELD = "withheld", _("Withheld")  # marketing the gate refused (consent withdrawn since)


class Purpose(models.TextChoices):
    """Only marketing needs consent: the outreach gate (flows) decides every marketing message,
    when it is queued and again when it is sent."""

    TRANSACTIONAL = "transactional", _("Service")
    MARKETING = "marketing", _("Marketing")


def newest(messages: "Iterable[Message]") -> "Message | None":
    return max(messages, key=lambda message: message.pk, default=None)


class MessageQuerySet(models.QuerySet["Message"]):
    def by_channel_id(self, store_id: int, channel: str, *ids: str) -> "MessageQuerySet":
        """The messages a channel knows by these ids (platforms retry, replies and delivery
        reports refer to them). The "not empty" is implied, but stating it lets SQLite use the
        partial unique index: without it, it read every message of the store."""
        return self.filter(store_id=store_id, channel=channel, channel_message_id__in=ids).exclude(
            channel_message_id=""
        )

    def with_channel_ids(self, store_id: int, channel: str, *ids: str) -> "list[Message]":
        """``by_channel_id`` through the lean ``select`` (stay.core.db): every inbound message
        asks this (platforms retry; mail replies name the messages they answer)."""
        if not ids:
            return []
        # Written as the partial index's condition is, or SQLite won't use it; no ORDER BY, or
        # SQLite walks the whole table newest first to find no match.
        return select(
            self.model,
            f"store_id = %s AND channel = %s AND channel_message_id IN ({', '.join(['%s'] * len(ids))}) "
            "AND NOT (channel_message_id = '')",
            [store_id, channel, *ids],
        )

    def newest_by_channel_id(self, store_id: int, channel: str, *ids: str) -> "Message | None":
        return newest(self.with_channel_ids(store_id, channel, *ids))


class Message(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    author_kind = models.CharField(_("author"), max_length=10, choices=AuthorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identity = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The customer's address this came from or goes to."),
    )
    text = models.TextField(_("text"), blank=True, help_text=_("What the agent reads: quoted history removed."))
    html = models.TextField(_("HTML"), blank=True, help_text=_("Sanitised."))
    original = models.TextField(_("original"), blank=True, help_text=_("The full text as received."))
    channel_message_id = models.CharField(_("channel's message id"), max_length=300, blank=True)
    channel_timestamp = models.DateTimeField(_("sent at (channel)"), null=True, blank=True)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    meta = models.JSONField(default=dict, blank=True, help_text=_("Channel details, e.g. email headers."))
    purpose = models.CharField(_("purpose"), max_length=13, choices=Purpose.choices, default=Purpose.TRANSACTIONAL)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        constraints = [
            # The platforms retry: a message id seen once is the same message.
            models.UniqueConstraint(
                fields=["store", "channel", "channel_message_id"],
                condition=~Q(channel_message_id=""),
                name="message_unique_channel_id",
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="msg_conversation_time"),
            models.Index(fields=["delivery", "updated_at"], name="msg_delivery"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.text[:40]}"

    @property
    def is_outbound(self) -> bool:
        return self.direction == Direction.OUT


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.message.store_id}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    content_id = models.CharField(max_length=200, blank=True, help_text=_("For inline images."))
    file = models.FileField(upload_to=attachment_path)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class ConversationEvent(EventBase):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")

    class Meta(EventBase.Meta):
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")


class SavedView(models.Model):
    """An agent's own inbox view: a name for a set of filters (issue 25)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=400)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "store", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name


class Macro(models.Model):
    """A saved reply. ``{first_name}``, ``{last_order}``, ``{tracking_link}``, ``{returns_link}``,
    ``{help_link}``, ``{agent_name}`` and ``{store_name}`` are filled in for the conversation at
    hand, in the shopper's language when the macro has a text in it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="macros")
    name = models.CharField(_("name"), max_length=80)
    body = models.TextField(_("text"))
    body_ko = models.TextField(
        _("text in Korean"), blank=True, help_text=_("Used for shoppers who write in Korean; blank: the text above.")
    )

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Targets per priority, counted in business hours."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sla_policies")
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [models.UniqueConstraint(fields=["store", "priority"], name="sla_unique_priority")]

    def __str__(self) -> str:
        return f"{self.store} {self.priority}"


class BusinessHours(models.Model):
    """Opening hours per weekday in the store's time zone; a day without a row is closed.
    A store with no rows at all is open around the clock."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="business_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday (0 = Monday)"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["store", "weekday"], name="hours_unique_weekday"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_0_6"),
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="hours_close_after_open"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}-{self.closes}"
