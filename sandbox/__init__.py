"""Local emulators of the HubSpot, Salesforce and Zoho CRM APIs and a messy-data generator.

Imports nothing of crmsync's other packages: it is a CRM, as seen from the outside.
"""
