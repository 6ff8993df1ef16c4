"""The site's addresses with the legal pages routed, for tests that run before (or
regardless of whether) config/urls.py includes them; the first match wins."""
from django.urls import include, path

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site

urlpatterns = [
    path("legal/", include("peerfund.legal.urls")),
    path("backoffice/legal/", include("peerfund.legal.backoffice_urls")),
    *site,
]
