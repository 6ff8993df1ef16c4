"""Shared pieces of the REST API's contract: the one error body and the typed, bounded
inputs every router uses.

Money in a JSON body is `StrictFen`: a JSON integer of fen, more than 0 and at most
`core.money.MAX_FEN` — `true`, `"100"` and `100.0` are refused with a 422 rather
than read as an amount. Identifiers and counts are bounded to what the database can
hold (a 64-bit signed integer), so an id of 2^64 is a 422 instead of an overflow
deep in the database driver. Query strings and multipart forms are text by nature, so
their numbers are parsed from text (`QueryFen`, `Id`) but bounded the same way.

The OpenAPI document is the contract, and the API keeps to it both ways (the fuzz
test checks it): what the document allows is read, what it does not is a 422.
JSON has one kind of number, and JSON Schema calls `100.0` an integer, so a whole
number written with a `.0` is read as that integer (exactly: it is at most MAX_FEN,
far below 2^53); `100.5`, `true` and `"100"` stay 422. A JSON body that is not an
object (`"AAA"`, `[null, null]`) is a 422 (`InputSchema`), never read attribute by
attribute. A query date is `YYYY-MM-DD` and nothing else (`QueryDate`: `0` is not
the Unix epoch), and a query rate is a number (`QueryRate`: an empty `rate_max=` is
a 422, as its document says). A rate in a body is decimal text (`Rate`: `"0.02"`),
never a JSON number that binary cannot hold exactly.
"""
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import BaseModel, BeforeValidator, Field, PlainValidator, StrictInt, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from peerfund.core.errors import ApplicationError
from peerfund.core.money import MAX_FEN

# The largest value of a BigAutoField / BigIntegerField (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
# The furthest page any list goes; far beyond real data, well inside an integer.
MAX_PAGE = 100_000
MAX_OFFSET = 1_000_000

_FEN = "An amount in fen (1 yuan = 100 fen), a whole number."



def _whole_number(value: Any) -> Any:
    """A JSON number with nothing after the point (`100.0`) is the integer it spells;
    anything else goes on to the strict integer check (`true`, `"100"`, `100.5` fail)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def json_int(**bounds: Any) -> Any:
    """A JSON integer (or a number with no fraction: `100.0`) within `bounds` (Field's
    gt/ge/le/description). The bounds come before the `.0` reading so that the
    document shows them."""
    return Annotated[StrictInt, Field(**bounds), BeforeValidator(_whole_number)]


# JSON bodies: integers only.
StrictFen = json_int(gt=0, le=MAX_FEN, description=_FEN)
StrictFenOrZero = json_int(ge=0, le=MAX_FEN, description=_FEN)
StrictId = json_int(ge=1, le=MAX_ID)
# Path, query and multipart form values: text that must spell an integer in range.
QueryFen = Annotated[int, Field(gt=0, le=MAX_FEN, description=_FEN)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Field(ge=1, le=200)]
# A discount or rate in a JSON body: the text of a decimal fraction from 0 to 1 with at
# most four places ("0.0200" = 2 %), as the API writes rates. Text, not a JSON number:
# a number such as 0.1 is not exact in binary, and a schema for "a number with at most
# four places" cannot be written so that validators agree on it.
_RATE_TEXT = r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$"


def _rate_text(value: Any) -> Decimal:
    if isinstance(value, str) and re.fullmatch(_RATE_TEXT, value):
        return Decimal(value)
    raise PydanticCustomError("rate_format", "Enter a rate as text from \"0\" to \"1\" with at most four decimal places, such as \"0.02\".")


Rate = Annotated[
    Decimal, PlainValidator(_rate_text),
    WithJsonSchema({"type": "string", "pattern": _RATE_TEXT, "examples": ["0.0200"]}),
]
# A rate in a query filter: the text of a finite number from 0 to 1 (documented as a
# number, so an empty `rate_max=` or `abc` is a 422), any number of digits.
QueryRate = Annotated[
    Decimal, Field(ge=0, le=1, allow_inf_nan=False), WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}),
]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date_format", "Enter a date as YYYY-MM-DD.")


# A date in a query string: exactly `YYYY-MM-DD` (no Unix time, no datetime, no `20240101`).
QueryDate = Annotated[dt.date, PlainValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]


class ErrorOut(Schema):
    """Every error the API returns: a stable `code` for programs, a `message` for
    people (in the request's language) and the figures in `extra`."""

    code: str
    message: str
    extra: dict[str, Any]


class InputSchema(Schema):
    """The base of every JSON body: it must be a JSON object. (ninja's Schema reads any
    object attribute by attribute, for the ORM's sake, so `"AAA"` would be a project
    titled `str.title()` and `[null, null]` a request with every field left out.)"""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        if not isinstance(values, Mapping | BaseModel):
            raise PydanticCustomError("model_type", "Send a JSON object.")
        if cls.model_config.get("extra") == "forbid":
            handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class InvalidInput(ApplicationError):
    """A value that cannot be read as what the field documents (a 422, like the
    API's own schema validation)."""

    status = 422
