"""The configuration file's shape, validated by pydantic.

Secrets are typed :class:`SecretStr` and must be written as ``${ENV_VAR}`` references: a
literal secret in the file is refused, so a config can be committed and shared safely.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
)

from mapping.spec import ObjectName, ObjectOverride
from sync.config.rules import RulesSettings


class EnvValue(str):
    """A string that came from an environment variable (``${NAME}`` in the file)."""

    __slots__ = ("variable",)
    variable: str

    def __new__(cls, value: str, variable: str) -> EnvValue:
        instance = super().__new__(cls, value)
        instance.variable = variable
        return instance


def _from_environment(value: Any) -> Any:
    if isinstance(value, EnvValue) or not isinstance(value, str):
        return value
    raise ValueError(
        "secrets must come from the environment: write a reference such as ${MY_SECRET} "
        "here, not the secret itself"
    )


Secret = Annotated[SecretStr, BeforeValidator(_from_environment)]
Url = Annotated[str, Field(pattern=r"^https?://[^\s/]+(/\S*)?$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- HubSpot -------------------------------------------------------------------------------
class HubSpotPrivateApp(_Strict):
    """A private app's access token (Settings → Integrations → Private apps)."""

    mode: Literal["private_app"]
    token: Secret


class HubSpotOAuth(_Strict):
    """A public app's OAuth refresh token; access tokens are refreshed before they expire."""

    mode: Literal["oauth"]
    client_id: str = Field(min_length=1)
    client_secret: Secret
    refresh_token: Secret


class HubSpotSettings(_Strict):
    kind: Literal["hubspot"]
    auth: Annotated[HubSpotPrivateApp | HubSpotOAuth, Field(discriminator="mode")]
    base_url: Url = "https://api.hubapi.com"
    ca_bundle: Path | None = None
    requests_per_10s: int | None = Field(
        None, ge=1, description="the account's burst limit; learned from headers when unset"
    )


# --- Salesforce ----------------------------------------------------------------------------
class SalesforceRefreshToken(_Strict):
    """A connected app's OAuth refresh token."""

    mode: Literal["refresh_token"]
    client_id: str = Field(min_length=1)
    client_secret: Secret
    refresh_token: Secret
    login_url: Url = "https://login.salesforce.com"


class SalesforceJwt(_Strict):
    """JWT bearer flow: a connected app with a certificate, for unattended servers."""

    mode: Literal["jwt"]
    consumer_key: str = Field(min_length=1)
    username: str = Field(min_length=1)
    private_key_file: Path
    login_url: Url = "https://login.salesforce.com"


class SalesforcePassword(_Strict):
    """Username, password and security token (SOAP login)."""

    mode: Literal["password"]
    username: str = Field(min_length=1)
    password: Secret
    security_token: Secret
    domain: str = Field("login", description="'login', 'test' (sandboxes) or a My Domain host")


class SalesforceSettings(_Strict):
    kind: Literal["salesforce"]
    auth: Annotated[
        SalesforceRefreshToken | SalesforceJwt | SalesforcePassword, Field(discriminator="mode")
    ]
    api_version: str = Field("62.0", pattern=r"^\d{2,3}\.\d$")
    instance_url: Url | None = Field(None, description="overrides the one the login returns")
    ca_bundle: Path | None = None
    daily_quota_share: float = Field(
        0.5, gt=0, le=1, description="never use more than this share of the org's daily API calls"
    )


# --- Zoho ----------------------------------------------------------------------------------
DataCentre = Literal["us", "eu", "in", "au", "jp", "ca", "cn"]


class ZohoOAuth(_Strict):
    """A Zoho self-client or server app's refresh token."""

    mode: Literal["oauth"]
    client_id: str = Field(min_length=1)
    client_secret: Secret
    refresh_token: Secret
    data_centre: DataCentre = "us"
    accounts_url: Url | None = Field(None, description="overrides the data centre's server")


