from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.conversations.models import Message
from stay.core.models import Store


class Mailbox(models.Model):
    """A support address of a store: mail to it lands in the inbox, replies go out from it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="mailboxes")
    address = models.EmailField(_("address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address


class Disposition(models.TextChoices):
    THREADED = "threaded", _("Filed in a conversation")
    DUPLICATE = "duplicate", _("Seen before")
    AUTO_REPLY = "auto_reply", _("Auto-reply (not filed)")
    BOUNCE = "bounce", _("Bounce (not filed)")


class InboundEmail(models.Model):
    """Every message that arrived, as it arrived, and what became of it. Auto-replies and
    bounces stay here in their own state and never reach a conversation, so they can never
    start a loop of replies."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    header_message_id = models.CharField(_("Message-ID"), max_length=300, blank=True, db_index=True)
    sender = models.CharField(_("from"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    raw = models.BinaryField(_("original"))
    disposition = models.CharField(_("what became of it"), max_length=12, choices=Disposition.choices)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"
