"""Where an IP address or a mobile number is from, through the geolocation adapter
(PEERFUND_GEO_ADAPTER: the sandbox's table in the demo, a real provider in production,
which refuses sandbox adapters)."""
from django.conf import settings
from django.utils.module_loading import import_string


def geo_adapter():
    return import_string(settings.PEERFUND_GEO_ADAPTER)()
