"""REST API of customer service for users: my tickets, open one, reply."""
from django.http import Http404
from ninja import Router, Schema
from ninja.responses import Status

from peerfund.backoffice.models import Ticket
from peerfund.backoffice.tickets import ticket_open, ticket_reply
from peerfund.core.schemas import InputSchema

router = Router(tags=["me"])


class TicketIn(InputSchema):
    topic: str
    subject: str
    body: str


class ReplyIn(InputSchema):
    body: str


class MessageOut(Schema):
    from_staff: bool
    body: str
    created_at: str


class TicketOut(Schema):
    id: int
    topic: str
    subject: str
    status: str
    messages: list[MessageOut]

    @staticmethod
    def of(ticket: Ticket) -> "TicketOut":
        return TicketOut(id=ticket.pk, topic=ticket.topic, subject=ticket.subject, status=ticket.status, messages=[
            MessageOut(from_staff=m.from_staff, body=m.body, created_at=m.created_at.isoformat()) for m in ticket.messages.all()
        ])


def _mine(request, ticket_id: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=ticket_id, user=request.user).first()
    if ticket is None:
        raise Http404
    return ticket


@router.get("/tickets", response=list[TicketOut], summary="My customer-service tickets")
def tickets(request):
    return [TicketOut.of(t) for t in Ticket.objects.filter(user=request.user).prefetch_related("messages")[:100]]


@router.post("/tickets", response={201: TicketOut}, summary="Ask customer service, or complain")
def ticket_create(request, payload: TicketIn):
    return Status(201, TicketOut.of(ticket_open(user=request.user, **payload.dict())))


@router.post("/tickets/{int:ticket_id}/messages", response={201: TicketOut}, summary="Reply on my ticket")
def ticket_message(request, ticket_id: int, payload: ReplyIn):
    ticket = _mine(request, ticket_id)
    ticket_reply(author=request.user, ticket=ticket, body=payload.body)
    return Status(201, TicketOut.of(ticket))
