"""Logins and sessions: the OAuth token endpoint (refresh token, password, JWT bearer), the SOAP
``login`` call simple-salesforce uses for username + password + security token, and the
access tokens they hand out (expiring after ``access_token_ttl_seconds`` on the settings clock).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from sandbox.http import Request, Response
from sandbox.salesforce.settings import SalesforceSettings

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_XML = {"Content-Type": "text/xml;charset=UTF-8"}
Verifier = Callable[[str, bytes, bytes], bool]


class OAuthError(Exception):
    """A refused token request: 400 ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def _rs256_verifier() -> Verifier | None:
    """An RS256 signature check, or None when the ``cryptography`` package is missing."""
    try:
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:  # pragma: no cover - trustme depends on cryptography
        return None

    def verify(pem: str, message: bytes, signature: bytes) -> bool:
        data = pem.encode()
        if b"BEGIN CERTIFICATE" in data:
            key: Any = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
        if not isinstance(key, rsa.RSAPublicKey):
            return False
        try:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    return verify


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Auth:
    """Issues and checks access tokens for the one integration user of the org."""

    def __init__(self, settings: SalesforceSettings, org_id: str, user_id: str) -> None:
        self.settings = settings
        self.org_id = org_id
        self.user_id = user_id
        self._expiry: dict[str, datetime] = {}
        self._refresh_tokens = {settings.refresh_token}
        self._verify_rs256 = _rs256_verifier()

    # --- sessions ------------------------------------------------------------------------
    def issue(self) -> str:
        """A new access token (session id) that expires after the configured TTL."""
        token = f"{self.org_id[:15]}!AQ{secrets.token_hex(40)}"
        ttl = timedelta(seconds=self.settings.access_token_ttl_seconds)
        self._expiry[token] = self.settings.clock() + ttl
        return token

    def valid(self, token: str) -> bool:
        """Whether a token was issued here and has not expired (expired ones are forgotten)."""
        expiry = self._expiry.get(token)
        if expiry is None:
            return False
        if self.settings.clock() >= expiry:
            del self._expiry[token]
            return False
        return True

    def instance_url(self, request: Request) -> str:
        return self.settings.instance_url or f"https://{request.headers.get('host', '')}"

    # --- OAuth token endpoint ------------------------------------------------------------
    def token_endpoint(self, request: Request) -> Response:
        """``POST /services/oauth2/token``."""
        form = request.form()
        grant = form.get("grant_type", "")
        try:
            if grant == "refresh_token":
                return self._token(request, self._refresh(form))
            if grant == "password":
                self._password(form)
                return self._token(request, None)
            if grant == JWT_BEARER:
                self._jwt(form.get("assertion", ""))
                return self._token(request, None)
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        except OAuthError as refusal:
            body = {"error": refusal.error, "error_description": refusal.description}
            return Response(400, body)

    def _client(self, form: dict[str, str], secret_required: bool) -> None:
        if form.get("client_id") != self.settings.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        secret = form.get("client_secret")
        if (secret_required or secret is not None) and secret != self.settings.client_secret:
            raise OAuthError("invalid_client", "invalid client credentials")

    def _refresh(self, form: dict[str, str]) -> str | None:
        self._client(form, self.settings.require_client_secret)
        token = form.get("refresh_token", "")
        if token not in self._refresh_tokens:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        if not self.settings.rotate_refresh_tokens:
            return None
        self._refresh_tokens.discard(token)
        rotated = f"5Aep861{secrets.token_hex(40)}"
        self._refresh_tokens.add(rotated)
        return rotated

    def _password(self, form: dict[str, str]) -> None:
        self._client(form, True)
        settings = self.settings
        accepted = {settings.password + settings.security_token}
        if not settings.oauth_password_requires_security_token:
            accepted.add(settings.password)
        if form.get("username") != settings.username or form.get("password") not in accepted:
            raise OAuthError("invalid_grant", "authentication failure")

    def _jwt(self, assertion: str) -> None:
        try:
            head, body, signature = assertion.split(".")
            header = json.loads(_b64url(head))
            claims = json.loads(_b64url(body))
            signed = _b64url(signature)
        except (ValueError, binascii.Error):
            raise OAuthError("invalid_grant", "invalid assertion") from None
        settings = self.settings
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise OAuthError("invalid_grant", "invalid assertion")
        if claims.get("iss") != settings.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if claims.get("aud") not in settings.jwt_audiences:
            raise OAuthError("invalid_grant", "audience is invalid")
        if claims.get("sub") != settings.username:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        try:
            expires = float(claims.get("exp", 0))
        except (TypeError, ValueError):
            expires = 0.0
        if expires <= settings.clock().timestamp():
            raise OAuthError("invalid_grant", "expired authorization code")
        if (
            header.get("alg") != "RS256"
            or settings.jwt_public_key_pem is None
            or self._verify_rs256 is None
            or not self._verify_rs256(
                settings.jwt_public_key_pem, f"{head}.{body}".encode(), signed
            )
        ):
            raise OAuthError("invalid_grant", "invalid assertion")

    def _token(self, request: Request, refresh_token: str | None) -> Response:
        issued_at = str(int(self.settings.clock().timestamp() * 1000))
        identity = f"https://login.salesforce.com/id/{self.org_id}/{self.user_id}"
        mac = hmac.new(
            self.settings.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        )
        body = {
            "access_token": self.issue(),
            "instance_url": self.instance_url(request),
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(mac.digest()).decode(),
            "scope": "api refresh_token",
        }
        if refresh_token:
            body["refresh_token"] = refresh_token
        return Response(200, body)

    # --- SOAP login ------------------------------------------------------------------------
    def soap_login(self, request: Request, version: str) -> Response:
        """``POST /services/Soap/u/{version}`` with ``SOAPAction: login``."""
        username, password = _soap_credentials(request.body)
        settings = self.settings
        if "login" not in request.headers.get("soapaction", ""):
            return _soap_fault("INVALID_OPERATION", "Only the login call is emulated")
        if username != settings.username or password != settings.password + settings.security_token:
            return _soap_fault(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
        instance = self.instance_url(request)
        org15 = self.org_id[:15]
        result = (
            f"<metadataServerUrl>{instance}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
            f"<serverUrl>{instance}/services/Soap/u/{version}/{org15}</serverUrl>"
            f"<sessionId>{self.issue()}</sessionId><userId>{self.user_id}</userId>"
            f"<userInfo><organizationId>{self.org_id}</organizationId>"
            f"<userEmail>{escape(settings.username)}</userEmail>"
            f"<userName>{escape(settings.username)}</userName></userInfo>"
        )
        return Response(200, _envelope(f"<loginResponse><result>{result}</result></loginResponse>"),
                        dict(_XML))


def _soap_credentials(body: bytes) -> tuple[str | None, str | None]:
    """(username, password) of a SOAP login envelope, whatever its namespace prefixes."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None, None
    found: dict[str, str] = {}
    for element in root.iter():
        local = element.tag.rpartition("}")[2]
        if local in ("username", "password"):
            found[local] = element.text or ""
    return found.get("username"), found.get("password")


def _envelope(inner: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _soap_fault(code: str, message: str) -> Response:
    fault = (
        f"<soapenv:Fault><faultcode>sf:{code}</faultcode>"
        f"<faultstring>{code}: {escape(message)}</faultstring><detail>"
        f'<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault>"
        "</detail></soapenv:Fault>"
    )
    return Response(500, _envelope(fault), dict(_XML))
