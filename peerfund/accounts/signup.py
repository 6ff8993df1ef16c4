"""Sign-up as allauth does it, with the registration risk rules run on the valid form
before the account is created (a refusal shows at the top of the form and says
nothing of why). The form has the required "I have read and agree" checkbox for the
user agreement and the privacy policy, whose acceptance is recorded with the new user
(legal app). While the emergency switch pauses sign-ups (core/switches.py) the page,
shown or posted, is allauth's "sign-up closed" page with the reason, status 503."""
from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages

from peerfund.accounts.forms import signup_form_class
from peerfund.core.switches import Operation, OperationPaused, ensure_open
from peerfund.risk.models import Event
from peerfund.risk.services import RiskRefused, risk_gate
from peerfund.risk.signals import Origin


class SignupView(AllauthSignupView):
    paused: OperationPaused | None = None

    def is_open(self):
        try:
            ensure_open(Operation.SIGNUPS)
        except OperationPaused as paused:
            self.paused = paused
            return False
        return super().is_open()

    def get_form_class(self):
        return signup_form_class()

    def closed(self):
        response = super().closed()
        if self.paused is not None:
            messages.error(self.request, self.paused.message)
            response.status_code = self.paused.status
        return response

    def form_valid(self, form):
        try:
            risk_gate(event=Event.REGISTRATION, origin=Origin.of(self.request), phone=form.cleaned_data.get("phone") or "")
        except RiskRefused as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        return super().form_valid(form)


signup = SignupView.as_view()
