"""Believing a reverse proxy: the real client address and scheme, from trusted peers only.

Anyone can send ``X-Forwarded-For`` and ``X-Forwarded-Proto``; only a proxy listed in
IMAGEAPP_TRUSTED_PROXIES (addresses or CIDRs) is believed. Behind one, the client is the
right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy: each proxy appends
the address it was connected from, so entries left of that were written by the client and
are never read. The login throttle and the log lines then see the real client; from any
other peer the peer's own address counts and the headers are ignored. ``X-Forwarded-Host``
is never read (the websocket origin check must not widen: imageapp/request_guards.py).

Plain functions (stdlib ``ipaddress``); the ASGI wrapper applying them to every request is
``imageapp.request_guards.ForwardedHeaders``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
FORWARDED_SCHEMES = {"http": "http", "https": "https"}
WEBSOCKET_SCHEMES = {"http": "ws", "https": "wss"}


def parse_trusted_proxies(text: str) -> tuple[IPNetwork, ...]:
    """``"127.0.0.1, 10.0.0.0/8, ::1"`` as networks; ValueError naming the first bad entry."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            msg = (
                f"IMAGEAPP_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(e.g. 127.0.0.1, 10.0.0.0/8, ::1); separate several with commas."
            )
            raise ValueError(msg) from None
    return tuple(networks)


def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``::1``)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    """The proxies whose forwarded headers are believed (none by default)."""

    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_setting(cls, text: str) -> TrustedProxies:
        return cls(parse_trusted_proxies(text))

    def trusts(self, address: str | None) -> bool:
        parsed = parse_address(address) if address else None
        return parsed is not None and any(
            parsed.version == network.version and parsed in network for network in self.networks
        )

    def client_address(self, peer: str, forwarded_for: Sequence[str]) -> str:
        """The real client: ``peer`` unless it is trusted, then the right-most untrusted hop.

        ``forwarded_for`` holds every ``X-Forwarded-For`` header line, in order. When every
        hop is trusted the left-most one is the client; an entry that is not an address
        stops the walk at the last trusted hop (nothing left of it can be believed).
        """
        if not self.trusts(peer):
            return peer
        client = peer
        hops = [hop for line in forwarded_for for hop in line.split(",") if hop.strip()]
        for hop in reversed(hops):
            address = parse_address(hop)
            if address is None:
                return client
            client = str(address)
            if not self.trusts(client):
                return client
        return client

    def scheme(self, peer: str, forwarded_proto: Sequence[str], current: str) -> str:
        """``current`` unless a trusted peer says http or https (its right-most value)."""
        if not forwarded_proto or not self.trusts(peer):
            return current
        said = forwarded_proto[-1].split(",")[-1].strip().lower()
        if said not in FORWARDED_SCHEMES:
            return current
        return WEBSOCKET_SCHEMES[said] if current in ("ws", "wss") else FORWARDED_SCHEMES[said]
