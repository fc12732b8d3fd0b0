"""Salesforce emulator: REST API v60+ (any vNN.N), SOQL subset, sObject collections, Tooling
CustomField, OAuth/SOAP login — enough for the real simple-salesforce client."""

from sandbox.salesforce.app import SalesforceApp
from sandbox.salesforce.settings import SalesforceSettings

__all__ = ["SalesforceApp", "SalesforceSettings"]
