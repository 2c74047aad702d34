"""Reading an RFC 822 message as the inbox needs it: who, what (with quoted history and
signatures cut from what the agent reads), attachments, threading headers, and whether a
machine wrote it (auto-replies and bounces must never start a loop).

The message is read with the ``compat32`` policy and only the headers used are decoded
(RFC 2047 words, raw 8-bit Korean): the default policy parses every header of every mail
into objects, 0.8 ms a mail against 0.04 ms (``bench/inbox.py parse``)."""

import codecs
import email
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from stay.conversations.inputs import AttachmentInput

# Korean mail labelled EUC-KR is often really CP949 (its superset, with the letters EUC-KR
# lacks): decoding as CP949 reads both.
_SUPERSETS = {"euc_kr": "cp949", "ascii": "utf-8", "iso8859-1": "cp1252"}


class NotAnEmail(ValueError):
    """The bytes are not a message we can read (no From, no body)."""


@dataclass
class ParsedEmail:
    message_id: str
    sender: str
    sender_name: str
    recipients: list[str]
    subject: str
    date: datetime | None
    in_reply_to: list[str]
    references: list[str]
    text: str
    original_text: str
    html: str
    attachments: list[AttachmentInput] = field(default_factory=list)
    machine: str = ""  # "", "auto_reply" or "bounce"
    bounced_message_ids: list[str] = field(default_factory=list)


def decode_bytes(payload: bytes, charset: str | None) -> str:
    name = "utf-8"
    if charset:
        try:
            name = codecs.lookup(charset.strip().strip('"')).name
        except (LookupError, ValueError):  # unknown, or not a name at all (a NUL inside)
            name = "utf-8"
    name = _SUPERSETS.get(name, name)
    for attempt in (name, "utf-8", "cp949"):
        try:
            return _readable(payload.decode(attempt))
        except UnicodeDecodeError:
            continue
    return _readable(payload.decode(name, errors="replace"))


def _readable(text: str) -> str:
    """Without NUL characters: they mean nothing in a mail, and PostgreSQL text cannot hold them."""
    return text.replace("\x00", "")


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


_FOLD = re.compile(r"\r?\n(?=[ \t])")


def decode_header_value(value: str | Header) -> str:
    """A header as a person reads it: encoded words decoded in their charset, and raw 8-bit
    text (some Korean mailers send it) read as UTF-8 or CP949, whichever fits. A malformed
    encoded word (bad base64) leaves the header as it came, rather than losing the mail."""
    try:
        chunks = decode_header(_FOLD.sub("", value) if isinstance(value, str) else value)
    except HeaderParseError:
        return _readable(_FOLD.sub("", str(value)))
    read = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            read.append(_readable(chunk))
        else:  # "unknown-8bit": raw bytes in the header, whose charset decode_bytes finds
            read.append(decode_bytes(chunk, None if charset == "unknown-8bit" else charset))
    return "".join(read)


def _raw_header(msg: Message, name: str) -> str:
    """A header unfolded, for the ASCII ones (addresses, message ids, dates); raw 8-bit text
    in one is read as :func:`decode_header_value` reads it."""
    value = msg.get(name)
    if value is None:
        return ""
    return _readable(_FOLD.sub("", value)).strip() if isinstance(value, str) else decode_header_value(value).strip()


def _header(msg: Message, name: str) -> str:
    value = msg.get(name)
    return "" if value is None else decode_header_value(value).strip()


_MSGID = re.compile(r"<[^<>\s]+>")


def _ids(value: str) -> list[str]:
    return _MSGID.findall(value or "")


def html_to_text(html: str) -> str:
    text = re.sub(r"(?is)<(script|style|head).*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", text)
    text = re.sub(r"(?s)<[^>]+>", "", text)
    text = html_lib.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


# Where quoted history begins, in the mail clients shoppers use (English and Korean).
# Gmail wraps a long "On <date>, <name> wrote:" over two lines.
_QUOTE_START_TWO_LINES = re.compile(r"^On .{0,200}\n.{0,200}wrote:\s*$", re.IGNORECASE)
_QUOTE_STARTS = [
    re.compile(r"^On .{0,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\d{4}[년.\-/]\s*\d{1,2}[월.\-/]\s*\d{1,2}.{0,150}(작성|wrote):?\s*$"),
    re.compile(r"^.{0,150}님이 작성:?\s*$"),
    re.compile(r"^-{2,}\s*(Original Message|원본 메시지|Forwarded message|전달된 메시지)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^(From|보낸 사람|보낸사람)\s*:\s*.+$"),
]
_SIGNATURE_STARTS = [
    re.compile(r"^-- ?$"),
    re.compile(r"^(Sent from my |Get Outlook for |iPhone에서 보냄|Galaxy에서 보냄|보낸 사람 iPhone)", re.IGNORECASE),
]


