from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from peerfund.lending.services.bidding import loans_fail_expired


@db_periodic_task(crontab(minute="*/5"))
def lending_fail_expired_listings():
    """流标: release the bids of loans not full by their deadline, every five minutes."""
    loans_fail_expired()
