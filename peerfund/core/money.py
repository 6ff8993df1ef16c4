"""Money: integer fen everywhere, Decimal only for rates and intermediate interest.

A float never touches money. User text ("1,234.56", "¥1,234.56") becomes fen through
`parse_yuan`; fen become display text through `format_fen`.
"""
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from peerfund.core.errors import ApplicationError

FEN_PER_YUAN = 100
# The largest single amount the platform accepts: ¥10 trillion. Far above any real
# transaction, far below the 64-bit column limit, so sums of many amounts cannot overflow.
MAX_FEN = 10**15

_AMOUNT_RE = re.compile(r"^(?P<int>\d{1,3}(,\d{3})+|\d+)(\.(?P<frac>\d+))?$")


class MoneyError(ApplicationError):
    pass


def parse_yuan(text: str) -> int:
    """Parse a yuan amount typed by a person into fen.

    Accepts an optional ¥/￥ sign, thousands separators in the right places and up to
    two decimals. Refuses negatives, a third decimal, non-numbers and amounts above MAX_FEN.
    """
    raw = (text or "").strip()
    cleaned = raw.replace("¥", "").replace("￥", "").replace(" ", "")
    if cleaned.startswith("-"):
        raise MoneyError(_("The amount cannot be negative."), "money.negative", {"input": raw})
    match = _AMOUNT_RE.match(cleaned)
    if not match:
        raise MoneyError(_("Enter an amount in yuan, for example 1,234.56."), "money.invalid", {"input": raw})
    frac = match.group("frac") or ""
    if len(frac) > 2:
        raise MoneyError(
            _("An amount has at most two decimals (fen)."), "money.too_many_decimals", {"input": raw}
        )
    fen = int(match.group("int").replace(",", "")) * FEN_PER_YUAN + int(frac.ljust(2, "0"))
    if fen > MAX_FEN:
        raise MoneyError(
            _("The amount is too large."), "money.overflow", {"input": raw, "max_fen": MAX_FEN}
        )
    return fen


def format_fen(fen: int, *, symbol: bool = True) -> str:
    """12345678 -> "¥123,456.78"; negatives as "-¥1.00"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{cents:02d}"


def fen_to_decimal_yuan(fen: int) -> Decimal:
    """Exact yuan value for exports (Beancount, reports). Never a float."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def round_half_up(amount_fen: Decimal) -> int:
    """Quantise a Decimal amount of fen to whole fen, half away from zero (四舍五入)."""
    if not amount_fen.is_finite():
        raise MoneyError(_("Not a valid amount."), "money.invalid", {"input": str(amount_fen)})
    return int(amount_fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_largest_remainder(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split `total_fen` in proportion to `weights` so the parts sum exactly to it.

    Each part gets the floor of its exact share; the fen left over go one each to the
    parts with the largest remainders, ties to the earlier position (deterministic).
    No part differs from its exact share by a whole fen or more.
    """
    if total_fen < 0:
        raise ValueError("total_fen must be >= 0")
    if not weights:
        raise ValueError("weights must not be empty")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be >= 0")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    floors = []
    remainders = []
    for index, weight in enumerate(weights):
        quotient, remainder = divmod(total_fen * weight, weight_sum)
        floors.append(quotient)
        remainders.append((-remainder, index))
    leftover = total_fen - sum(floors)
    for _neg_remainder, index in sorted(remainders)[:leftover]:
        floors[index] += 1
    return floors
