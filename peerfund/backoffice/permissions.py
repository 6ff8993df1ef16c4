"""Every back-office view declares the permission it needs."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def staff_permission_required(codename: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_staff or not request.user.has_perm(f"backoffice.{codename}"):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.permission = codename
        return wrapper

    return decorator
