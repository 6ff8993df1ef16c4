"""Shared pieces of the REST API's contract: the one error body and the typed, bounded
inputs every router uses.

Money in a JSON body is `StrictFen`: a JSON integer of fen, more than 0 and at most
`core.money.MAX_FEN` — `true`, `"100"` and `100.0` are refused with a 422 rather
than read as an amount. Identifiers and counts are bounded to what the database can
hold (a 64-bit signed integer), so an id of 2^64 is a 422 instead of an overflow
deep in the database driver. Query strings and multipart forms are text by nature, so
their numbers are parsed from text (`QueryFen`, `Id`) but bounded the same way.
"""
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field, StrictInt

from peerfund.core.errors import ApplicationError
from peerfund.core.money import MAX_FEN

# The largest value of a BigAutoField / BigIntegerField (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
# The furthest page any list goes; far beyond real data, well inside an integer.
MAX_PAGE = 100_000
MAX_OFFSET = 1_000_000

_FEN = "An amount in fen (1 yuan = 100 fen), a whole number."

# JSON bodies: integers only.
StrictFen = Annotated[StrictInt, Field(gt=0, le=MAX_FEN, description=_FEN)]
StrictFenOrZero = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description=_FEN)]
StrictId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
# Path, query and multipart form values: text that must spell an integer in range.
QueryFen = Annotated[int, Field(gt=0, le=MAX_FEN, description=_FEN)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Field(ge=1, le=200)]
# Annual rates and discounts as decimal fractions (0.0850 = 8.5 %): finite, 0 to 1.
Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=8, decimal_places=6, allow_inf_nan=False)]


class ErrorOut(Schema):
    """Every error the API returns: a stable `code` for programs, a `message` for
    people (in the request's language) and the figures in `extra`."""

    code: str
    message: str
    extra: dict[str, Any]


class InvalidInput(ApplicationError):
    """A value that cannot be read as what the field documents (a 422, like the
    API's own schema validation)."""

    status = 422
