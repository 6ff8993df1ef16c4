"""A sandbox IP-to-city and number-to-city look-up (PEERFUND_GEO_ADAPTER names a real
geolocation provider's adapter in production): a few documented prefixes, enough for
the demo and the tests of the new-city notice and the fraud signals."""
import ipaddress

PREFIX_CITIES = {
    "127.": "本机",
    "10.": "内网",
    "192.168.": "内网",
    "101.": "北京",
    "116.": "上海",
    "113.": "广州",
    "183.": "深圳",
    "61.": "杭州",
}




# Mobile number segments (the digits after +86 up to the 7th) and the city they were
# issued in: the sandbox's copy of a number-location table (号码归属地).
PHONE_SEGMENT_CITIES = {
    "1380000": "北京",
    "1390000": "北京",
    "1391234": "上海",
    "1370000": "广州",
    "1360000": "深圳",
    "1350000": "杭州",
}


class SandboxGeo:
    """The geolocation adapter's interface: the city of an IP address ("" when it is
    not one, 未知 when unknown) and the city a mobile number was issued in."""

    def city_of(self, ip_address: str | None) -> str:
        if not ip_address:
            return ""
        try:
            ipaddress.ip_address(ip_address)
        except ValueError:
            return ""
        for prefix, city in PREFIX_CITIES.items():
            if ip_address.startswith(prefix):
                return city
        return "未知"

    def city_of_phone(self, phone: str | None) -> str:
        digits = (phone or "").removeprefix("+86")
        return PHONE_SEGMENT_CITIES.get(digits[:7], "")
