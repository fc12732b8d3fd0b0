"""The HubSpot emulator: CRM v3 objects, search, properties, v4 associations, owners, OAuth
and HubSpot's rate limits, faithful enough for hubspot-api-client to run against it unchanged.

    from sandbox.hubspot import HubSpotApp, HubSpotSettings
    from sandbox.http import running

    app = HubSpotApp(dataset, HubSpotSettings(rate_limit=True))
    with running(app) as server:
        credentials = app.credentials(server.base_url)
        client = HubSpot(access_token=credentials["access_token"], host=server.base_url)
"""

from sandbox.hubspot.app import HubSpotApp
from sandbox.hubspot.settings import HubSpotSettings

__all__ = ["HubSpotApp", "HubSpotSettings"]
