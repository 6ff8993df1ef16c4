"""Bank identification numbers (the first six digits of a card) of the main Chinese
banks, to name the bank of a card. Not exhaustive: an unknown BIN is refused with a
clear message, and the table is extended as banks are added."""
BANKS = {
    "ICBC": ("工商银行", ("622202", "622208", "621226", "621558")),
    "CCB": ("建设银行", ("622700", "621700", "436742")),
    "ABC": ("农业银行", ("622848", "622845")),
    "BOC": ("中国银行", ("621661", "601382", "621790")),
    "BOCOM": ("交通银行", ("622262", "622260")),
    "CMB": ("招商银行", ("622588", "621483", "622575")),
    "PSBC": ("邮储银行", ("621098", "622150", "622188")),
    "CIB": ("兴业银行", ("622909", "622908")),
    "SPDB": ("浦发银行", ("622521", "622518")),
    "CITIC": ("中信银行", ("622690", "622696")),
    "CEB": ("光大银行", ("622661", "622666")),
    "CMBC": ("民生银行", ("622622",)),
    "PAB": ("平安银行", ("622155", "621626")),
}
BIN_TO_BANK = {prefix: (code, name) for code, (name, prefixes) in BANKS.items() for prefix in prefixes}


def bank_of(card_number: str) -> tuple[str, str] | None:
    """(bank code, bank name) for a card number, or None for an unknown BIN."""
    return BIN_TO_BANK.get(card_number[:6])
