"""Mobile numbers: one canonical form (E.164, +8613800000000) for storage, look-up
and sending, whatever way a person typed it."""
import phonenumbers

DEFAULT_REGION = "CN"


def normalize_phone(raw: str) -> str:
    """E.164 form of a valid number, else the input stripped (validation is the form's job)."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid_mobile(raw: str) -> bool:
    try:
        number = phonenumbers.parse((raw or "").strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
