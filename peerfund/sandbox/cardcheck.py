"""The sandbox bank-card check (银行卡要素验证): the card must be active and belong to
the verified person. Cards ending 0000 are 'not active'; cards ending 9999 belong to
somebody else; any other Luhn-valid card of a known bank passes."""
from dataclasses import dataclass


@dataclass(frozen=True)
class CardCheckResult:
    ok: bool
    code: str


class SandboxCardCheck:
    def check(self, *, card_number: str, name: str, id_number: str) -> CardCheckResult:
        if card_number.endswith("0000"):
            return CardCheckResult(False, "CARD_NOT_ACTIVE")
        if card_number.endswith("9999"):
            return CardCheckResult(False, "HOLDER_MISMATCH")
        return CardCheckResult(True, "OK")
