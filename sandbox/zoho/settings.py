"""Settings of the Zoho CRM emulator: accepted credentials, limits, and a toggle for every
behaviour the reference (crm-apis.md §3) leaves UNCONFIRMED."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone


def utc_now() -> datetime:
    """The default clock: the current time in UTC."""
    return datetime.now(timezone.utc)


@dataclass
class ZohoSettings:
    """How the emulator behaves. Defaults are Zoho's documented values; limits that cost a
    test its speed (credits) are off until set."""

    # --- OAuth (accounts server) ------------------------------------------------------------
    client_id: str = "1000.SANDBOXCLIENTID0000000000000"
    client_secret: str = "sandbox-client-secret"
    refresh_token: str = "1000.sandbox.refresh.token"
    #: lifetime of an access token, seconds (Zoho: 3600).
    access_token_ttl: int = 3600
    #: answer the token call the legacy way: ``expires_in`` in ms plus ``expires_in_sec``.
    legacy_expires_in_ms: bool = False
    #: ``api_domain`` of token answers; None: the emulator's own address (from the Host header).
    api_domain: str | None = None

    # --- time ---------------------------------------------------------------------------------
    #: the time used for Modified_Time, token expiry, credit windows and page-token expiry.
    clock: Callable[[], datetime] = field(default=utc_now)
    #: the org's UTC offset in minutes; timestamps are written ``2019-07-25T15:26:49+05:30``.
    org_utc_offset_minutes: int = 0

    # --- rate limits ------------------------------------------------------------------------
    #: API credits per rolling window (None: unlimited). Every API call costs one credit.
    daily_credits: int | None = None
    #: length of the credit window, seconds (Zoho: 24 h; scale it down in tests).
    credit_window_seconds: float = 86_400
    #: concurrent in-flight requests per access token (Zoho Standard edition: 10; None: off).
    concurrency_limit: int | None = 10
    #: pause before an API call queues for the app lock, to make concurrency observable.
    request_delay_seconds: float = 0.0

    # --- Get Records --------------------------------------------------------------------------
    max_per_page: int = 200
    max_fields: int = 50
    #: records reachable with ``page``; beyond it only ``page_token`` works.
    page_record_ceiling: int = 2_000
    #: records reachable with ``page_token``.
    page_token_record_ceiling: int = 100_000
    page_token_ttl_seconds: int = 86_400
    #: sort order of Get Records when none is given (UNCONFIRMED: docs examples show desc).
    default_sort_order: str = "desc"

    # --- COQL ---------------------------------------------------------------------------------
    coql_default_limit: int = 200
    coql_max_limit: int = 2_000
    #: offset + limit ceiling (UNCONFIRMED; often cited as 100,000).
    coql_offset_ceiling: int = 100_000
    coql_max_criteria: int = 25
    #: refuse more than two criteria without brackets, as the COQL docs require.
    coql_require_paired_criteria: bool = True

    # --- writes -------------------------------------------------------------------------------
    max_write_records: int = 100
    #: HTTP status when every record of a write fails (UNCONFIRMED; likely 400).
    all_failed_status: int = 400
    max_delete_ids: int = 100
    max_tag_ids: int = 500
    max_tag_name_length: int = 25
    #: tags a record may carry (UNCONFIRMED; None: no cap).
    max_tags_per_record: int | None = None
    #: adding or removing tags updates the record's Modified_Time.
    tags_touch_modified_time: bool = True
    #: records one merge may fold into the master.
    max_merge_children: int = 2
