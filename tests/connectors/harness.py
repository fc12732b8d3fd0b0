"""How the contract suite drives each CRM: its emulator, a connector built the way a user's
config would build it, and the few things a test does behind the connector's back (a person
deleting or editing a record).

Adding a CRM to the contract suite = one :class:`Harness` subclass registered in
:data:`HARNESSES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, cached_property
from typing import Any

import requests

from connectors.hubspot import connect as connect_hubspot
from connectors.hubspot import oauth_token_source, private_app_tokens
from connectors.resilience import RetryPolicy
from connectors.types import Connector, NewRecord
from mapping.convert import CompiledMapping
from mapping.spec import default_mapping_path, load_mapping
from sandbox.dataset import Company, Contact, Dataset, Deal
from sandbox.generator import generate
from sandbox.http import App, EmulatorServer, Faults, running

NAMESPACE = "crmsync"
#: quick retries, so fault-injection tests take seconds, not minutes
FAST_RETRIES = RetryPolicy(attempts=10, initial_wait=0.01, max_wait=0.05)


@cache
def dataset(contacts: int = 600, seed: int = 11) -> Dataset:
    return generate(contacts, seed=seed)


class Clock:
    """An emulator's clock, moved by hand (records are stamped with it); it starts a day after
    the last change in :func:`dataset`."""

    def __init__(self) -> None:
        self.moment = max(c.updated_at for c in dataset().contacts) + timedelta(days=1)

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class Running:
    """One emulator serving, with what the tests need to know about it."""

    harness: Harness
    app: Any
    server: EmulatorServer
    extra: dict[str, Any] = field(default_factory=dict)

    def connector(self, **options: Any) -> Connector:
        return self.harness.connect(self, **options)

    def native_id(self, key: str) -> str:
        return self.harness.native_id(self, key)


def requests_to(run: Running, method: str, endpoint: str, status: int | None = None) -> int:
    """How many ``method`` requests the emulator answered at ``endpoint`` (with ``status``)."""
    return sum(
        s["count"]
        for s in run.server.stats.snapshot()
        if s["method"] == method
        and s["endpoint"].rstrip("/") == endpoint.rstrip("/")
        and (status is None or s["status"] == status)
    )


class Harness:
    """What differs between CRMs in the contract suite."""

    name: str
    contact_object: str
    company_object: str
    #: the association type of a deal's contacts that create() and associate() take
    deal_contacts: str
    tls: bool = False

    @cached_property
    def mapping(self) -> CompiledMapping:
        spec, _ = load_mapping(default_mapping_path(self.name))
        return CompiledMapping(spec)

    @property
    def contact_fields(self) -> list[str]:
        return self.mapping["contact"].native_fields()

    @property
    def contact_associations(self) -> list[str]:
        return self.mapping["contact"].associations()

    def email_field(self) -> str:
        return self.mapping["contact"].native_name("email")

    def tag_field(self) -> str | None:
        return self.mapping["contact"].native_name("tags")

    def new_record(
        self,
        object_name: str,
        values: Mapping[str, Any],
        links: Mapping[str, Sequence[str]] | None = None,
    ) -> NewRecord:
        """A record to create from common field values; ``links`` (common field -> ids)
        become associations or reference fields, wherever the mapping reads them from."""
        converter = self.mapping[object_name]
        fields = converter.to_new_record(values)
        associations: dict[str, tuple[str, ...]] = {}
        for name, ids in (links or {}).items():
            spec = converter.field_spec(name)
            assert spec is not None, f"{object_name}.{name} is not mapped"
            if spec.association:
                associations[spec.association] = tuple(ids)
            else:
                fields.update(converter.to_new_record({name: ids[0]}))
        return NewRecord(fields, associations)

    def links(self, run: Running, deal_id: str, contact_id: str) -> int:
        """How many links the CRM holds between a deal and a contact (reads de-duplicate)."""
        raise NotImplementedError

    def make_app(self, data: Dataset, **settings: Any) -> App:
        raise NotImplementedError

    @contextmanager
    def serve(
        self, data: Dataset | None = None, *, faults: Faults | None = None, **settings: Any
    ) -> Iterator[Running]:
        app = self.make_app(data or dataset(), **settings)
        with running(app, faults=faults, ssl_context=self.ssl_context()) as server:
            yield Running(self, app, server)

    def ssl_context(self) -> Any:
        return None

    def connect(self, run: Running, **options: Any) -> Connector:
        raise NotImplementedError

    def native_id(self, run: Running, key: str) -> str:
        raise NotImplementedError

    def tags_of(self, record_fields: dict[str, Any]) -> set[str]:
        raise NotImplementedError

    def delete(self, run: Running, native_id: str) -> None:
        """A person deletes a record in the CRM's own UI (here: its API)."""
        raise NotImplementedError

    def edit(self, run: Running, native_id: str, field_name: str, value: Any) -> None:
        """A person edits one field."""
        raise NotImplementedError


