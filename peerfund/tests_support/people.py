"""Onboarding people the way a user does it: verify identity (sandbox test
identities), bind a card, set a trade password, take the risk assessment, accept the
legal documents in force (as the pages ask before a first bid, application or pledge)."""
from stdnum import luhn

from peerfund.sandbox.blacklist import LISTED
from peerfund.sandbox.identity import TEST_PERSONS
from peerfund.tests_support.consent import accept_all

TRADE_PASSWORD = "246810"
# The identities that can onboard: adults on no list (a listed one is refused at
# verification; a test wanting a listed person lists them after verifying).
IDENTITIES = [(number, name) for number, name in TEST_PERSONS.items() if number[6:10] < "2005" and ("id_number", number) not in LISTED]


def card_number(bin_: str = "622202", serial: int = 1) -> str:
    body = f"{bin_}{serial:012d}"
    return body + luhn.calc_check_digit(body)


def onboard(user, *, identity: int = 0, card_serial: int | None = None, risk_answers: int = 2, accept: bool = True):
    """Returns the user's default card. `accept=False` leaves the legal documents
    unaccepted, for a test that goes through the consent page as the user."""
    from peerfund.accounts.questionnaire import QUESTIONS
    from peerfund.accounts.services.cards import card_bind
    from peerfund.accounts.services.identity import verification_submit_person
    from peerfund.accounts.services.risk import assessment_submit
    from peerfund.accounts.services.security import trade_password_set

    id_number, name = IDENTITIES[identity]
    verification_submit_person(user=user, real_name=name, id_number=id_number)
    card = card_bind(user=user, card_number=card_number(serial=card_serial or 1000 + identity), holder_name=name)
    trade_password_set(user=user, new=TRADE_PASSWORD)
    assessment_submit(user=user, answers={q.key: risk_answers for q in QUESTIONS})
    if accept:
        accept_all(user)
    user.refresh_from_db()
    return card


def verify_directly(user, index: int):
    """For crowds larger than the sandbox's test identities (load tests): a verified
    identity written directly, a custody account, a trade password and a risk level."""
    from peerfund.accounts.models import Verification
    from peerfund.accounts.questionnaire import QUESTIONS
    from peerfund.accounts.services.risk import assessment_submit
    from peerfund.accounts.services.security import trade_password_set
    from peerfund.custody.services import custody_account_open

    Verification.objects.create(user=user, kind="person", status="verified", real_name=f"出借人{index}", id_number=f"1101011990{index:08d}")
    custody_account_open(user=user)
    trade_password_set(user=user, new=TRADE_PASSWORD)
    assessment_submit(user=user, answers={q.key: 2 for q in QUESTIONS})
    accept_all(user)
    return user
