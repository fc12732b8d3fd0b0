"""Salesforce adapter (REST API through simple-salesforce): build one with :func:`connect` and
an access-token source — :func:`refresh_token_source` (OAuth refresh token),
:func:`jwt_token_source` (JWT bearer, signed with PyJWT) or :func:`password_token_source`
(username + password + security token, simple-salesforce's SOAP login).

Every source remembers the ``instance_url`` its login returned. Salesforce's token answers say
nothing about expiry (the org's session timeout decides): give ``session_lifetime`` to refresh
ahead of it; otherwise a token is refreshed when Salesforce answers 401 ``INVALID_SESSION_ID``,
a bounded number of times in a row. Secrets travel in request bodies only and never appear in
logs or error messages.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from urllib.parse import urlsplit
from xml.parsers.expat import ExpatError

import jwt
import requests
from simple_salesforce import SalesforceLogin
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from connectors.resilience import RateLimiter, RetryPolicy, TokenSource, send
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.transport import (
    DailyQuota,
    Rejected,
    SalesforceTransport,
    https_session,
)
from connectors.types import AuthError, RetryableError, StopRunError

__all__ = [
    "DailyQuota",
    "Rejected",
    "SalesforceConnector",
    "SalesforceTokens",
    "SalesforceTransport",
    "connect",
    "https_session",
    "jwt_token_source",
    "login_url_for_domain",
    "password_token_source",
    "refresh_token_source",
    "session_token",
]

log = logging.getLogger(__name__)

TOKEN_PATH = "/services/oauth2/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOGIN_URL = "https://login.salesforce.com"
TEST_URL = "https://test.salesforce.com"


def connect(
    tokens: TokenSource,
    *,
    tag_namespace: str,
    tag_field: str = "Tags__c",
    instance_url: str | None = None,
    api_version: str = "62.0",
    session: requests.Session | None = None,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    daily_quota_share: float = 0.5,
    requests_per_second: int | None = None,
) -> SalesforceConnector:
    """A connector for the org behind ``tokens``. ``instance_url`` overrides the one the login
    returned; crmsync stops before the org's API usage passes ``daily_quota_share`` of its
    daily allocation; ``requests_per_second`` paces calls (Salesforce itself only limits
    requests per day and long-running ones at once)."""
    transport = SalesforceTransport(
        https_session(session, ca_bundle=ca_bundle, timeout=timeout),
        tokens,
        instance_url=instance_url,
        api_version=api_version,
        retry=retry,
        limiter=RateLimiter(requests_per_second, 1.0),
        quota=DailyQuota(daily_quota_share),
    )
    return SalesforceConnector(transport, tag_namespace=tag_namespace, tag_field=tag_field)


class SalesforceTokens(TokenSource):
    """Access tokens (session ids); remembers the ``instance_url`` the last login named."""

    instance_url: str | None = None


def session_token(access_token: str, instance_url: str) -> SalesforceTokens:
    """A session id obtained elsewhere: it cannot be refreshed, so a 401 stops the run."""
    source = SalesforceTokens(lambda: (access_token, None))
    source.instance_url = instance_url
    return source


def login_url_for_domain(domain: str) -> str:
    """The login server of simple-salesforce's ``domain`` convention: ``login`` / ``test`` /
    ``mycompany.my`` → ``https://{domain}.salesforce.com``; a full host (``…salesforce.com``,
    one with a port) or URL is taken as it is."""
    domain = domain.strip().rstrip("/")
    if "://" in domain:
        return domain
    host = domain.split(":")[0]
    if ":" in domain or host == "localhost" or host.endswith((".salesforce.com", ".force.com")):
        return f"https://{domain}"
    return f"https://{domain}.salesforce.com"


def refresh_token_source(
    login_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    *,
    session: requests.Session | None = None,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
    session_lifetime: float | None = None,
) -> SalesforceTokens:
    """Access tokens from a connected app's refresh token (``POST {login_url}/services/
    oauth2/token``; simple-salesforce has no refresh flow). A rotated refresh token in the
    answer replaces the old one."""
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    http = https_session(session, ca_bundle=ca_bundle, timeout=timeout)

    def fetch() -> tuple[str, float | None]:
        body = _token_call(http, login_url, form, "refresh token")
        if body.get("refresh_token"):
            form["refresh_token"] = str(body["refresh_token"])
        source.instance_url = str(body.get("instance_url") or "") or source.instance_url
        return str(body["access_token"]), _lifetime(body, session_lifetime)

    source = SalesforceTokens(fetch)
    return source


def jwt_token_source(
    login_url: str,
    consumer_key: str,
    username: str,
    private_key_file: str | Path,
    *,
    audience: str | None = None,
    session: requests.Session | None = None,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
    session_lifetime: float | None = None,
) -> SalesforceTokens:
    """Access tokens from the JWT bearer flow: an RS256 assertion signed (PyJWT) with the
    connected app's private key. ``audience`` defaults to ``https://test.salesforce.com`` for
    sandbox login URLs and ``https://login.salesforce.com`` otherwise (also for My Domain)."""
    aud = audience or _audience(login_url)
    key_path = Path(private_key_file)

    def fetch() -> tuple[str, float | None]:
        try:
            key = key_path.read_bytes()
        except OSError as error:
            raise StopRunError(
                f"cannot read the JWT private key file {key_path}: {error.strerror}"
            ) from None
        claims = {"iss": consumer_key, "sub": username, "aud": aud, "exp": int(time.time()) + 180}
        try:
            assertion = jwt.encode(claims, key, algorithm="RS256")
        except NotImplementedError:  # PyJWT without the cryptography package
            raise StopRunError("JWT bearer login needs the cryptography package") from None
        except (ValueError, TypeError, jwt.PyJWTError):
            raise StopRunError(
                f"the JWT private key file {key_path} holds no usable RSA private key (PEM)"
            ) from None
        form = {"grant_type": JWT_BEARER, "assertion": assertion}
        body = _token_call(http, login_url, form, "JWT bearer assertion")
        source.instance_url = str(body.get("instance_url") or "") or source.instance_url
        return str(body["access_token"]), _lifetime(body, session_lifetime)

    http = https_session(session, ca_bundle=ca_bundle, timeout=timeout)
    source = SalesforceTokens(fetch)
    return source