class HubSpotHarness(Harness):
    name = "hubspot"
    contact_object = "contacts"
    company_object = "companies"
    deal_contacts = "contacts"

    def make_app(self, data: Dataset, **settings: Any) -> App:
        from sandbox.hubspot import HubSpotApp, HubSpotSettings

        return HubSpotApp(data, HubSpotSettings(**settings))

    def connect(
        self, run: Running, *, oauth: bool = False, token: str | None = None, **options: Any
    ) -> Connector:
        credentials = run.app.credentials(run.server.base_url)
        if oauth:
            tokens = oauth_token_source(
                run.server.base_url,
                credentials["client_id"],
                credentials["client_secret"],
                credentials["refresh_token"],
            )
        else:
            tokens = private_app_tokens(token or credentials["access_token"])
        options.setdefault("retry", FAST_RETRIES)
        return connect_hubspot(run.server.base_url, tokens, tag_namespace=NAMESPACE, **options)

    def native_id(self, run: Running, key: str) -> str:
        return str(run.app.ids[key])

    def tags_of(self, record_fields: dict[str, Any]) -> set[str]:
        return {t for t in (record_fields.get("tags") or "").split(";") if t}

    def _session(self, run: Running) -> requests.Session:
        session = requests.Session()
        token = run.app.credentials(run.server.base_url)["access_token"]
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def delete(self, run: Running, native_id: str) -> None:
        url = f"{run.server.base_url}/crm/v3/objects/contacts/{native_id}"
        assert self._session(run).delete(url, timeout=10).status_code == 204

    def edit(self, run: Running, native_id: str, field_name: str, value: Any) -> None:
        url = f"{run.server.base_url}/crm/v3/objects/contacts/{native_id}"
        answer = self._session(run).patch(url, json={"properties": {field_name: value}}, timeout=10)
        assert answer.status_code == 200, answer.text

    def links(self, run: Running, deal_id: str, contact_id: str) -> int:
        url = f"{run.server.base_url}/crm/v4/objects/deals/{deal_id}/associations/contacts"
        answer = self._session(run).get(url, timeout=10)
        assert answer.status_code == 200, answer.text
        return sum(str(r["toObjectId"]) == contact_id for r in answer.json()["results"])


HARNESSES: dict[str, Callable[[], Harness]] = {"hubspot": HubSpotHarness}


class ZohoHarness(Harness):
    name = "zoho"
    contact_object = "Contacts"
    company_object = "Accounts"
    deal_contacts = "Contacts"  # the Contact_Roles related list

    def make_app(self, data: Dataset, **settings: Any) -> App:
        from sandbox.zoho import ZohoApp, ZohoSettings

        return ZohoApp(data, ZohoSettings(**settings))

    def connect(
        self, run: Running, *, oauth: bool = True, token: str | None = None, **options: Any
    ) -> Connector:
        """Zoho only has OAuth; ``token`` pins a fixed access token instead (which a 401 then
        cannot cure)."""
        from connectors.resilience import TokenSource
        from connectors.zoho import connect as connect_zoho
        from connectors.zoho import oauth_token_source as zoho_tokens

        credentials = run.app.credentials(run.server.base_url)
        if token is not None:
            tokens: TokenSource = TokenSource(lambda: (token, None))
            options.setdefault("api_domain", credentials["api_domain"])
        else:
            tokens = zoho_tokens(
                credentials["client_id"],
                credentials["client_secret"],
                credentials["refresh_token"],
                accounts_url=credentials["accounts_url"],
            )
        options.setdefault("retry", FAST_RETRIES)
        return connect_zoho(tokens, tag_namespace=NAMESPACE, **options)

    def native_id(self, run: Running, key: str) -> str:
        return str(run.app.ids[key])

    def tags_of(self, record_fields: dict[str, Any]) -> set[str]:
        return {t["name"] for t in record_fields.get("Tag") or []}

    def _session(self, run: Running) -> requests.Session:
        credentials = run.app.credentials(run.server.base_url)
        form = {k: credentials[k] for k in ("client_id", "client_secret", "refresh_token")}
        answer = requests.post(
            credentials["token_url"], data={"grant_type": "refresh_token", **form}, timeout=10
        )
        session = requests.Session()
        session.headers["Authorization"] = f"Zoho-oauthtoken {answer.json()['access_token']}"
        return session

    def delete(self, run: Running, native_id: str) -> None:
        url = f"{run.server.base_url}/crm/v8/Contacts/{native_id}"
        assert self._session(run).delete(url, timeout=10).status_code == 200

    def edit(self, run: Running, native_id: str, field_name: str, value: Any) -> None:
        url = f"{run.server.base_url}/crm/v8/Contacts/{native_id}"
        answer = self._session(run).put(url, json={"data": [{field_name: value}]}, timeout=10)
        assert answer.status_code == 200, answer.text

    def links(self, run: Running, deal_id: str, contact_id: str) -> int:
        roles = run.app.dump()["Contact_Roles"]
        return sum((r["Deal"], r["Contact"]) == (deal_id, contact_id) for r in roles)


HARNESSES["zoho"] = ZohoHarness


