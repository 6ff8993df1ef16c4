"""Every event a user can be told about, with its text in both languages (through
gettext) and its default channels. Later capabilities add their events here."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Event:
    title: str
    body: str  # str.format template over the context
    site: bool = True
    sms: bool = False
    email: bool = False
    # Security notices cannot be switched off.
    mandatory: bool = False


EVENTS: dict[str, Event] = {
    "login.new_device": Event(
        _("New login to your account"),
        _("Your account was logged in from a new device or city ({city}) at {time}. If this was not you, change your password now."),
        sms=True,
        mandatory=True,
    ),
    "trade_password.locked": Event(
        _("Money actions locked"),
        _("Your trade password was entered wrongly {failures} times. Money actions are locked until {until}."),
        sms=True,
        mandatory=True,
    ),
    "verification.verified": Event(_("Identity verified"), _("Your identity is verified. Your custodian sub-account {account} is open.")),
    "verification.rejected": Event(_("Identity verification failed"), _("Your identity could not be verified: {reason}")),
    "verification.reviewing": Event(_("Verification under review"), _("Your enterprise verification is being reviewed; we will tell you the result.")),
    "card.bound": Event(_("Bank card bound"), _("{bank} card ending {last4} is now bound to your account.")),
    "deposit.succeeded": Event(_("Deposit received"), _("{amount} has arrived in your account."), sms=True),
    "deposit.failed": Event(_("Deposit failed"), _("Your deposit of {amount} failed: {reason}")),
    "withdrawal.submitted": Event(_("Withdrawal submitted"), _("Your withdrawal of {amount} (fee {fee}) was submitted.")),
    "withdrawal.reviewing": Event(_("Withdrawal under review"), _("Your withdrawal of {amount} is above {threshold} and waits for a review.")),
    "withdrawal.succeeded": Event(_("Withdrawal done"), _("{amount} was sent to your card ending {last4}."), sms=True),
    "withdrawal.failed": Event(_("Withdrawal failed"), _("Your withdrawal of {amount} failed ({reason}); the money is back in your balance."), sms=True),
    "withdrawal.rejected": Event(_("Withdrawal rejected"), _("Your withdrawal of {amount} was rejected: {reason}. The money is back in your balance.")),
    "account.frozen": Event(_("Account frozen"), _("Your account was frozen: {reason}. Contact customer service."), sms=True, mandatory=True),
    "account.unfrozen": Event(_("Account unfrozen"), _("Your account can move money again.")),
    "account.closed": Event(
        _("Account closed"),
        _("Your account is closed. Your personal information is kept for {retention_days} days as the law requires, then anonymised; your records of money stay."),
        mandatory=True,
    ),
    "invitation.rewarded": Event(_("Invitation reward"), _("{invitee} verified and invested: {amount} was added to your balance.")),
    "application.declined": Event(_("Loan application declined"), _("Your loan application was declined: {reason}")),
    "application.listed": Event(_("Loan listed"), _("Your loan of {amount} at {rate} is now open for investors.")),
    # 满标, 流标, 放款: the borrower and every bidder (lending/notices.py).
    "loan.full_borrower": Event(_("Your loan is fully funded"), _("{loan} has raised its full {amount}. It now goes to final review; once approved, the whole amount is paid to your balance.")),
    "loan.full_investor": Event(_("A loan you bid on is full"), _("{loan} is fully funded. Your {amount} stays frozen until the loan passes final review and is lent out.")),
    "loan.failed_borrower": Event(_("Your loan did not fill"), _("{loan} did not raise its full amount by the deadline, so it will not be lent out. You owe nothing on it."), sms=True),
    "loan.failed_investor": Event(_("A loan you bid on did not fill"), _("{loan} did not raise its full amount by the deadline; your {amount} is unfrozen and back in your balance."), sms=True),
    "loan.refused_borrower": Event(_("Your loan was not approved"), _("{loan} was not approved at the final review, so it will not be lent out. You owe nothing on it."), sms=True),
    "loan.refused_investor": Event(_("A loan you bid on was not approved"), _("{loan} was not approved at the final review; your {amount} is unfrozen and back in your balance."), sms=True),
    "loan.disbursed_borrower": Event(_("Loan disbursed"), _("{amount} was paid to your balance in full: no fee is taken from it. The service fee, {fee} in all, is paid with the instalments; your repayment plan is in My loans."), sms=True),
    "loan.post_loan": Event(_("Post-loan information"), _("The platform checked {loan} on {date}: how the money was used and the borrower's ability to repay. Read it on the loan's page.")),
    "loan.disbursed_investor": Event(_("Your loan is lent out"), _("Your {amount} in {loan} was lent; your receivable plan and contract are ready.")),
    "repayment.due_soon": Event(_("Repayment due soon"), _("Instalment {number} of {loan}, {amount} (service fee {fee} included), is due on {date}. Keep it in your balance: it is debited that night."), sms=True),
    "repayment.due_today": Event(_("Repayment due today"), _("Instalment {number} of {loan}, {amount} (service fee {fee} included), is due today ({date})."), sms=True),
    "repayment.overdue": Event(_("Repayment overdue"), _("Instalment {number} of {loan} is overdue: {amount} is owed (service fee {fee} included), and penalty interest runs daily until it is paid."), sms=True),
    "repayment.received": Event(_("Repayment received"), _("{amount} from {loan} was paid to your balance.")),
    "repayment.received_daily": Event(_("Repayments received"), _("{amount} from {count} loan repayments due on {date} was paid to your balance.")),
    "loan.settled": Event(_("Loan repaid"), _("{loan} is repaid in full. Thank you.")),
    "loan.written_off": Event(_("Loan written off"), _("{loan} was written off after long arrears; {principal} of your principal is not expected back."), sms=True),
    "claim.sold": Event(_("Claim sold"), _("{principal} of your claim in {loan} was sold for {price} (fee {fee}); the money is in your balance.")),
    "claim.bought": Event(_("Claim bought"), _("You bought {principal} of a claim in {loan} for {price}; its receivables are in My investments.")),
    "claim.withdrawn": Event(_("Claim taken off sale"), _("Your claim in {loan} was taken off sale because the loan is overdue.")),
    "auto_invest.invested": Event(_("Auto-invest bid for you"), _("{explanation}")),
    "risk.assessed": Event(_("Risk assessment done"), _("Your risk level is {level}, valid until {expires}.")),
    "project.published": Event(_("Project published"), _("{project} passed review and takes pledges until {deadline}.")),
    "project.rejected": Event(_("Project not approved"), _("{project} was not approved: {reasons}. Change it and submit it again.")),
    "project.succeeded_backer": Event(_("Project funded"), _("{project} reached its goal ({amount} of {goal}); your pledge was paid to its escrow at the bank."), sms=True),
    "project.succeeded_owner": Event(_("Your project is funded"), _("{project} raised {amount} of {goal}. Payouts follow the schedule on your project dashboard."), sms=True),
    "project.failed_backer": Event(_("Project not funded"), _("{project} did not reach its goal; your {pledged} is unfrozen and back in your balance."), sms=True),
    "project.failed_owner": Event(_("Your project was not funded"), _("{project} raised {amount} of {goal}; every pledge was released to its backer.")),
    "project.payout": Event(_("Payout made"), _("Payout {stage} of {project}: {amount} was paid to your balance (platform fee {fee}).")),
    "project.refunded": Event(_("Refund from a project"), _("The owner of {project} did not deliver: {amount} was refunded to your balance."), sms=True),
    "project.update": Event(_("Project update"), _("{project} posted an update: {title}")),
    "project.question": Event(_("New question on your project"), _("A backer asked a question on {project}. Answer within 24 hours.")),
    "project.message": Event(_("New private message"), _("You have a new message about {project}.")),
    "comment.replied": Event(_("Reply to your comment"), _("Someone replied to your comment on {project}.")),
    "reward.shipped": Event(_("Reward shipped"), _("Your reward from {project} was sent ({carrier} {tracking}). Confirm when it arrives.")),
    "complaint.filed": Event(_("Complaint from a backer"), _("A backer of {project} filed a complaint; customer service will look at it.")),
    "ticket.answered": Event(_("Customer service answered"), _("Customer service answered your ticket “{subject}”.")),
    "complaint.handled": Event(_("Complaint handled"), _("Your complaint about {project} was handled: {resolution}")),
}


def render(event_name: str, context: dict[str, str]) -> tuple[str, str]:
    """Title and body of an event in the active language."""
    event = EVENTS[event_name]
    return str(event.title), str(event.body).format(**context)
