"""Signal receivers: each only hands over to a service."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from peerfund.accounts.services.security import login_record


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    if request is None:
        return
    login_record(user=user, ip_address=request.META.get("REMOTE_ADDR"), user_agent=request.META.get("HTTP_USER_AGENT", ""))
