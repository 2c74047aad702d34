"""Mail out through Django's SMTP backend, threaded so the shopper's mail client keeps the
conversation together, with a Message-ID made from the message's own key: a resend after a
crash carries the same Message-ID, and mail clients show one message per Message-ID."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.conversations.models import Channel, Conversation, Direction, Message
from stay.conversations.sending import SendError, Sent, idempotency_key

from .models import Mailbox


def message_id_for(message: Message, domain: str) -> str:
    return f"<{idempotency_key(message)}@{domain}>"


def from_address(conversation: Conversation) -> tuple[str, str]:
    box = Mailbox.objects.filter(store_id=conversation.store_id).order_by("id").first()
    if box is not None:
        return box.address, box.display_name or conversation.store.name
    return settings.DEFAULT_FROM_EMAIL, conversation.store.name


def no_mail_server_text(conversation: Conversation) -> str:
    with override(conversation.store.default_locale or "en"):
        return _("no outgoing mail server is set up (an admin sets STAY_SMTP_URL; `stay check` tells)")


class EmailSender:
    def refusal(self, conversation: Conversation, message: Message) -> str | None:
        return None

    def send(self, message: Message) -> Sent:
        conversation = message.conversation
        address, name = from_address(conversation)
        domain = address.rsplit("@", 1)[-1]
        own_id = message_id_for(message, domain)
        earlier = list(
            Message.objects.filter(conversation=conversation, channel=Channel.EMAIL, id__lt=message.pk)
            .exclude(direction=Direction.NOTE)
            .exclude(channel_message_id="")
            .order_by("id")
            .values_list("channel_message_id", flat=True)
        )
        with override(conversation.customer.locale or conversation.store.default_locale or "en"):
            subject = conversation.subject or _("Your message to %(store)s") % {"store": conversation.store.name}
        if earlier and not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        headers = {"Message-ID": own_id}
        if message.meta.get("subject"):
            # A message of its own (a marketing e-mail in the shopper's outreach thread): its
            # subject, not a reply in the thread.
            subject, earlier = message.meta["subject"], []
        if earlier:
            headers["In-Reply-To"] = earlier[-1]
            headers["References"] = " ".join(earlier[-20:])
        headers.update(message.meta.get("headers") or {})  # e.g. List-Unsubscribe (RFC 8058)
        if message.meta.get("survey") or message.meta.get("notice") or message.meta.get("outreach"):
            # Sent by the system, not a person: the shopper's auto-responder must not answer.
            headers["Auto-Submitted"] = "auto-generated"
        assert message.identity is not None
        mail = EmailMultiAlternatives(
            subject=subject,
            body=message.text,
            from_email=f"{name} <{address}>",
            to=[message.identity.value],
            headers=headers,
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        )
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        for attachment in message.attachments.all():
            with attachment.file.open("rb") as f:
                mail.attach(attachment.filename, f.read(), attachment.content_type)
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(f"the mail server refused the recipient: {exc}", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            raise SendError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", retryable=exc.smtp_code >= 400 and exc.smtp_code < 500
            ) from exc
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            if isinstance(exc, ConnectionRefusedError) and not settings.SMTP_URL_SET:
                raise SendError(no_mail_server_text(conversation)) from exc
            raise SendError(f"could not reach the mail server: {exc}") from exc
        return Sent(channel_message_id=own_id, meta={"subject": subject})
