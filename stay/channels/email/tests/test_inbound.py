"""Mail delivered for real: over SMTP into `stay smtpd` (smtplib and swaks), and posted raw to
/channels/email/inbound; threading, auto-reply loops, bounces, and replies out over SMTP."""

import shutil
import smtplib
import socket
import subprocess

import pytest
from django.test import Client

from stay.channels.email.models import Disposition, InboundEmail
from stay.channels.email.services import email_receive
from stay.channels.email.smtpd import controller
from stay.conftest import mail
from stay.conversations.models import Channel, Conversation, Delivery, Direction, Message
from stay.conversations.services import message_send
from stay.customers.models import Identity


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtpd(transactional_db, mailbox):
    server = controller("127.0.0.1", _free_port())
    server.start()
    yield server
    server.stop()


def test_smtplib_delivery_files_a_conversation(smtpd):
    with smtplib.SMTP(smtpd.hostname, smtpd.port) as smtp:
        refused = smtp.sendmail("jamie.lee@example.com", ["support@summit-outdoor.test"], mail("order_question_qp"))
    assert refused == {}
    message = Message.objects.get()
    assert message.direction == Direction.IN and message.channel == Channel.EMAIL
    assert message.conversation.subject == "Where is my order #1001?"
    assert Identity.objects.get(value="jamie.lee@example.com").customer == message.conversation.customer
    assert message.conversation.customer.name == "Jamie Lee"
    assert InboundEmail.objects.get().disposition == Disposition.THREADED


def test_unknown_mailbox_is_refused_at_rcpt(smtpd, kr_store):
    # Two stores now: mail must name a mailbox.
    with smtplib.SMTP(smtpd.hostname, smtpd.port) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp.sendmail("x@example.com", ["nobody@summit-outdoor.test"], mail("order_question_qp"))
    assert not Message.objects.exists()


@pytest.mark.skipif(not shutil.which("swaks"), reason="swaks (apt-get install swaks) is not installed")
def test_swaks_delivers_korean_mail(smtpd, tmp_path):
    path = tmp_path / "korean.eml"
    path.write_bytes(mail("korean_euc_kr"))
    result = subprocess.run(
        [
            "swaks",
            "--server",
            f"{smtpd.hostname}:{smtpd.port}",
            "--from",
            "minji.kim@example.co.kr",
            "--to",
            "support@summit-outdoor.test",
            "--data",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    message = Message.objects.get()
    assert message.conversation.subject == "교환 문의"
    assert "270으로 교환하고 싶습니다" in message.text
    assert message.conversation.customer.name == "김민지"


def test_reply_goes_out_threaded_and_the_answer_threads_back(
    db, mailbox, outbox, agent_user, django_capture_on_commit_callbacks
):
    first = email_receive(raw=mail("order_question_qp")).message
    conversation = first.conversation
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(conversation=conversation, text="Your order is out for delivery today.", author=agent_user)
    reply.refresh_from_db()
    assert reply.delivery == Delivery.SENT
    [sent] = outbox.unique()
    assert sent["To"] == "jamie.lee@example.com"
    assert sent["Subject"] == "Re: Where is my order #1001?"
    assert sent["In-Reply-To"] == "<CAF=q1x9mE4p@mail.example.com>"
    assert sent["Message-ID"] == reply.channel_message_id
    assert sent["From"] == "Summit Outdoor <support@summit-outdoor.test>"

    answer = email_receive(raw=mail("reply_gmail", IN_REPLY_TO=reply.channel_message_id)).message
    assert answer.conversation_id == conversation.pk
    assert answer.text == "Great, thank you! It arrived just now."
    assert "out for delivery" in answer.original
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None


def test_korean_reply_threads_by_subject(db, mailbox):
    first = email_receive(raw=mail("korean_euc_kr")).message
    answer = email_receive(raw=mail("reply_korean_subject")).message
    assert answer.conversation_id == first.conversation_id
    assert answer.text == "네, 270 사이즈로 부탁드립니다."


def test_iso_2022_kr_mail_is_filed(db, mailbox):
    message = email_receive(raw=mail("korean_iso_2022_kr")).message
    assert message.text == "배송이 언제 되나요?"


def test_auto_reply_never_reaches_a_conversation(db, mailbox, outbox, agent_user):
    received = email_receive(raw=mail("auto_reply"))
    assert received.disposition == Disposition.AUTO_REPLY and received.message is None
    assert not Conversation.objects.exists()
    assert outbox.messages == []  # and so nothing can answer it


def test_bounce_marks_our_reply_failed(db, mailbox, outbox, agent_user, django_capture_on_commit_callbacks):
    conversation = email_receive(raw=mail("order_question_qp")).message.conversation
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(conversation=conversation, text="Hello", author=agent_user)
    reply.refresh_from_db()
    received = email_receive(raw=mail("bounce_dsn", BOUNCED=reply.channel_message_id))
    assert received.disposition == Disposition.BOUNCE
    reply.refresh_from_db()
    assert reply.delivery == Delivery.FAILED
    assert Message.objects.count() == 2  # the bounce itself is not filed


def test_the_same_mail_twice_is_filed_once(db, mailbox):
    first = email_receive(raw=mail("order_question_qp"))
    again = email_receive(raw=mail("order_question_qp"))
    assert again.disposition == Disposition.DUPLICATE and again.message == first.message
    assert Message.objects.count() == 1


def test_nul_characters_are_dropped_not_fatal(db, mailbox):
    """PostgreSQL text cannot hold NUL; a mail carrying some (broken mailers, fuzzing) is still
    filed, without them, on either database."""
    raw = (
        b"From: Jamie\x00 Lee <jamie.lee@example.com>\r\nTo: support@summit-outdoor.test\r\n"
        b"Subject: Where\x00 is my order?\r\nMessage-ID: <nul.1@example.com>\r\n\r\nHello\x00 there\r\n"
    )
    message = email_receive(raw=raw).message
    assert message.text == "Hello there"
    assert message.conversation.subject == "Where is my order?"
    assert message.conversation.customer.name == "Jamie Lee"


def test_attachments_limits_and_html_sanitised(db, mailbox):
    message = email_receive(raw=mail("defect_multipart")).message
    names = sorted(a.filename for a in message.attachments.all())
    assert names == ["receipt.pdf", "zip.png"]
    assert any("invoice.exe" in reason for reason in message.meta["refused_attachments"])
    assert "<script" not in message.html and "onclick" not in message.html
    assert 'src="cid:photo1@example.org"' in message.html


def test_http_inbound_needs_a_token_and_a_message(mailbox, api):
    anonymous = Client()
    assert anonymous.post("/channels/email/inbound", data=b"x", content_type="message/rfc822").status_code == 401
    assert not InboundEmail.objects.exists()
    bad = api.post("/channels/email/inbound", data=b"hello there", content_type="message/rfc822")
    assert bad.status_code == 400 and "From" in bad.json()["detail"]
    ok = api.post("/channels/email/inbound", data=mail("order_question_qp"), content_type="message/rfc822")
    assert ok.status_code == 200, ok.content
    assert ok.json()["disposition"] == "threaded"
    assert Conversation.objects.get().pk == ok.json()["conversation_id"]
