"""The starter config ``crmsync config init`` writes: short, valid, and pointing at the
fully commented ``config.example.yaml`` for everything else."""

from __future__ import annotations

_AUTH = {
    "hubspot": """\
  kind: hubspot
  auth:
    mode: private_app            # or: oauth (client_id, client_secret, refresh_token)
    token: ${HUBSPOT_TOKEN}""",
    "salesforce": """\
  kind: salesforce
  auth:
    mode: refresh_token          # or: jwt, password
    client_id: ${SALESFORCE_CLIENT_ID}
    client_secret: ${SALESFORCE_CLIENT_SECRET}
    refresh_token: ${SALESFORCE_REFRESH_TOKEN}""",
    "zoho": """\
  kind: zoho
  auth:
    mode: oauth
    client_id: ${ZOHO_CLIENT_ID}
    client_secret: ${ZOHO_CLIENT_SECRET}
    refresh_token: ${ZOHO_REFRESH_TOKEN}
    data_centre: us              # us, eu, in, au, jp, ca or cn""",
}

CRMS = tuple(_AUTH)


def starter_config(crm: str) -> str:
    """A minimal, valid config for ``crm``; secrets are environment references."""
    return f"""\
# crmsync configuration. Every option, with its default, is in config.example.yaml;
# `crmsync config schema` prints the JSON Schema for your editor.
version: 1
crm:
{_AUTH[crm]}

write_back:
  tag_namespace: crmsync         # crmsync only ever adds or removes tags starting with this

state:
  url: sqlite:///.crmsync/state.db
"""
