"""A person who closes their account is told so, with how long the law keeps their
personal information before it is anonymised."""
from peerfund.accounts.services.data_rights import account_close
from peerfund.notify.models import Message
from peerfund.tests_support.people import TRADE_PASSWORD, onboard


def test_closing_the_account_sends_the_closure_notice(platform, make_user, settings):
    settings.PEERFUND_PERSONAL_DATA_RETENTION_DAYS = 1825
    user = make_user(username="leaver2", password="Leaving-2026!")
    onboard(user, identity=2)
    account_close(user=user, password="Leaving-2026!", trade_password=TRADE_PASSWORD, ip_address="10.0.0.1")
    notice = Message.objects.get(user=user, event="account.closed")
    assert notice.context == {"retention_days": "1825"}  # contexts are stored as text
