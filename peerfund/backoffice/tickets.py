"""Customer-service tickets: a user opens one from their account (a question or a
complaint), customer service answers in the back office, the user is told and may
reply; staff close it. Every staff step is audited."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerfund.backoffice.models import Ticket, TicketMessage
from peerfund.backoffice.permissions import staff_permission_required
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError
from peerfund.core.forms import BootstrapFormMixin, form_run
from peerfund.notify.services import notify


class TicketError(ApplicationError):
    pass


def _body(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > 2000:
        raise TicketError(_("Write your message (at most 2,000 characters)."), "ticket.body", {"field": "body"})
    return text


def ticket_open(*, user, topic: str, subject: str, body: str) -> Ticket:
    subject = (subject or "").strip()
    if topic not in Ticket.Topic.values or not subject or len(subject) > 120:
        raise TicketError(_("Choose a topic and give a subject (at most 120 characters)."), "ticket.subject", {"field": "subject"})
    body = _body(body)
    with transaction.atomic():
        ticket = Ticket.objects.create(user=user, topic=topic, subject=subject)
        TicketMessage.objects.create(ticket=ticket, author=user, body=body)
    return ticket


def ticket_reply(*, author, ticket: Ticket, body: str) -> TicketMessage:
    """A message on the ticket: from customer service (the user is told) or from the
    user (the ticket opens again)."""
    body = _body(body)
    staff = author.pk != ticket.user_id
    if ticket.status == Ticket.Status.CLOSED:
        raise TicketError(_("This ticket is closed; open a new one."), "ticket.closed")
    with transaction.atomic():
        message = TicketMessage.objects.create(ticket=ticket, author=author, from_staff=staff, body=body)
        ticket.status = Ticket.Status.ANSWERED if staff else Ticket.Status.OPEN
        if staff and ticket.assignee_id is None:
            ticket.assignee = author
        ticket.save(update_fields=["status", "assignee", "updated_at"])
        if staff:
            audit_record(actor=author, action="ticket.answered", obj=ticket)
    if staff:
        notify(user=ticket.user, event="ticket.answered", context={"subject": ticket.subject}, url=f"/me/support/{ticket.pk}/")
    return message


def ticket_close(*, staff, ticket: Ticket) -> Ticket:
    ticket.status = Ticket.Status.CLOSED
    ticket.save(update_fields=["status", "updated_at"])
    audit_record(actor=staff, action="ticket.closed", obj=ticket)
    return ticket


class TicketForm(BootstrapFormMixin, forms.Form):
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=Ticket.Topic.choices)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=120)
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class ReplyForm(BootstrapFormMixin, forms.Form):
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@login_required
def my_tickets(request):
    form = TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticket = form_run(request, form, lambda d: ticket_open(user=request.user, **d), _("Sent: customer service will answer here."))
        if ticket:
            return redirect("support:ticket", ticket_id=ticket.pk)
    return render(request, "backoffice/support/my_tickets.html", {"tickets": Ticket.objects.filter(user=request.user), "form": form})


@login_required
def my_ticket(request, ticket_id: int):
    ticket = Ticket.objects.filter(pk=ticket_id, user=request.user).first()
    if ticket is None:
        raise Http404
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form_run(request, form, lambda d: ticket_reply(author=request.user, ticket=ticket, **d), ""):
        return redirect("support:ticket", ticket_id=ticket.pk)
    return render(request, "backoffice/support/ticket.html", {"ticket": ticket, "form": form, "staff_view": False})


@staff_permission_required("handle_complaints")
def ticket_queue(request):
    status = request.GET.get("status", "open")
    tickets = Ticket.objects.select_related("user", "assignee")
    if status in Ticket.Status.values:
        tickets = tickets.filter(status=status)
    return render(request, "backoffice/support/queue.html", {"tickets": tickets[:200], "status": status, "statuses": Ticket.Status.choices})


@staff_permission_required("handle_complaints")
def ticket_detail(request, ticket_id: int):
    ticket = get_object_or_404(Ticket.objects.select_related("user"), pk=ticket_id)
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("close"):
            ticket_close(staff=request.user, ticket=ticket)
            messages.success(request, _("Closed."))
            return redirect("backoffice:tickets")
        if form.is_valid() and form_run(request, form, lambda d: ticket_reply(author=request.user, ticket=ticket, **d), _("Answer sent.")):
            return redirect("backoffice:ticket", ticket_id=ticket.pk)
    return render(request, "backoffice/support/ticket.html", {"ticket": ticket, "form": form, "staff_view": True})
