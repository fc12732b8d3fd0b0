"""Building the configured CRM's connector: the one place config meets the adapters."""

from __future__ import annotations

from connectors.csvfile import CsvConnector
from connectors.hubspot import connect as connect_hubspot
from connectors.hubspot import oauth_token_source, private_app_tokens
from connectors.resilience import RetryPolicy
from connectors.salesforce import connect as connect_salesforce
from connectors.salesforce import (
    https_session,
    jwt_token_source,
    login_url_for_domain,
    password_token_source,
    refresh_token_source,
)
from connectors.types import Connector
from connectors.zoho import connect as connect_zoho
from connectors.zoho import oauth_token_source as zoho_token_source
from sync.config.model import (
    Config,
    CsvSettings,
    HubSpotOAuth,
    HubSpotSettings,
    SalesforceJwt,
    SalesforceRefreshToken,
    SalesforceSettings,
    ZohoSettings,
)

#: where each CRM keeps tags when the config does not say (Zoho: its native tags)
DEFAULT_TAG_FIELDS = {"hubspot": "tags", "salesforce": "Tags__c", "zoho": "Tag", "csv": "tags"}


class NotSupported(Exception):
    """The configured CRM or auth mode has no connector in this release."""


def tag_field(config: Config) -> str:
    return config.write_back.tag_field or DEFAULT_TAG_FIELDS[config.crm.kind]


def build_connector(config: Config) -> Connector:
    """The connector for ``config.crm``; secrets are read from their SecretStr only here."""
    crm = config.crm
    retry = RetryPolicy(attempts=config.run.max_retries + 1)
    namespace = config.write_back.tag_namespace
    if isinstance(crm, HubSpotSettings):
        ca_bundle = str(crm.ca_bundle) if crm.ca_bundle else None
        auth = crm.auth
        if isinstance(auth, HubSpotOAuth):
            tokens = oauth_token_source(
                crm.base_url,
                auth.client_id,
                auth.client_secret.get_secret_value(),
                auth.refresh_token.get_secret_value(),
                ca_bundle=ca_bundle,
            )
        else:
            tokens = private_app_tokens(auth.token.get_secret_value())
        return connect_hubspot(
            crm.base_url,
            tokens,
            tag_namespace=namespace,
            tag_field=tag_field(config),
            ca_bundle=ca_bundle,
            timeout=config.run.timeout_seconds,
            retry=retry,
            requests_per_10s=crm.requests_per_10s,
        )
    if isinstance(crm, ZohoSettings):
        ca_bundle = str(crm.ca_bundle) if crm.ca_bundle else None
        zoho_auth = crm.auth
        zoho_tokens = zoho_token_source(
            zoho_auth.client_id,
            zoho_auth.client_secret.get_secret_value(),
            zoho_auth.refresh_token.get_secret_value(),
            data_centre=zoho_auth.data_centre,
            accounts_url=zoho_auth.accounts_url,
            ca_bundle=ca_bundle,
            timeout=config.run.timeout_seconds,
        )
        # Zoho keeps tags natively (no tag field). The connector sends one request at a time,
        # so it stays within any ``crm.concurrency`` (and every edition's limit) by itself.
        return connect_zoho(
            zoho_tokens,
            tag_namespace=namespace,
            api_domain=crm.api_domain,
            api_version=crm.api_version,
            ca_bundle=ca_bundle,
            timeout=config.run.timeout_seconds,
            retry=retry,
        )
    if isinstance(crm, SalesforceSettings):
        ca_bundle = str(crm.ca_bundle) if crm.ca_bundle else None
        timeout = config.run.timeout_seconds
        sf_auth = crm.auth
        # one session for the login and the API: the CA bundle and timeout apply to both
        session = https_session(ca_bundle=ca_bundle, timeout=timeout)
        if isinstance(sf_auth, SalesforceRefreshToken):
            sf_tokens = refresh_token_source(
                sf_auth.login_url,
                sf_auth.client_id,
                sf_auth.client_secret.get_secret_value(),
                sf_auth.refresh_token.get_secret_value(),
                session=session,
                ca_bundle=ca_bundle,
                timeout=timeout,
            )
        elif isinstance(sf_auth, SalesforceJwt):
            sf_tokens = jwt_token_source(
                sf_auth.login_url,
                sf_auth.consumer_key,
                sf_auth.username,
                sf_auth.private_key_file,
                session=session,
                ca_bundle=ca_bundle,
                timeout=timeout,
            )
        else:
            sf_tokens = password_token_source(
                login_url_for_domain(sf_auth.domain),
                sf_auth.username,
                sf_auth.password.get_secret_value(),
                sf_auth.security_token.get_secret_value(),
                api_version=crm.api_version,
                session=session,
                ca_bundle=ca_bundle,
                timeout=timeout,
            )
        return connect_salesforce(
            sf_tokens,
            tag_namespace=namespace,
            tag_field=tag_field(config),
            instance_url=crm.instance_url,
            api_version=crm.api_version,
            session=session,
            ca_bundle=ca_bundle,
            timeout=timeout,
            retry=retry,
            daily_quota_share=crm.daily_quota_share,
        )
    if isinstance(crm, CsvSettings):
        return CsvConnector(
            crm.folder,
            tag_namespace=namespace,
            tag_field=tag_field(config),
            delimiter=crm.delimiter,
        )
    raise NotSupported(f"no {crm.kind} connector in this release yet")
