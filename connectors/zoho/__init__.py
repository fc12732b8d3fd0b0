"""Zoho CRM adapter (API v7/v8 over plain ``requests``): build one with :func:`connect` and an
access-token source from :func:`oauth_token_source`."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests

from connectors.resilience import RateLimiter, RetryPolicy, TokenSource, send
from connectors.types import AuthError, RetryableError
from connectors.zoho.connector import ZohoConnector
from connectors.zoho.transport import ZohoTransport

__all__ = [
    "ACCOUNTS_SERVERS",
    "ZohoConnector",
    "ZohoTokens",
    "ZohoTransport",
    "accounts_server",
    "connect",
    "oauth_token_source",
]

log = logging.getLogger(__name__)

#: Zoho's accounts (OAuth) server of each data centre.
ACCOUNTS_SERVERS = {
    "us": "https://accounts.zoho.com",
    "eu": "https://accounts.zoho.eu",
    "in": "https://accounts.zoho.in",
    "au": "https://accounts.zoho.com.au",
    "jp": "https://accounts.zoho.jp",
    "ca": "https://accounts.zohocloud.ca",
    "cn": "https://accounts.zoho.com.cn",
    "sa": "https://accounts.zoho.sa",
    "uk": "https://accounts.zoho.uk",
}
TOKEN_PATH = "/oauth/v2/token"


def accounts_server(data_centre: str = "us", accounts_url: str | None = None) -> str:
    """The accounts server to refresh tokens at: ``accounts_url`` if given, else the data
    centre's."""
    if accounts_url:
        return accounts_url.rstrip("/")
    try:
        return ACCOUNTS_SERVERS[data_centre.lower()]
    except KeyError:
        known = ", ".join(ACCOUNTS_SERVERS)
        raise ValueError(f"unknown Zoho data centre {data_centre!r}; known: {known}") from None


def connect(
    tokens: TokenSource,
    *,
    tag_namespace: str,
    api_domain: str | None = None,
    api_version: str = "v8",
    session: requests.Session | None = None,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    requests_per_minute: int | None = None,
) -> ZohoConnector:
    """A connector for the org behind ``tokens``. ``api_domain`` overrides the one the token
    call returns; ``requests_per_minute`` paces calls (Zoho counts credits per call)."""
    transport = ZohoTransport(
        session or requests.Session(),
        tokens,
        api_domain=api_domain,
        api_version=api_version,
        ca_bundle=ca_bundle,
        timeout=timeout,
        retry=retry,
        limiter=RateLimiter(requests_per_minute, 60.0),
    )
    return ZohoConnector(transport, tag_namespace=tag_namespace)


class ZohoTokens(TokenSource):
    """Access tokens from a refresh token; remembers the ``api_domain`` each answer names."""

    api_domain: str | None = None


def oauth_token_source(
    client_id: str,
    client_secret: str,
    refresh_token: str,
    *,
    data_centre: str = "us",
    accounts_url: str | None = None,
    session: requests.Session | None = None,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
) -> ZohoTokens:
    """Access tokens refreshed at the data centre's accounts server (or ``accounts_url``)
    before ``expires_in`` runs out. The secrets go in the form body, never in the URL (URLs
    are logged)."""
    url = accounts_server(data_centre, accounts_url) + TOKEN_PATH
    host = urlsplit(url).netloc
    http = session or requests.Session()
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }

    def fetch() -> tuple[str, float | None]:
        response = send(
            lambda: http.post(url, data=form, timeout=timeout, verify=ca_bundle), url, "Zoho"
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(f"Zoho accounts server {host} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise RetryableError(f"Zoho accounts server {host} sent a malformed answer") from None
        if not isinstance(body, dict):
            body = {}
        error = body.get("error")
        if error or response.status_code != 200 or not body.get("access_token"):
            # Zoho answers a bad refresh with HTTP 200 and {"error": ...}
            raise AuthError(
                f"Zoho accounts server {host} refused the refresh token "
                f"({error or f'HTTP {response.status_code}, no access token'}): check the "
                "client id, client secret, refresh token and data centre"
            )
        # legacy answers give expires_in in ms next to expires_in_sec
        lifetime = body.get("expires_in_sec", body.get("expires_in"))
        source.api_domain = body.get("api_domain") or source.api_domain
        return str(body["access_token"]), float(3600 if lifetime is None else lifetime)

    source = ZohoTokens(fetch)
    return source
