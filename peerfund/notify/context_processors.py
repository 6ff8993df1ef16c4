def unread(request):
    """The unread-message count for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from peerfund.notify.selectors import unread_count

    return {"unread_messages": unread_count(user)}
