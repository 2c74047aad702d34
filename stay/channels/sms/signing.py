"""Twilio's request signature: base64 HMAC-SHA1, keyed with the auth token, of the full URL
Twilio requested followed by each POST parameter's name and value, sorted by name."""

import base64
import hashlib
import hmac
from collections.abc import Iterable


def signature(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    data = url + "".join(f"{k}{v}" for k, v in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def verify(url: str, params: Iterable[tuple[str, str]], header: str, auth_token: str) -> bool:
    return bool(header) and hmac.compare_digest(signature(url, params, auth_token), header.strip())
