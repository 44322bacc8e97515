"""Network facts for the technical checks, gathered once per site right after its crawl.

What any visitor's browser also does, nothing more: one TLS handshake with the site's host (two when the
certificate is not trusted, to still read it), one request to ``http://host/`` to see whether it sends
visitors to HTTPS, and DNS lookups (AAAA, and the DS record of the host's zone). Each fact is stored in
``host_facts`` as JSON and freezes with the run; the audit judges from it (audit/technical.py), so a
re-audit never touches the network. Every failure is a fact too (refused, timed out, blocked as a private
address), never an exception.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import socket
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from portal_audit.netsafety import Allowance, address_allowed, literal_ip
from portal_audit.reasons import Reason, stored
from portal_audit.technical.dnscheck import check_dns
from portal_audit.technical.tls import inspect_tls


def _jsonable(value: Any) -> Any:
    """A report as JSON; its Reasons keep their template and parameters (``stored``), so the audit reads them
    back translatable (``from_stored``) instead of matching English text."""
    if isinstance(value, Reason):
        return stored(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def http_redirect(host: str, port: int, *, timeout: float, allowance: Allowance, user_agent: str) -> dict[str, Any]:
    """What ``http://host/`` answers: status and Location, without following it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return {"url": f"http://{host}/", "error": f"dns: {exc}"}
    address = literal_ip(infos[0][4][0])
    if address is None or not address_allowed(address, allowance):
        return {"url": f"http://{host}/", "error": f"blocked_private: {infos[0][4][0]}"}
    connection = http.client.HTTPConnection(infos[0][4][0], port, timeout=timeout)
    try:
        connection.request("GET", "/", headers={"Host": host if port == 80 else f"{host}:{port}",
                                                "User-Agent": user_agent})
        response = connection.getresponse()
        location = response.getheader("Location")
        response.read(65536)
        return {"url": f"http://{host}/", "status": response.status, "location": location,
                "to_https": bool(location and location.lower().startswith("https://"))}
    except TimeoutError:
        return {"url": f"http://{host}/", "error": "timeout"}
    except (OSError, http.client.HTTPException) as exc:
        return {"url": f"http://{host}/", "error": f"connection: {type(exc).__name__}: {exc}"[:300]}
    finally:
        connection.close()


def gather(site_url: str, *, allowance: Allowance, timeout: float, user_agent: str,
           extra_ca_file: str | None = None, http_port: int | None = None, https_port: int | None = None,
           resolver: Any = None) -> dict[str, dict[str, Any]]:
    """The facts of one site: ``{"tls": ..., "http_redirect": ..., "dns": ...}``, each JSON-ready."""
    parts = urlsplit(site_url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    tls_port = https_port or (parts.port if secure and parts.port else 443)
    plain_port = http_port or (parts.port if not secure and parts.port else 80)
    now = datetime.now(UTC)
    return {
        "tls": _jsonable(inspect_tls(host, tls_port, timeout=timeout, extra_ca_file=extra_ca_file, now=now,
                                     allowance=allowance)),
        "http_redirect": http_redirect(host, plain_port, timeout=timeout, allowance=allowance,
                                       user_agent=user_agent),
        "dns": _jsonable(check_dns(host, resolver=resolver, timeout=min(timeout, 5))),
    }


def rows(run_id: str, site_id: str, site_url: str, facts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    host = urlsplit(site_url).hostname or ""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return [{"run_id": run_id, "site_id": site_id, "kind": kind, "host": host,
             "data": json.dumps(data, ensure_ascii=False), "at": at} for kind, data in facts.items()]
