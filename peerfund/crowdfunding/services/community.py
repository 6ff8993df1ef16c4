"""Around a project: comments and questions (the owner's reply time is measured),
updates (public or for backers) sent to followers, follows, private messages
between the owner and a backer, and the server-side visit count."""
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.crowdfunding.content import check_length, sanitise_rich_text
from peerfund.crowdfunding.errors import refuse
from peerfund.crowdfunding.models import Comment, DailyVisits, Follow, Pledge, PrivateMessage, Project, ProjectUpdate
from peerfund.notify.services import notify, notify_many

MAX_TEXT = 1000


def _text(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise refuse(_("Write something first."), "community.empty", "body")
    if len(body) > MAX_TEXT:
        raise refuse(_("At most %(n)s characters.") % {"n": MAX_TEXT}, "community.too_long", "body")
    return body


def _public(project: Project) -> None:
    if project.status not in Project.PUBLIC:
        raise refuse(_("This project is not published."), "community.not_published")


def is_backer(user, project: Project) -> bool:
    return user.is_authenticated and project.pledges.filter(backer=user, status__in=Pledge.HOLDING).exists()


def comment_post(*, author, project: Project, body: str, is_question: bool = False, parent: Comment | None = None) -> Comment:
    """A comment, a question to the owner, or a reply. The owner's first reply to a
    question records when it was answered."""
    _public(project)
    body = _text(body)
    if parent is not None and (parent.project_id != project.pk or parent.parent_id is not None):
        raise refuse(_("Reply to a comment of this project."), "community.parent")
    with transaction.atomic():
        comment = Comment.objects.create(project=project, author=author, body=body, parent=parent, is_question=is_question and parent is None)
        if parent is not None and author.pk == project.owner_id and parent.is_question:
            Comment.objects.filter(pk=parent.pk, replied_at__isnull=True).update(replied_at=comment.created_at)
    if parent is None and is_question and author.pk != project.owner_id:
        notify(user=project.owner, event="project.question", context={"project": project.title}, url=f"/projects/{project.pk}/#comments")
    elif parent is not None and parent.author_id != author.pk:
        notify(user=parent.author, event="comment.replied", context={"project": project.title}, url=f"/projects/{project.pk}/#comments")
    return comment


def update_post(*, owner, project: Project, title: str, body: str, backers_only: bool) -> ProjectUpdate:
    """The owner posts news; followers (backers follow when they pledge) are told,
    and a backers-only update only reaches backers."""
    if project.owner_id != owner.pk:
        raise refuse(_("Only the owner posts updates."), "community.not_owner")
    _public(project)
    title, body = (title or "").strip(), sanitise_rich_text(body)
    if not title or not body:
        raise refuse(_("Give the update a title and some text."), "community.empty", "title" if not title else "body")
    check_length(title, ProjectUpdate, "title")
    check_length(body, ProjectUpdate, "body")
    update = ProjectUpdate.objects.create(project=project, title=title, body=body, backers_only=backers_only)
    readers = Follow.objects.filter(project=project).select_related("user")
    if backers_only:
        readers = readers.filter(user__pledges__project=project, user__pledges__status__in=Pledge.HOLDING).distinct()
    notify_many(notices=[(f.user, {"project": project.title, "title": update.title}) for f in readers], event="project.update",
                url=f"/projects/{project.pk}/#updates")
    return update


def follow_set(*, user, project: Project, follow: bool) -> bool:
    _public(project)
    if follow:
        try:
            Follow.objects.get_or_create(project=project, user=user)
        except IntegrityError:
            pass
    else:
        Follow.objects.filter(project=project, user=user).delete()
    return follow


def message_send(*, sender, project: Project, recipient, body: str) -> PrivateMessage:
    """Owner ↔ backer only: a backer writes to the owner, the owner to a backer."""
    body = _text(body)
    owner_id = project.owner_id
    backer = recipient if sender.pk == owner_id else sender
    if owner_id not in (sender.pk, recipient.pk) or sender.pk == recipient.pk or not is_backer(backer, project):
        raise refuse(_("Messages go between the project's owner and its backers."), "message.not_allowed")
    message = PrivateMessage.objects.create(project=project, sender=sender, recipient=recipient, body=body)
    notify(user=recipient, event="project.message", context={"project": project.title}, url=f"/projects/{project.pk}/messages/?with={sender.pk}")
    return message


def messages_mark_read(*, user, project: Project, other_id: int) -> int:
    return PrivateMessage.objects.filter(project=project, recipient=user, sender_id=other_id, read_at__isnull=True).update(read_at=clock.now())


def visit_count(*, project: Project) -> None:
    """Count a page view on the project and on its day (the owner's analytics)."""
    day = clock.business_date()
    Project.objects.filter(pk=project.pk).update(visits=F("visits") + 1)
    if not DailyVisits.objects.filter(project=project, day=day).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                DailyVisits.objects.create(project=project, day=day, count=1)
        except IntegrityError:  # another view created the day's row first
            DailyVisits.objects.filter(project=project, day=day).update(count=F("count") + 1)
