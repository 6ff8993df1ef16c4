"""Sign-up as allauth does it, with the registration risk rules run on the valid form
before the account is created (a refusal shows at the top of the form and says
nothing of why)."""
from allauth.account.views import SignupView as AllauthSignupView

from peerfund.risk.models import Event
from peerfund.risk.services import RiskRefused, risk_gate
from peerfund.risk.signals import Origin


class SignupView(AllauthSignupView):
    def form_valid(self, form):
        try:
            risk_gate(event=Event.REGISTRATION, origin=Origin.of(self.request), phone=form.cleaned_data.get("phone") or "")
        except RiskRefused as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        return super().form_valid(form)


signup = SignupView.as_view()
