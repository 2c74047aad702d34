"""Who is asking: the client's address behind the reverse proxies the operator trusts.

``X-Forwarded-For`` is believed only from an address in ``STAY_TRUSTED_PROXIES`` (comma-
separated addresses or networks, e.g. ``127.0.0.1,10.0.0.0/8``); anyone else could write what
they like in it. Rate limits key on this address, so behind a proxy one visitor's mistakes
lock out that visitor, not every shopper."""

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(item, strict=False) for item in spec)


def _trusted(address: str) -> bool:
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The address of the client of an HTTP request (:func:`client_address`)."""
    return client_address(request.META.get("REMOTE_ADDR", "") or "", request.META.get("HTTP_X_FORWARDED_FOR", ""))


def client_address(peer: str, forwarded_for: str) -> str:
    """The address of the client: the socket's ``peer``, or, when that peer is a trusted proxy,
    the nearest address in ``X-Forwarded-For`` that is not a trusted proxy itself."""
    if not _trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # garbage from the far side: count it against the proxy's peer
    return hops[0] if hops else peer