class SalesforceHarness(Harness):
    name = "salesforce"
    contact_object = "Contact"
    company_object = "Account"
    deal_contacts = "Contact"  # OpportunityContactRole rows
    tls = True  # simple-salesforce only speaks https: a throw-away CA per harness

    def __init__(self) -> None:
        self._tls: Any = None

    @property
    def ca_bundle(self) -> str:
        return str(self._throwaway().ca_path)

    def _throwaway(self) -> Any:
        if self._tls is None:
            from sandbox.tls import throwaway_tls

            self._tls = throwaway_tls()
        return self._tls

    def ssl_context(self) -> Any:
        return self._throwaway().context

    def make_app(self, data: Dataset, **settings: Any) -> App:
        from sandbox.salesforce import SalesforceApp, SalesforceSettings

        if "access_token_ttl" in settings:
            settings["access_token_ttl_seconds"] = settings.pop("access_token_ttl")
        # an org whose admin grants field-level security on fields as they are created
        settings.setdefault("auto_grant_field_permissions", True)
        return SalesforceApp(data, SalesforceSettings(**settings))

    @contextmanager
    def serve(
        self, data: Dataset | None = None, *, faults: Faults | None = None, **settings: Any
    ) -> Iterator[Running]:
        data = data or dataset()
        with super().serve(data, faults=faults, **settings) as run:
            run.extra["ids"] = salesforce_ids(data)
            yield run

    def connect(
        self,
        run: Running,
        *,
        oauth: bool = True,
        token: str | None = None,
        auth: str = "refresh_token",
        private_key_file: str | None = None,
        **options: Any,
    ) -> Connector:
        """A refresh-token login by default (a Salesforce session always comes from a login,
        so ``oauth`` changes nothing); ``auth`` picks ``"password"`` (SOAP) or ``"jwt"``;
        ``token`` pins a fixed session id instead (which a 401 then cannot cure)."""
        from connectors.salesforce import (
            connect,
            jwt_token_source,
            password_token_source,
            refresh_token_source,
            session_token,
        )

        credentials = run.app.credentials(run.server.base_url)
        login_url = run.server.base_url
        ca_bundle = options.setdefault("ca_bundle", self.ca_bundle)
        tokens: Any
        if token is not None:
            tokens = session_token(token, credentials["instance_url"])
        elif auth == "password":
            tokens = password_token_source(
                login_url,
                credentials["username"],
                credentials["password"],
                credentials["security_token"],
                ca_bundle=ca_bundle,
            )
        elif auth == "jwt":
            assert private_key_file, "the JWT login needs the private key file"
            tokens = jwt_token_source(
                login_url,
                credentials["client_id"],
                credentials["username"],
                private_key_file,
                ca_bundle=ca_bundle,
            )
        else:
            tokens = refresh_token_source(
                login_url,
                credentials["client_id"],
                credentials["client_secret"],
                credentials["refresh_token"],
                ca_bundle=ca_bundle,
            )
        options.setdefault("retry", FAST_RETRIES)
        return connect(tokens, tag_namespace=NAMESPACE, **options)

    def native_id(self, run: Running, key: str) -> str:
        return str(run.extra["ids"][key])

    def tags_of(self, record_fields: dict[str, Any]) -> set[str]:
        from connectors.salesforce.connector import split_tags

        return set(split_tags(record_fields.get("Tags__c")))

    def _request(self, run: Running, method: str, path: str, **kwargs: Any) -> requests.Response:
        token = run.app.credentials(run.server.base_url)["access_token"]
        return requests.request(
            method,
            f"{run.server.base_url}/services/data/v62.0/{path}",
            headers={"Authorization": f"Bearer {token}"},
            verify=self.ca_bundle,  # passed per request: REQUESTS_CA_BUNDLE beats Session.verify
            timeout=10,
            **kwargs,
        )

    def delete(self, run: Running, native_id: str) -> None:
        assert self._request(run, "DELETE", f"sobjects/Contact/{native_id}").status_code == 204

    def edit(self, run: Running, native_id: str, field_name: str, value: Any) -> None:
        answer = self._request(
            run, "PATCH", f"sobjects/Contact/{native_id}", json={field_name: value}
        )
        assert answer.status_code == 204, answer.text

    def links(self, run: Running, deal_id: str, contact_id: str) -> int:
        soql = (
            "SELECT Id FROM OpportunityContactRole "
            f"WHERE OpportunityId = '{deal_id}' AND ContactId = '{contact_id}'"
        )
        answer = self._request(run, "GET", "query", params={"q": soql})
        assert answer.status_code == 200, answer.text
        return int(answer.json()["totalSize"])


def salesforce_ids(data: Dataset) -> dict[str, str]:
    """Dataset key -> Salesforce id: the emulator numbers each object's records in data set
    order (ids are deterministic per key prefix)."""
    from sandbox.salesforce.ids import KEY_PREFIXES, make_id

    ids: dict[str, str] = {}
    groups: list[tuple[str, Sequence[Company | Contact | Deal]]] = [
        ("Account", data.companies),
        ("Contact", data.contacts),
        ("Opportunity", data.deals),
    ]
    for object_name, items in groups:
        prefix = KEY_PREFIXES[object_name]
        ids.update({item.key: make_id(prefix, n) for n, item in enumerate(items, 1)})
    return ids


HARNESSES["salesforce"] = SalesforceHarness
