"""The default rule set, installed after migrate when there are no rules at all (a
fresh platform, or a test database just flushed). Operators then own the rules:
disabling or changing one never brings the default back."""

EVENTS = ["registration", "login", "application", "bid", "pledge", "project", "deposit", "withdrawal"]
DEFAULTS = [
    *[(event, "Blacklisted", "blacklisted", "reject", 10, "Internal or external blacklist hit") for event in EVENTS],
    ("registration", "Device farm", "accounts_per_device_24h >= 5", "reject", 20, "Five or more accounts used this device in 24 h"),
    ("registration", "Shared device", "accounts_per_device_24h >= 2", "alert", 50, "Other accounts used this device in 24 h"),
    ("login", "Busy IP", "accounts_per_ip_24h >= 20", "alert", 50, "Twenty or more accounts from one IP in 24 h"),
    ("login", "City mismatch", "city_mismatch", "alert", 60, "Phone number's city differs from the IP's"),
    ("application", "Under age", "age != null and age < 18", "reject", 20, "Defensive: verification already refuses minors"),
    ("application", "High risk grade", "grade == 'HR'", "reject", 30, "Score below the lowest grade"),
    ("application", "Grade E", "grade == 'E'", "review", 40, "Weakest lendable grade: a person looks first"),
    ("application", "Linked accounts", "linked_accounts >= 2", "review", 50, "Shares phone, card or device with two or more accounts"),
    ("application", "City mismatch", "city_mismatch", "review", 60, "Phone number's city differs from the IP's"),
    ("application", "Repeated applications", "velocity_24h >= 3", "review", 70, "Three or more applications in 24 h"),
    ("pledge", "Pledge burst", "velocity_1h >= 10", "alert", 50, "Ten or more pledges in an hour"),
    ("deposit", "Deposit burst", "velocity_1h >= 10", "alert", 50, "Ten or more deposits in an hour"),
    ("withdrawal", "Withdrawal burst", "velocity_24h >= 3", "review", 50, "Three or more withdrawal attempts in 24 h"),
    ("withdrawal", "Linked accounts", "linked_accounts >= 3", "review", 60, "Shares phone, card or device with three or more accounts"),
]




def install_default_rules(**kwargs) -> int:
    from peerfund.risk.models import Rule

    if Rule.objects.exists():
        return 0
    Rule.objects.bulk_create(
        Rule(event=event, name=name, condition=condition, action=action, priority=priority, description=description)
        for event, name, condition, action, priority, description in DEFAULTS
    )
    return len(DEFAULTS)
