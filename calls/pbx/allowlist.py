"""The addresses a PBX may send events from: one reading of ``webhook_allowed_ips``.

Written by the API and the admin (refused there with the bad entry named) and read by
the webhook (a bad stored entry refuses the request, it never fails it).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.utils.translation import gettext as _

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# A PBX vendor publishes a handful of ranges; more than this is a pasted mistake.
MOST_ENTRIES = 100


class BadAllowlist(ValueError):
    """``webhook_allowed_ips`` cannot be read; the message names the entry, for a person."""


def parse_ip_allowlist(value: Any) -> list[Network]:
    """Networks from a list of addresses/CIDR ranges, or one comma/space separated string.

    Empty (None, "", []) means "no allowlist". Raises BadAllowlist naming the first
    entry that is not an address or a network.
    """
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        entries: list[Any] = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        entries = list(value)
    else:
        raise BadAllowlist(_("webhook_allowed_ips must be a list of addresses or networks."))
    if len(entries) > MOST_ENTRIES:
        raise BadAllowlist(
            _("webhook_allowed_ips has more than %(most)d entries.") % {"most": MOST_ENTRIES}
        )
    networks = []
    for entry in entries:
        text = entry.strip() if isinstance(entry, str) else ""
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise BadAllowlist(
                _("webhook_allowed_ips: %(entry)s is not an IP address or network.")
                % {"entry": repr(entry)[:60]}
            ) from None
    return networks


def canonical_allowlist(value: Any) -> list[str]:
    """The list as it is stored: each network written out ("10.1.2.0/24")."""
    return [str(network) for network in parse_ip_allowlist(value)]


def address_allowed(address: str, networks: list[Network]) -> bool:
    """True when ``address`` is in one of ``networks``; an unreadable address is not."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
