"""Settings of the HubSpot emulator: accepted credentials, limits, and a toggle for every
behaviour that crm-apis.md marks UNCONFIRMED."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal


def utc_now() -> datetime:
    """The default clock: the current UTC time."""
    return datetime.now(timezone.utc)


@dataclass
class HubSpotSettings:
    """What the emulated portal accepts and how strictly it behaves.

    Defaults follow crm-apis.md §1; the fields marked UNCONFIRMED there are settings here.
    """

    # --- credentials (fixed sandbox values) ----------------------------------------------
    #: the private-app token (``Authorization: Bearer pat-...``); never expires.
    private_app_token: str = "pat-na1-5a1d0b0c-0000-4000-8000-00000000c0de"
    #: the OAuth app that may refresh tokens at ``POST /oauth/v1/token``.
    client_id: str = "5a1d0b0c-c11e-4e1d-9000-000000000001"
    client_secret: str = "5a1d0b0c-5ec2-4e7a-9000-000000000002"
    refresh_token: str = "na1-5a1d-0b0c-4e2f-9000-000000000003"
    #: the portal ("hub") id, shown in token info and error messages.
    hub_id: int = 24681357
    #: ``expires_in`` of OAuth access tokens, seconds (HubSpot: commonly 1800; UNCONFIRMED).
    access_token_ttl: int = 1800
    #: 401 category for an expired OAuth token. Real responses seen: EXPIRED_AUTHENTICATION
    #: (3P airbyte #74726); crm-apis.md §4 says INVALID_AUTHENTICATION.
    expired_token_category: str = "EXPIRED_AUTHENTICATION"

    # --- rate limits (off by default) ----------------------------------------------------
    #: refuse requests over the limits below with 429; headers are sent either way.
    rate_limit: bool = False
    #: burst limit of a private app per rolling window (Professional/Enterprise: 190 / 10 s).
    max_per_10s: int = 190
    #: burst limit of the OAuth app per rolling window (100 / 10 s; 110 is UNCONFIRMED).
    oauth_max_per_10s: int = 100
    #: length of the rolling window in seconds (10 in HubSpot; scale it down for tests).
    window_seconds: float = 10.0
    #: daily limit of a private app.
    daily_limit: int = 500_000
    #: search requests per second and token (4 per HubSpot's changelog; 5 is UNCONFIRMED).
    search_per_second: int = 4
    #: send ``Retry-After`` on 429 (UNCONFIRMED). It makes the SDK retry GETs by itself.
    retry_after: bool = False
    #: the clock of the rolling windows (seconds, monotonic).
    rate_clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    # --- page and batch sizes --------------------------------------------------------------
    list_page_max: int = 100
    #: list ``limit`` above the maximum: 400 (False) or served as the maximum (True).
    clamp_list_limit: bool = False
    batch_max: int = 100
    #: v4 association batch inputs per call (UNCONFIRMED).
    association_batch_max: int = 1000
    search_page_max: int = 200
    #: search never serves results past this many (AWS Glue docs: 10,000 → 400).
    search_result_cap: int = 10_000
    search_max_groups: int = 5
    search_max_filters: int = 25
    search_max_filters_per_group: int = 10

    # --- write semantics -----------------------------------------------------------------
    #: non-string values with leading/trailing spaces: rejected since 2025-04-07 (3P).
    reject_padded_values: bool = True
    #: a batch write with an invalid property value: the whole batch answers 400
    #: ("reject_batch", seen for batch/update in 3P Atlas-Authority #206) or the bad inputs
    #: become errors of a 207 while the others are written ("multi_status").
    batch_validation: Literal["reject_batch", "multi_status"] = "reject_batch"
    #: the order of ``batch/create`` results: HubSpot does not keep the inputs' order (3P
    #: HubSpot/hubspot-api-nodejs#190, maintainer: "There is no way to do it"); each result
    #: carries its input's ``objectWriteTraceId`` instead [DOC batch/create reference].
    batch_create_order: Literal["input", "shuffled"] = "shuffled"
    #: PATCHing a property's ``options``: replace the list or merge by value (UNCONFIRMED).
    option_patch: Literal["replace", "merge"] = "replace"
    #: reading a merged-away id: answer with the surviving record ("primary") or 404.
    merged_id_reads: Literal["primary", "not_found"] = "primary"

    #: the time of writes (modified timestamps) and of token expiry.
    clock: Callable[[], datetime] = field(default=utc_now, repr=False)
