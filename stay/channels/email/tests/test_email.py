"""With no outgoing mail server, a reply says so on the message and `stay check` says so first
(issue 19): it no longer sits "Queued" with no sign why."""

import io
import socket

import pytest
from django.core.management import call_command

from stay.channels.email.services import email_receive
from stay.conftest import mail
from stay.conversations.models import Delivery
from stay.conversations.sending import message_deliver
from stay.conversations.services import message_send


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


@pytest.fixture
def no_mail_server(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.SMTP_URL_SET = "127.0.0.1", closed_port(), False


@pytest.mark.django_db
def test_a_reply_without_a_mail_server_says_why_on_the_message(no_mail_server, mailbox, agent_user, client):
    conversation = email_receive(raw=mail("order_question_qp")).message.conversation
    client.login(username="alex", password="agent-pass")
    message = message_send(conversation=conversation, text="Your tent ships today.", author=None)
    message = message_deliver(message_id=message.pk)
    assert message.delivery == Delivery.QUEUED
    assert message.last_error.startswith("no outgoing mail server is set up")
    page = client.get(f"/console/c/{conversation.pk}").content.decode()
    assert "Not sent yet, trying again: no outgoing mail server is set up" in page


def test_stay_check_warns_without_a_mail_server(no_mail_server):
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "stay.W001" in out.getvalue() and "No outgoing mail server is set up" in out.getvalue()


def test_stay_check_is_quiet_with_a_reachable_mail_server(settings):
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listening.getsockname()[1]
        out = io.StringIO()
        call_command("check", stdout=out, stderr=out)
    assert "stay.W001" not in out.getvalue() and "stay.E001" not in out.getvalue()