class ZohoSettings(_Strict):
    kind: Literal["zoho"]
    auth: Annotated[ZohoOAuth, Field(discriminator="mode")]
    api_version: Literal["v7", "v8"] = "v8"
    api_domain: Url | None = Field(None, description="overrides the one the token call returns")
    ca_bundle: Path | None = None
    concurrency: int = Field(5, ge=1, le=25, description="requests in flight at once")


# --- CSV files ------------------------------------------------------------------------------
class CsvSettings(_Strict):
    """A folder of CSV files (contacts.csv, companies.csv, deals.csv): CRM exports or the
    spreadsheets a company keeps, cleaned the same way."""

    kind: Literal["csv"]
    folder: Path
    delimiter: str = Field(",", min_length=1, max_length=1)

    @property
    def auth(self) -> _NoAuth:
        return _NoAuth()


class _NoAuth:
    mode = "none"


CrmSettings = Annotated[
    HubSpotSettings | SalesforceSettings | ZohoSettings | CsvSettings, Field(discriminator="kind")
]


# --- the rest ------------------------------------------------------------------------------
class MappingSettings(_Strict):
    """Which mapping to use: the shipped default for the CRM, or a file, plus overrides."""

    file: Path | None = Field(None, description="a whole mapping file replacing the default")
    overrides: dict[ObjectName, ObjectOverride] = Field(default_factory=dict)


class WriteBackSettings(_Strict):
    """What crmsync writes back to the CRM, and under which names."""

    tag_namespace: str = Field(
        "crmsync",
        pattern=r"^[a-z][a-z0-9_-]{1,11}$",
        description="prefix of every tag crmsync adds; tags without it are never touched",
    )
    tag_field: str | None = Field(
        None,
        description="field holding tags (default: HubSpot 'tags', Salesforce 'Tags__c', "
        "Zoho native tags)",
    )
    fields: dict[str, str | None] = Field(
        default_factory=dict,
        description="rule output -> native field name, overriding the CRM's default names "
        "(crmsync_<output> in HubSpot, Crmsync_<Output>__c in Salesforce, Crmsync_<Output> in "
        "Zoho); null stops writing that output",
    )
    create_tasks: bool = Field(
        True, description="follow-up tasks for detractors and whales at risk"
    )


class StateSettings(_Strict):
    url: str = Field(
        "sqlite:///.crmsync/state.db",
        description="SQLAlchemy URL: a SQLite file, or postgresql+psycopg://… for shared workers",
    )

    @field_validator("url")
    @classmethod
    def _supported(cls, url: str) -> str:
        if not url.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("state.url must be a sqlite:/// or postgresql:// URL")
        return url


_ALL_OBJECTS: tuple[ObjectName, ...] = ("contact", "company", "deal")


class RunSettings(_Strict):
    job: str | None = Field(
        None, pattern=r"^[\w.-]{1,64}$", description="name of this sync job in the state store"
    )
    objects: list[ObjectName] = Field(default_factory=lambda: list(_ALL_OBJECTS))
    lookback_minutes: int = Field(
        10, ge=0, description="re-read changes this far before the cursor"
    )
    timeout_seconds: float = Field(30, gt=0)
    max_retries: int = Field(5, ge=0, le=20)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    fail_on_kpi_alert: bool = Field(
        False, description="exit with code 5 when a KPI worsens by more than 10% since the last run"
    )

    @field_validator("objects")
    @classmethod
    def _no_repeats(cls, objects: list[str]) -> list[str]:
        if len(set(objects)) != len(objects):
            raise ValueError("objects are listed more than once")
        return objects


class Config(_Strict):
    """A crmsync configuration file."""

    version: Literal[1] = 1
    crm: CrmSettings
    mapping: MappingSettings = MappingSettings()
    rules: RulesSettings = RulesSettings()
    write_back: WriteBackSettings = WriteBackSettings()
    state: StateSettings = StateSettings()
    run: RunSettings = RunSettings()

    @property
    def job(self) -> str:
        """The job's name in the state store: ``run.job``, else the CRM's name."""
        return self.run.job or self.crm.kind
