"""The address a request came from, for throttling and logs.

Behind a reverse proxy every request comes from the proxy; the proxy tells the client's
address in X-Forwarded-For. That header is anybody's to write, so it is read only when
the request came from a proxy listed in SALTER_TRUSTED_PROXIES (addresses or networks,
comma-separated), and then from the right: each trusted proxy appends the address it
was connected from, so the first address from the right that is not a trusted proxy is
the client.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec
                 if item.strip())


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.SALTER_TRUSTED_PROXIES)))


def client_address(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    if not _trusted(address):
        return address
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([a for a in forwarded if a]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed header: the proxy is all we know
        if not _trusted(hop):
            return hop
        address = hop
    return address
