"""Which addresses a webhook may be sent to: public ones only, unless the operator allows more.

A tenant must not be able to make the server call its own network (the database, a metadata
service at 169.254.169.254, an admin port on localhost). The URL's host is checked when an
endpoint is saved and, resolved again, at every send: a name that resolved to a public address
yesterday may resolve to 127.0.0.1 today (DNS rebinding), so the request goes to the address that
was checked, not to a second lookup of the name: the HTTP client resolves names only through
CheckedResolver, which hands it the allowed addresses alone.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bookable.settings import Settings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = {"http": 80, "https": 443}


class RefusedAddress(ValueError):
    """A URL a webhook may not be sent to; the message says why, for the admin who gave it."""


def parse_networks(text: str) -> tuple[IpNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise ValueError(f"webhooks_allowed_networks: {error}") from None


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False
    allowed_networks: tuple[IpNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressPolicy:
        return cls(settings.webhooks_allow_private, parse_networks(settings.webhooks_allowed_networks))

    def refusal(self, address: IpAddress) -> str | None:
        """Why a request may not go to `address`, or None when it may."""
        if self.allow_private or any(address in network for network in self.allowed_networks):
            return None
        plain = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address
        if plain.is_multicast or not plain.is_global:
            return (f"{address} is not a public address (loopback, private, link-local, multicast or reserved); "
                    "the operator can allow it with webhooks_allowed_networks")
        return None

    def checked_url(self, url: str) -> SplitResult:
        """The URL, if it is one a webhook may have (http or https, a host, no credentials)."""
        try:
            parts = urlsplit(url.strip())
        except ValueError as error:  # e.g. an unclosed [ of an IPv6 address
            raise RefusedAddress(f"not a URL: {error}") from None
        if parts.scheme not in SCHEMES:
            raise RefusedAddress("the URL must start with http:// or https://")
        try:
            port = parts.port
        except ValueError:
            raise RefusedAddress("the URL's port is not a number between 0 and 65535") from None
        if not parts.hostname or port == 0:
            raise RefusedAddress("the URL has no host")
        if parts.username is not None or parts.password is not None:
            raise RefusedAddress("the URL may not hold a user name or password")
        literal = _literal(parts.hostname)
        if literal is not None and (why := self.refusal(literal)):
            raise RefusedAddress(why)
        return parts

    def screen(self, url: str) -> None:
        """checked_url(), and the name's present addresses checked too (a name that does not resolve
        now passes: it is checked again at every send)."""
        parts = self.checked_url(url)
        host = parts.hostname or ""
        if _literal(host) is not None:
            return
        try:
            found = socket.getaddrinfo(host, parts.port or SCHEMES[parts.scheme], type=socket.SOCK_STREAM)
        except OSError:
            return
        self._check_all(host, found)

    def _check_all(self, host: str, found: list[Any]) -> None:
        addresses = [_address_of(str(info[4][0])) for info in found]
        for address in addresses:
            if why := self.refusal(address):
                raise RefusedAddress(f"{host} resolves to {why}")
        if not addresses:
            raise RefusedAddress(f"{host} has no address")


class RefusedByPolicy(OSError):
    """Every address of a name is one a webhook may not be sent to (an OSError: aiohttp reports it
    as a failed lookup, ClientConnectorDNSError)."""


class CheckedResolver(AbstractResolver):
    """aiohttp's default resolver with the addresses the policy refuses left out, so that the
    connector connects only to an address checked on this lookup (DNS rebinding), and a lookup that
    leaves none fails. aiohttp does not ask a resolver about an IP literal: send() checks those
    itself (AddressPolicy.checked_url)."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._resolver = DefaultResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        allowed = [each for each in found if not self._policy.refusal(_address_of(each["host"]))]
        if not allowed:
            shown = ", ".join(sorted({each["host"] for each in found})) or "no address"
            raise RefusedByPolicy(f"{host.rstrip('.')} resolves to {shown}, not a public address; the "
                                  "operator can allow it with webhooks_allowed_networks")
        return allowed

    async def close(self) -> None:
        await self._resolver.close()


def _address_of(text: str) -> IpAddress:
    return ipaddress.ip_address(text.split("%")[0])


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
