"""Masking personal data for display: every page, API response and log shows these."""


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小三 -> 张*三, Alice Wong -> A********g."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str) -> str:
    """110101199003071234 -> 110101********1234."""
    value = (id_number or "").strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(phone: str) -> str:
    """13812345678 (or +8613812345678) -> 138****5678."""
    value = (phone or "").strip().removeprefix("+86")
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_card(card_number: str) -> str:
    """6222021234567890123 -> **** 0123."""
    digits = "".join(ch for ch in (card_number or "") if ch.isdigit())
    return f"**** {digits[-4:]}" if len(digits) >= 4 else "****"


def mask_email(email: str) -> str:
    """alice@example.com -> a***@example.com."""
    local, at, domain = (email or "").partition("@")
    if not at:
        return mask_name(email)
    return (local[:1] + "***") + "@" + domain
