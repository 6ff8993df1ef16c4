"""Why a crowdfunding action was refused; codes are stable for API clients."""
from peerfund.core.errors import ApplicationError


class CrowdfundingError(ApplicationError):
    pass


def refuse(message: str, code: str, field: str | None = None, **extra) -> CrowdfundingError:
    return CrowdfundingError(message, code, {**({"field": field} if field else {}), **extra})
