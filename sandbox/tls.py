"""A throw-away certificate authority for serving an emulator over HTTPS on 127.0.0.1.

simple-salesforce always speaks https, so the Salesforce emulator needs TLS; clients trust the
CA through its PEM file (``requests.Session.verify = ca_path``).
"""

from __future__ import annotations

import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True, slots=True)
class Tls:
    """A server SSL context and the path of the CA certificate clients must trust."""

    context: ssl.SSLContext
    ca_path: Path


def throwaway_tls(directory: Path | None = None) -> Tls:
    """A new CA and a certificate for 127.0.0.1 and localhost signed by it."""
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    folder = directory or Path(tempfile.mkdtemp(prefix="crmsync-sandbox-ca-"))
    ca_path = folder / "sandbox-ca.pem"
    authority.cert_pem.write_to_path(str(ca_path))
    return Tls(context, ca_path)
