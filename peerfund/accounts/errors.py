"""Why a user-centre action was refused; codes are stable for API clients."""
from peerfund.core.errors import ApplicationError, Forbidden


class AccountError(ApplicationError):
    pass


class MoneyActionsLocked(Forbidden):
    pass
