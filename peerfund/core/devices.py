"""The device a request comes from: the fingerprint the pages compute (a SHA-256 of
stable browser traits, kept in a cookie by web/static/web/device.js), else a hash of
the user agent, so API clients have one too."""
import hashlib
import re

DEVICE_COOKIE = "pf_device"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def device_of(request) -> str:
    cookie = (request.COOKIES.get(DEVICE_COOKIE) or "").lower()
    if _HEX64.match(cookie):
        return cookie
    return hashlib.sha256(request.META.get("HTTP_USER_AGENT", "").encode()).hexdigest()


def ip_of(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""
