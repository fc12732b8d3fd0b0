"""The Salesforce emulator's settings: credentials it accepts, token lifetime, API limits, and a
toggle for every behaviour the reference (crm-apis.md §2) marks UNCONFIRMED."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(timezone.utc)


@dataclass
class SalesforceSettings:
    """How the emulated org behaves. Defaults are a realistic Enterprise org."""

    # --- credentials (fixed sandbox values) ----------------------------------------------
    #: the connected app's consumer key / secret (OAuth ``client_id`` / ``client_secret``)
    client_id: str = "3MVG9crmsyncSandboxConsumerKey.0000000000000000000000000000000000000"
    client_secret: str = "CRMSYNCSANDBOXCONSUMERSECRET0000000000000000000000000000000000000"
    refresh_token: str = "5Aep861crmsyncSandboxRefreshToken00000000000000000000000000000000"
    username: str = "integration@crmsync.sandbox"
    password: str = "sandbox-password"
    security_token: str = "SandboxSecurityToken1"
    #: PEM public key or X.509 certificate that verifies JWT-bearer assertions (RS256); JWT
    #: logins are refused without it (or without the ``cryptography`` package)
    jwt_public_key_pem: str | None = None
    jwt_audiences: tuple[str, ...] = ("https://login.salesforce.com", "https://test.salesforce.com")
    #: the connected app's "Require Secret for Refresh Token Flow"
    require_client_secret: bool = True
    #: refresh-token rotation: each refresh returns a new refresh token, the old one dies
    rotate_refresh_tokens: bool = False
    #: OAuth password flow needs password + security token (False: a trusted IP range)
    oauth_password_requires_security_token: bool = False
    #: session lifetime (the org's session timeout), measured on :attr:`clock`
    access_token_ttl_seconds: float = 7200.0
    #: the ``instance_url`` / SOAP ``serverUrl`` handed out; None: https:// + the Host header
    instance_url: str | None = None

    # --- API request limit ---------------------------------------------------------------
    #: DailyApiRequests Max, reported in ``Sforce-Limit-Info: api-usage=N/MAX`` and limits/
    daily_api_limit: int = 100_000
    #: refuse requests (403 REQUEST_LIMIT_EXCEEDED) once the window's count reaches the limit
    enforce_api_limit: bool = False
    #: the rolling window requests are counted in (24 h; scale down for tests)
    api_limit_window_seconds: float = 86_400.0

    # --- queries -------------------------------------------------------------------------
    query_batch_size: int = 2000  # default batch when no Sforce-Query-Options header
    query_batch_min: int = 200
    query_batch_max: int = 2000
    #: open query cursors per user; the oldest is dropped (INVALID_QUERY_LOCATOR) beyond it
    max_query_cursors: int = 10
    #: long text areas cannot be filtered or sorted in SOQL (Salesforce rule); True lifts it
    long_text_filterable: bool = False

    # --- writes --------------------------------------------------------------------------
    collection_max_records: int = 200
    #: an unknown field in an sObject collection fails the whole request (400) rather than
    #: the one record
    collection_unknown_field_fails_request: bool = True
    #: status of a single-record upsert that updated (UNCONFIRMED: 200 with a body, or 204)
    upsert_update_status: int = 200
    #: Email fields reject values that are not addresses (INVALID_EMAIL_ADDRESS)
    validate_email_format: bool = True
    #: standard picklists (LeadSource, StageName, Industry, ...) reject unknown values too
    restrict_standard_picklists: bool = False
    #: fields created through the Tooling API are visible at once (no FieldPermissions needed)
    auto_grant_field_permissions: bool = False

    # --- replication (getDeleted / getUpdated) ---------------------------------------------
    deleted_window_days: float = 15.0
    updated_window_days: float = 30.0

    #: "now" for timestamps, token expiry and API-usage windows
    clock: Callable[[], datetime] = utc_now
