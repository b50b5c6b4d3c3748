"""Trusted proxies: which X-Forwarded-For hop is the client, and when the headers count."""

from __future__ import annotations

import pytest

from imageapp.proxies import TrustedProxies, parse_address, parse_trusted_proxies

NGINX = TrustedProxies.from_setting("127.0.0.1, 10.0.0.0/8, fd00::/8")


def test_the_setting_takes_addresses_and_networks() -> None:
    networks = parse_trusted_proxies(" 127.0.0.1 ,10.1.2.3/8,, ::1, 2001:db8::/32 ")
    assert [str(network) for network in networks] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
        "2001:db8::/32",
    ]
    assert parse_trusted_proxies("") == ()


@pytest.mark.parametrize("bad", ["localhost", "10.0.0.0/33", "*", "1.2.3.4.5", "10.0.0.0/8;"])
def test_a_bad_entry_is_named(bad: str) -> None:
    with pytest.raises(ValueError, match="IMAGEAPP_TRUSTED_PROXIES") as refused:
        parse_trusted_proxies(f"127.0.0.1, {bad}")
    assert repr(bad) in str(refused.value)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("203.0.113.9", "203.0.113.9"),
        (" 203.0.113.9:5123 ", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("unknown", None),
        ("", None),
        ("_hidden", None),
    ],
)
def test_addresses_as_proxies_write_them(text: str, address: str | None) -> None:
    parsed = parse_address(text)
    assert (str(parsed) if parsed else None) == address


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # Not a trusted peer: its own address, whatever it claims.
        ("203.0.113.9", ["198.51.100.7"], "203.0.113.9"),
        ("10.0.0.5", [], "10.0.0.5"),  # trusted, but it forwarded nothing
        ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        # The client's own X-Forwarded-For is left of what the proxy appended: never read.
        ("127.0.0.1", ["198.51.100.7, 203.0.113.9"], "203.0.113.9"),
        ("127.0.0.1", ["198.51.100.7, 10.9.9.9, 203.0.113.9"], "203.0.113.9"),
        # Several trusted hops are skipped, right to left, over several header lines too.
        ("127.0.0.1", ["198.51.100.7, 203.0.113.9, 10.0.0.2", "10.0.0.3"], "203.0.113.9"),
        ("::ffff:127.0.0.1", ["2001:db8::7"], "2001:db8::7"),
        ("fd00::1", ["203.0.113.9:4711"], "203.0.113.9"),
        # Every hop trusted: the left-most one is the client.
        ("127.0.0.1", ["10.0.0.7, 10.0.0.2"], "10.0.0.7"),
        # Garbage stops the walk at the last trusted hop (nothing past it is believable).
        ("127.0.0.1", ["203.0.113.9, unknown"], "127.0.0.1"),
        ("127.0.0.1", ["203.0.113.9, bogus, 10.0.0.2"], "10.0.0.2"),
        ("127.0.0.1", [" , "], "127.0.0.1"),
    ],
)
def test_the_client_is_the_right_most_untrusted_hop(
    peer: str, forwarded_for: list[str], client: str
) -> None:
    assert NGINX.client_address(peer, forwarded_for) == client


def test_nobody_is_trusted_by_default() -> None:
    default = TrustedProxies.from_setting("")
    assert not default.trusts("127.0.0.1")
    assert default.client_address("127.0.0.1", ["203.0.113.9"]) == "127.0.0.1"
    assert default.scheme("127.0.0.1", ["https"], "http") == "http"


@pytest.mark.parametrize(
    ("peer", "proto", "current", "scheme"),
    [
        ("127.0.0.1", ["https"], "http", "https"),
        ("127.0.0.1", ["HTTPS"], "ws", "wss"),
        ("127.0.0.1", ["http"], "https", "http"),
        ("127.0.0.1", ["https, http"], "http", "http"),  # the last proxy's word counts
        ("127.0.0.1", ["gopher"], "http", "http"),
        ("127.0.0.1", [], "http", "http"),
        ("203.0.113.9", ["https"], "http", "http"),  # anyone may send it: not believed
        ("not-an-ip", ["https"], "http", "http"),
    ],
)
def test_the_scheme_only_from_a_trusted_peer(
    peer: str, proto: list[str], current: str, scheme: str
) -> None:
    assert NGINX.scheme(peer, proto, current) == scheme
