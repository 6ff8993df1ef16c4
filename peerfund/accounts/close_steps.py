"""The user centre's step of the daily close: anonymise closed accounts whose
personal data is past the retention period (PEERFUND_PERSONAL_DATA_RETENTION_DAYS)."""
import datetime as dt

from peerfund.accounts.services.data_rights import closed_accounts_anonymise, closed_accounts_due
from peerfund.cob.registry import close_step


@close_step(name="accounts.personal_data_purge", order=955, items=closed_accounts_due,
            description="anonymise the personal data of accounts closed longer than the retention period")
def personal_data_purge(*, on: dt.date, ids: list[int]) -> int:
    return closed_accounts_anonymise(user_ids=ids)
