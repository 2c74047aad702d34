"""Reading real-shaped mail: charsets, transfer encodings, multipart, quotes, machines."""

from stay.channels.email.parsing import normalise_subject, parse, strip_quoted
from stay.conftest import mail


def test_quoted_printable_utf8_with_signature_cut():
    parsed = parse(mail("order_question_qp"))
    assert parsed.sender == "jamie.lee@example.com"
    assert parsed.sender_name == "Jamie Lee"
    assert parsed.message_id == "<CAF=q1x9mE4p@mail.example.com>"
    assert "Ridge 2 tent — order #1001 — last week and it hasn't arrived" in parsed.text
    assert "Sent from my phone" not in parsed.text  # the signature is cut for the agent…
    assert "Sent from my phone" in parsed.original_text  # …and kept in the original
    assert parsed.machine == ""
    assert parsed.date is not None and parsed.date.utcoffset() is not None


def test_euc_kr_body_subject_and_name():
    parsed = parse(mail("korean_euc_kr"))
    assert parsed.subject == "교환 문의"
    assert parsed.sender_name == "김민지"
    assert "270으로 교환하고 싶습니다" in parsed.text


def test_iso_2022_kr():
    parsed = parse(mail("korean_iso_2022_kr"))
    assert parsed.subject == "배송 문의"
    assert parsed.text == "배송이 언제 되나요?"


def test_multipart_keeps_attachments_and_inline_images():
    parsed = parse(mail("defect_multipart"))
    assert parsed.text == "The zip broke on day two. Photo below, receipt attached."
    assert "<script>" in parsed.html  # raw here; sanitised when filed (see test_inbound)
    by_name = {a.filename: a for a in parsed.attachments}
    assert by_name["zip.png"].content_type == "image/png"
    assert by_name["zip.png"].content_id == "<photo1@example.org>"
    assert by_name["zip.png"].content.startswith(b"\x89PNG")
    assert by_name["receipt.pdf"].content.startswith(b"%PDF")
    assert "invoice.exe" in by_name


def test_machines_are_recognised():
    assert parse(mail("auto_reply")).machine == "auto_reply"
    bounce = parse(mail("bounce_dsn", BOUNCED="<stay-1-7@summit-outdoor.test>"))
    assert bounce.machine == "bounce"
    assert bounce.bounced_message_ids == ["<stay-1-7@summit-outdoor.test>"]


def test_quote_markers_in_english_and_korean():
    assert strip_quoted("Thanks!\n\nOn Mon, 23 Nov 2026 at 10:02, Summit <s@x.test> wrote:\n> old") == "Thanks!"
    assert strip_quoted("좋아요\n\n2026년 11월 23일 (월) 오후 3:00, 서밋 <s@x.test>님이 작성:\n> 이전") == "좋아요"
    assert strip_quoted("네\n-----원본 메시지-----\n보낸 사람: x") == "네"
    assert strip_quoted("ok\n> quoted\n> more") == "ok"
    assert strip_quoted("> everything is quoted") == "> everything is quoted"


def test_subject_normalised_for_threading():
    assert normalise_subject("RE: Fwd: 교환 문의") == normalise_subject("교환 문의") == "교환 문의"
    assert normalise_subject("회신: Where is my order?") == "where is my order?"


def test_headers_folded_raw_8bit_and_encoded_filenames():
    """Headers are decoded one by one: a folded subject is unfolded, raw 8-bit Korean (some
    mailers send CP949 unencoded) is read, and an attachment named in an encoded word keeps
    its Korean name."""
    raw = (
        b"From: \xb1\xe8\xb9\xce\xc1\xf6 <minji@example.co.kr>\r\n"
        b"To: Support <support@summit-outdoor.test>, other@example.com\r\n"
        b"Subject: Where is\r\n my order?\r\n"
        b"Message-ID: <folded.1@example.co.kr>\r\n"
        b"References: <a.1@example.com>\r\n <b.2@example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
        b"--b1\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="=?UTF-8?B?7JiB7IiY7KadLnBkZg==?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
    )
    parsed = parse(raw)
    assert parsed.sender_name == "김민지"
    assert parsed.sender == "minji@example.co.kr"
    assert parsed.subject == "Where is my order?"
    assert parsed.references == ["<a.1@example.com>", "<b.2@example.com>"]
    assert parsed.recipients == ["support@summit-outdoor.test", "other@example.com"]
    assert [a.filename for a in parsed.attachments] == ["영수증.pdf"]
    assert parsed.attachments[0].content.startswith(b"%PDF")


def test_a_malformed_encoded_word_keeps_the_mail():
    """Found by fuzzing the parser: bad base64 in an encoded word beside raw 8-bit bytes leaves
    that header as it came, and a charset that is no name (a NUL inside) is read as UTF-8; the
    mail itself is still read."""
    raw = (
        b"From: =?bogus?b?\xb1\xe8=??==ZZ=? <minji@example.co.kr>\r\n"
        b"Subject: Order =?utf-8?b?=?=\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b'--b1\r\nContent-Type: text/plain; charset="utf\x00-8"\r\n\r\nhello\r\n'
        b"--b1\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="=?utf-8?b?=?="\r\n\r\nxx\r\n--b1--\r\n'
    )
    parsed = parse(raw)
    assert parsed.sender == "minji@example.co.kr"
    assert parsed.subject.startswith("Order")
    assert parsed.text == "hello"
    assert len(parsed.attachments) == 1
