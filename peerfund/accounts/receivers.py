"""Signal receivers: each only hands over to a service."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from peerfund.accounts.services.security import login_record
from peerfund.core.devices import device_of, ip_of


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    if request is None:
        return
    login_record(
        user=user, ip_address=ip_of(request) or None, user_agent=request.META.get("HTTP_USER_AGENT", ""), device=device_of(request)
    )