def password_token_source(
    login_url: str,
    username: str,
    password: str,
    security_token: str,
    *,
    api_version: str = "62.0",
    session: requests.Session | None = None,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
    session_lifetime: float | None = None,
) -> SalesforceTokens:
    """Session ids from simple-salesforce's SOAP ``login`` (password + security token) at
    ``{login_url}/services/Soap/u/{api_version}``."""
    http = https_session(session, ca_bundle=ca_bundle, timeout=timeout)
    host = urlsplit(login_url).netloc

    def fetch() -> tuple[str, float | None]:
        def login() -> tuple[str, str]:
            return SalesforceLogin(
                username=username,
                password=password,
                security_token=security_token,
                sf_version=api_version,
                session=http,
                scratch_url=login_url.rstrip("/"),
            )

        try:
            session_id, instance = send(login, login_url, "Salesforce")
        except SalesforceAuthenticationFailed as refusal:
            code = refusal.code
            if isinstance(code, int) or not code:  # not a SOAP fault: a server or proxy error
                raise RetryableError(f"Salesforce login at {host} answered HTTP {code}") from None
            raise AuthError(
                f"Salesforce login at {host} refused the username, password and security "
                f"token ({code})"
            ) from None
        except ExpatError:
            raise RetryableError(f"Salesforce login at {host} sent a malformed answer") from None
        source.instance_url = f"https://{instance}"
        return session_id, session_lifetime

    source = SalesforceTokens(fetch)
    return source


def _token_call(
    http: requests.Session, login_url: str, form: dict[str, str], what: str
) -> dict[str, object]:
    """The JSON answer of the OAuth token endpoint; secrets go in the form body only."""
    url = login_url.rstrip("/") + TOKEN_PATH
    host = urlsplit(url).netloc
    response = send(
        lambda: http.post(url, data=form, headers={"Accept": "application/json"}),
        url,
        "Salesforce",
    )
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if status == 200 and isinstance(body, dict) and body.get("access_token"):
        return body
    if status in (400, 401) and isinstance(body, dict) and body.get("error"):
        description = f": {body['error_description']}" if body.get("error_description") else ""
        raise AuthError(
            f"Salesforce at {host} refused the {what} ({body['error']}{description}): check the "
            "connected app's keys, the user and the login URL"
        )
    if status == 200 or status in (403, 429) or status >= 500:
        raise RetryableError(f"Salesforce token endpoint at {host} answered HTTP {status}")
    raise StopRunError(
        f"Salesforce token endpoint at {host} answered HTTP {status}: check the login URL"
    )


def _lifetime(body: dict[str, object], configured: float | None) -> float | None:
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int | float | str) and str(expires_in).isdigit():
        return float(expires_in)
    return configured


def _audience(login_url: str) -> str:
    host = urlsplit(login_url).netloc.lower()
    if host == "test.salesforce.com" or ".sandbox.my.salesforce.com" in host:
        return TEST_URL
    return LOGIN_URL
