"""HubSpot adapter (hubspot-api-client): build one with :func:`connect`."""

from __future__ import annotations

from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.transport import HubSpotTransport, Rejected
from connectors.resilience import RateLimiter, RetryPolicy, TokenSource
from connectors.types import AuthError

__all__ = ["HubSpotConnector", "HubSpotTransport", "connect", "oauth_token_source"]


def connect(
    base_url: str,
    tokens: TokenSource,
    *,
    tag_namespace: str,
    tag_field: str = "tags",
    ca_bundle: str | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    requests_per_10s: int | None = None,
    searches_per_second: int = 4,
) -> HubSpotConnector:
    """A connector for the portal behind ``tokens`` (see :func:`private_app_tokens`,
    :func:`oauth_token_source`)."""
    transport = HubSpotTransport(
        base_url,
        tokens,
        ca_bundle=ca_bundle,
        timeout=timeout,
        retry=retry,
        limiter=RateLimiter(requests_per_10s, 10.0),
        search_limiter=RateLimiter(searches_per_second, 1.0),
    )
    return HubSpotConnector(transport, tag_namespace=tag_namespace, tag_field=tag_field)


def private_app_tokens(token: str) -> TokenSource:
    """A private app's token: it does not expire, so a 401 means it was revoked."""
    return TokenSource(lambda: (token, None))


def oauth_token_source(
    base_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    *,
    ca_bundle: str | None = None,
) -> TokenSource:
    """Access tokens from an OAuth refresh token, refreshed before ``expires_in`` runs out."""

    def fetch() -> tuple[str, float | None]:
        transport = HubSpotTransport(base_url, TokenSource(lambda: ("", None)), ca_bundle=ca_bundle)
        try:
            answer = transport.call(
                "oauth.tokens_api.create",
                grant_type="refresh_token",
                client_id=client_id,
                client_secret=client_secret,
                refresh_token=refresh_token,
            )
        except Rejected as rejection:
            raise AuthError(f"HubSpot refused the OAuth refresh: {rejection}") from None
        body = answer.body or {}
        if "access_token" not in body:
            raise AuthError("HubSpot's token endpoint answered without an access token")
        return body["access_token"], float(body.get("expires_in") or 1800)

    return TokenSource(fetch)
