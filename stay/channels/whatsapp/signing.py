import hashlib
import hmac


def signature(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256``: ``sha256=`` and the HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str, app_secret: str) -> bool:
    return bool(header) and hmac.compare_digest(signature(body, app_secret), header.strip())
