from peerfund.notify.models import Message


def unread_count(user) -> int:
    return Message.objects.filter(user=user, read_at__isnull=True).count()


def messages_of(user):
    return Message.objects.filter(user=user)
