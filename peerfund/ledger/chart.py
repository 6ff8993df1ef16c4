"""The chart of accounts and the posting rules of every entry kind.

Every account is a claim on money held at the custodian: a positive leg puts money
into an account, a negative leg takes it out, and every entry's legs sum to zero.
`custody_clearing` stands for the world outside the custodian (bank cards, the
payment channel) and is the only kind allowed below zero.

ENTRY_KINDS is the code form of PRODUCT principle 3: it lists, for each kind of
entry, which account kinds money may leave and which it may enter. A repayment
distribution may pay a user only out of a borrower repayment account of one loan;
no entry kind moves a deposit or another user's money into it. Anything not listed
is refused by `ledger.services.post`.
"""
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    USER_AVAILABLE = "user_available", _("Available balance")
    USER_FROZEN = "user_frozen", _("Frozen balance")
    BORROWER_REPAYMENT = "borrower_repayment", _("Loan repayment account")
    PLEDGE_ESCROW = "pledge_escrow", _("Crowdfunding escrow")
    PLATFORM_FEE = "platform_fee", _("Platform fee income")
    PLATFORM_MARKETING = "platform_marketing", _("Platform marketing funds")
    CUSTODY_CLEARING = "custody_clearing", _("Custodian clearing")


@dataclass(frozen=True)
class AccountRule:
    owned_by_user: bool
    scoped: bool
    may_go_negative: bool = False


ACCOUNT_RULES: dict[str, AccountRule] = {
    AccountKind.USER_AVAILABLE: AccountRule(owned_by_user=True, scoped=False),
    AccountKind.USER_FROZEN: AccountRule(owned_by_user=True, scoped=False),
    AccountKind.BORROWER_REPAYMENT: AccountRule(owned_by_user=True, scoped=True),
    AccountKind.PLEDGE_ESCROW: AccountRule(owned_by_user=False, scoped=True),
    AccountKind.PLATFORM_FEE: AccountRule(owned_by_user=False, scoped=False),
    AccountKind.PLATFORM_MARKETING: AccountRule(owned_by_user=False, scoped=False),
    AccountKind.CUSTODY_CLEARING: AccountRule(owned_by_user=False, scoped=False, may_go_negative=True),
}


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    PLATFORM_FUNDING = "platform_funding", _("Platform funding")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    FREEZE = "freeze", _("Freeze")
    UNFREEZE = "unfreeze", _("Unfreeze")
    LOAN_DISBURSE = "loan_disburse", _("Loan disbursement")
    REPAYMENT_COLLECT = "repayment_collect", _("Repayment collected")
    REPAYMENT_DISTRIBUTE = "repayment_distribute", _("Repayment distributed")
    LOAN_SERVICE_FEE = "loan_service_fee", _("Loan service fee (by instalment)")
    CLAIM_TRANSFER = "claim_transfer", _("Claim transfer")
    PLEDGE_FUND = "pledge_fund", _("Pledge into escrow")
    PLEDGE_PAYOUT = "pledge_payout", _("Crowdfunding payout")
    PLEDGE_REFUND = "pledge_refund", _("Crowdfunding refund")
    MARKETING_REWARD = "marketing_reward", _("Invitation reward")
    FEE_WITHDRAWAL = "fee_withdrawal", _("Platform fee withdrawal")
    REVERSAL = "reversal", _("Reversal")


@dataclass(frozen=True)
class EntryRule:
    sources: frozenset[str]
    destinations: frozenset[str]
    # All user-owned legs belong to one user (freezing moves a user's own money).
    same_owner: bool = False
    # At most one source leg (a claim sale has one buyer).
    single_source: bool = False
    # All scoped source legs share one scope: a distribution pays out of one loan.
    single_source_scope: bool = False
    single_destination_scope: bool = False


K = AccountKind


def _rule(sources, destinations, **flags) -> EntryRule:
    return EntryRule(frozenset(sources), frozenset(destinations), **flags)


ENTRY_RULES: dict[str, EntryRule] = {
    EntryKind.DEPOSIT: _rule({K.CUSTODY_CLEARING}, {K.USER_AVAILABLE}),
    EntryKind.PLATFORM_FUNDING: _rule({K.CUSTODY_CLEARING}, {K.PLATFORM_MARKETING}),
    EntryKind.WITHDRAWAL: _rule(
        {K.USER_AVAILABLE, K.USER_FROZEN}, {K.CUSTODY_CLEARING, K.PLATFORM_FEE}, same_owner=True
    ),
    EntryKind.FREEZE: _rule({K.USER_AVAILABLE}, {K.USER_FROZEN}, same_owner=True),
    EntryKind.UNFREEZE: _rule({K.USER_FROZEN}, {K.USER_AVAILABLE}, same_owner=True),
    # The borrower receives the whole principal: no fee is ever netted from it
    # (砍头息, Civil Code art. 670); the service fee comes with the instalments.
    EntryKind.LOAN_DISBURSE: _rule({K.USER_FROZEN}, {K.USER_AVAILABLE}),
    EntryKind.REPAYMENT_COLLECT: _rule(
        {K.USER_AVAILABLE}, {K.BORROWER_REPAYMENT}, same_owner=True, single_destination_scope=True
    ),
    EntryKind.REPAYMENT_DISTRIBUTE: _rule(
        {K.BORROWER_REPAYMENT}, {K.USER_AVAILABLE, K.PLATFORM_FEE}, single_source_scope=True, single_source=True
    ),
    # An instalment's service fee, out of what the borrower paid into one loan's
    # repayment account, to the platform.
    EntryKind.LOAN_SERVICE_FEE: _rule(
        {K.BORROWER_REPAYMENT}, {K.PLATFORM_FEE}, single_source_scope=True, single_source=True
    ),
    EntryKind.CLAIM_TRANSFER: _rule({K.USER_AVAILABLE}, {K.USER_AVAILABLE, K.PLATFORM_FEE}, single_source=True),
    EntryKind.PLEDGE_FUND: _rule({K.USER_FROZEN}, {K.PLEDGE_ESCROW}, single_destination_scope=True),
    EntryKind.PLEDGE_PAYOUT: _rule(
        {K.PLEDGE_ESCROW}, {K.USER_AVAILABLE, K.PLATFORM_FEE}, single_source_scope=True, single_source=True
    ),
    EntryKind.PLEDGE_REFUND: _rule({K.PLEDGE_ESCROW}, {K.USER_AVAILABLE}, single_source_scope=True, single_source=True),
    EntryKind.MARKETING_REWARD: _rule({K.PLATFORM_MARKETING}, {K.USER_AVAILABLE}),
    EntryKind.FEE_WITHDRAWAL: _rule({K.PLATFORM_FEE}, {K.CUSTODY_CLEARING}),
}
# A reversal has no table row: its legs must be the exact negation of the entry it
# reverses (checked in post()).
