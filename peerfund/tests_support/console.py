"""Every view of the staff console, found by walking the URL configuration, for tests
that check each role against each view."""
import re

from django.urls import URLPattern, URLResolver, get_resolver

STAFF_NAMESPACES = {"backoffice", "lending_backoffice", "crowdfunding_backoffice", "risk", "cob", "cms_backoffice"}
STAFF_VIEWS_ELSEWHERE = {"custody:reconciliation"}


def console_views() -> list[tuple[str, object, str]]:
    """(url name, view, path with every id set to 1) of each console view."""
    found = []

    def walk(patterns, namespace, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and (namespace in STAFF_NAMESPACES or f"{namespace}:{entry.name}" in STAFF_VIEWS_ELSEWHERE):
                found.append((f"{namespace}:{entry.name}", entry.callback, "/" + prefix + str(entry.pattern)))

    walk(get_resolver().url_patterns, None, "")
    return [(name, view, re.sub(r"<(int:|str:)?\w+>", "1", path)) for name, view, path in found]
