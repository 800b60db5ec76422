"""The client's IP: the socket peer, or X-Forwarded-For only when the peer is a trusted proxy."""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _is_trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_ip(connection: HTTPConnection, trusted: list[Network]) -> str:
    peer = connection.client.host if connection.client else "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = [hop.strip() for hop in connection.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    # Walk from the nearest hop back; the first address that is not one of our proxies is the client.
    for hop in reversed(forwarded):
        if not _is_trusted(hop, trusted):
            return hop
    return forwarded[0] if forwarded else peer
