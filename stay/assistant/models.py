"""The assistant's settings, its intents and examples, what it remembers of a conversation,
and the record of every answer it gave.

Built-in intents and their examples ship in ``data/intents.csv``; a store adds its own
:class:`Intent` rows (with at least ten :class:`IntentExample` rows each to be learnt well)
or more examples for a built-in intent by naming it.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stay.conversations.models import Conversation, Message
from stay.core.models import Store
from stay.helpcentre.models import Article

INTENT_NAME = RegexValidator(r"^[a-z][a-z0-9_]{1,59}$", _("Use lower-case letters, digits and _, e.g. gift_wrapping."))


class AssistantSettings(models.Model):
    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="assistant_settings")
    enabled = models.BooleanField(_("answers shoppers"), default=True)
    channels = models.JSONField(
        _("channels it answers on"),
        default=list,
        blank=True,
        help_text=_('Among "webchat", "whatsapp", "sms". Email is never answered alone: agents get suggestions.'),
    )
    suggest_replies = models.BooleanField(_("suggests replies to agents"), default=True)
    confidence = models.DecimalField(
        _("confidence needed to answer"),
        max_digits=3,
        decimal_places=2,
        default=0.45,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Below this the assistant asks again, and hands over after two misses."),
    )

    class Meta:
        verbose_name = _("assistant settings")
        verbose_name_plural = _("assistant settings")

    def __str__(self) -> str:
        return str(self.store)


class Intent(models.Model):
    """A store's own intent, or a built-in one named to add examples or its own answer."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="assistant_intents")
    name = models.CharField(_("name"), max_length=60, validators=[INTENT_NAME])
    description = models.CharField(_("description"), max_length=200, blank=True)
    answers = models.JSONField(
        _("answer by language"),
        default=dict,
        blank=True,
        help_text=_('What the assistant says, e.g. {"en": "We gift-wrap for free.", "ko": "선물 포장은 무료입니다."}'),
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("article to cite")
    )
    to_a_person = models.BooleanField(_("always hand to a person"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("intent")
        verbose_name_plural = _("intents")
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="assistant_intent_unique")]

    def __str__(self) -> str:
        return self.name


class IntentExample(models.Model):
    """A store's example of an intent: typed in the admin, or a shopper's message an agent
    labelled in the console (``from_turn``: what the assistant had read it as)."""

    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="examples")
    text = models.CharField(_("text"), max_length=500)
    language = models.CharField(_("language"), max_length=2, blank=True)
    added_by = models.CharField(_("labelled by"), max_length=150, blank=True)
    added_at = models.DateTimeField(_("labelled at"), null=True, blank=True)
    from_turn = models.ForeignKey(
        "Turn", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("from the answer")
    )

    class Meta:
        verbose_name = _("example")
        verbose_name_plural = _("examples")

    def __str__(self) -> str:
        return self.text


class Session(models.Model):
    """What the assistant remembers of one conversation: the order the shopper proved is
    theirs, a question waiting for an answer (a confirmation, an order number), misses."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="assistant_session")
    state = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    ACTED = "acted", _("Acted on the store's data")
    ASKED = "asked", _("Asked the shopper for more")
    HANDED_OFF = "handed_off", _("Handed to a person")
    SUGGESTED = "suggested", _("Suggested to an agent")
    SILENT = "silent", _("Left to the agent")


class Turn(models.Model):
    """One message the assistant read, and what it made of it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="assistant_turns")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="assistant_turns"
    )
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reply = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=2)
    intent = models.CharField(_("intent"), max_length=60, db_index=True)
    confidence = models.FloatField(_("confidence"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    action = models.CharField(_("action"), max_length=40, blank=True)
    handoff_reason = models.CharField(_("handed over because"), max_length=40, blank=True)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("answer"), blank=True)
    latency_ms = models.PositiveIntegerField(_("time taken (ms)"), default=0)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("assistant answer")
        verbose_name_plural = _("assistant answers")
        ordering = ["-id"]
        constraints = [
            # A message is answered once, even if its job runs twice.
            models.UniqueConstraint(fields=["message"], condition=Q(message__isnull=False), name="assistant_turn_once")
        ]

    def __str__(self) -> str:
        return f"{self.intent} ({self.confidence:.2f}) → {self.outcome}"
