"""Why the ledger refused a posting. All are ApplicationErrors, so a page or the API
can show them; the codes are stable."""
from peerfund.core.errors import ApplicationError, Conflict


class LedgerError(ApplicationError):
    pass


class UnbalancedEntry(LedgerError):
    pass


class PostingRuleViolation(LedgerError):
    """The entry kind may not move money between these account kinds."""


class InsufficientBalance(LedgerError):
    pass


class EntryKeyConflict(Conflict):
    """The key was already used for an entry with different legs."""
