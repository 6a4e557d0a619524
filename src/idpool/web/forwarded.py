"""The client's address behind trusted proxies (``IDPOOL_TRUSTED_PROXIES``).

A proxy appends the address it received the request from to ``X-Forwarded-For``; anything
to the left of that came from the client and may be forged. So the header is read only when
the direct peer is a trusted proxy, from the right: each trusted hop is skipped, and the
first address that is not trusted is the client. Without trusted proxies the header is never
read: the client is the TCP peer. The address found is what quotas count per source, what
``aws:SourceIp`` in policies sees, and what the logs show.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(peer: str | None, headers: Sequence[tuple[str, str]], trusted: Sequence[Network]) -> str | None:
    """The client's address: ``peer`` itself unless it is a trusted proxy (see above)."""
    if not trusted or peer is None:
        return peer
    current = _address(peer)
    if current is None or not _trusted(current, trusted):
        return peer
    hops = [hop.strip() for name, value in headers if name.lower() == "x-forwarded-for" for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # not an address: nothing further left can be believed
            break
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    return address


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)