def strip_quoted(text: str) -> str:
    """What the shopper wrote this time: the text above the quoted history and signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        two = stripped + "\n" + (lines[i + 1].strip() if i + 1 < len(lines) else "")
        if any(p.match(stripped) for p in _QUOTE_STARTS) or _QUOTE_START_TWO_LINES.match(two):
            cut = i
            break
        if any(p.match(stripped) for p in _SIGNATURE_STARTS):
            cut = i
            break
        if stripped.startswith(">") and all(not rest.strip() or rest.strip().startswith(">") for rest in lines[i:]):
            cut = i
            break
    kept = "\n".join(lines[:cut]).strip()
    return kept or text.strip()  # a message that is all quote (a bare forward) is kept whole


def _machine_kind(msg: Message) -> str:
    content_type = msg.get_content_type()
    if content_type == "multipart/report" and str(msg.get_param("report-type", "")).lower() == "delivery-status":
        return "bounce"
    sender = parseaddr(_raw_header(msg, "From"))[1].lower()
    if sender.startswith(("mailer-daemon@", "postmaster@")) or _raw_header(msg, "Return-Path") == "<>":
        return "bounce"
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return "auto_reply"
    if _header(msg, "Precedence").lower() in ("bulk", "junk", "list", "auto_reply"):
        return "auto_reply"
    if any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response")):
        return "auto_reply"
    if _header(msg, "X-Auto-Response-Suppress") and re.match(
        r"(?i)^(auto(matic)? ?reply|out of (the )?office|자동 ?회신|부재)", _header(msg, "Subject")
    ):
        return "auto_reply"
    return ""


def _bounced_ids(msg: Message) -> list[str]:
    found: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                found += _ids(_raw_header(inner, "Message-ID"))
            elif match := re.search(r"(?im)^Message-ID:\s*(.+)$", _part_text(part)):
                found += _ids(match.group(1))
    return found


def _leaves(msg: Message) -> list[Message]:
    """The message's leaf parts, not descending into attached messages (a forwarded mail or a
    bounce's copy of ours is not what the sender wrote)."""
    if msg.get_content_type().startswith("message/"):
        return []
    if not msg.is_multipart():
        return [msg]
    payload = msg.get_payload()
    return (
        [leaf for part in payload if isinstance(part, Message) for leaf in _leaves(part)]
        if isinstance(payload, list)
        else []
    )


def parse(raw: bytes) -> ParsedEmail:
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    from_ = _raw_header(msg, "From")
    if not from_:
        raise NotAnEmail("the message has no From header")
    name, address = parseaddr(from_)
    if "@" not in address:
        raise NotAnEmail(f"the From header {_header(msg, 'From')!r} holds no address")
    name = decode_header_value(name)
    machine = _machine_kind(msg)
    plain: list[str] = []
    html: list[str] = []
    attachments: list[AttachmentInput] = []
    for part in _leaves(msg):
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = decode_header_value(part.get_filename() or "")
        is_attachment = disposition == "attachment" or (
            filename and disposition != "inline" and not ctype.startswith("text/")
        )
        if ctype == "text/plain" and not is_attachment:
            plain.append(_part_text(part))
        elif ctype == "text/html" and not is_attachment:
            html.append(_part_text(part))
        elif ctype == "text/rfc822-headers":
            continue
        else:
            content = part.get_payload(decode=True)
            if isinstance(content, bytes):
                attachments.append(
                    AttachmentInput(
                        filename=filename or f"part-{len(attachments) + 1}",
                        content_type=ctype,
                        content=content,
                        content_id=_header(part, "Content-ID"),
                    )
                )
    body_html = "\n".join(html)
    original = "\n".join(plain).strip() or html_to_text(body_html)
    date = None
    if _raw_header(msg, "Date"):
        try:
            date = parsedate_to_datetime(_raw_header(msg, "Date"))
        except (TypeError, ValueError):
            date = None
    if date is not None and date.tzinfo is None:
        date = None
    recipients = [
        address.lower()
        for header in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
        for _, address in getaddresses([str(v) for v in msg.get_all(header, [])])
        if "@" in address
    ]
    return ParsedEmail(
        message_id=(_ids(_raw_header(msg, "Message-ID")) or [""])[0],
        sender=address.lower(),
        sender_name=name,
        recipients=recipients,
        subject=_header(msg, "Subject"),
        date=date,
        in_reply_to=_ids(_raw_header(msg, "In-Reply-To")),
        references=_ids(_raw_header(msg, "References")),
        text=strip_quoted(original),
        original_text=original,
        html=body_html,
        attachments=attachments,
        machine=machine,
        bounced_message_ids=_bounced_ids(msg) if machine == "bounce" else [],
    )


_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|vs|회신|답장|전달)\s*(\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE)


def normalise_subject(subject: str) -> str:
    return re.sub(r"\s+", " ", _REPLY_PREFIX.sub("", subject or "")).strip().lower()
