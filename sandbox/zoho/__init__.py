"""An emulator of the Zoho CRM API (v7/v8) and its accounts server, over plain HTTP."""

from sandbox.zoho.app import ZohoApp
from sandbox.zoho.settings import ZohoSettings

__all__ = ["ZohoApp", "ZohoSettings"]
