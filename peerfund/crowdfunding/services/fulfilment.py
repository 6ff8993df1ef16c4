"""After success: the owner ships rewards (with a tracking number), backers confirm
receipt or complain, and complaints go to the customer-service queue. A shipped
reward nobody complains about counts as received after a number of days."""
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import NotFound
from peerfund.crowdfunding.content import check_length
from peerfund.crowdfunding.errors import refuse
from peerfund.crowdfunding.models import Complaint, Pledge
from peerfund.notify.services import notify


def _current(pledge: Pledge) -> Pledge:
    """The pledge as it is now, locked (call inside a transaction)."""
    return Pledge.objects.select_for_update(of=("self",)).select_related("project", "tier", "backer").get(pk=pledge.pk)


def _waiting(pledge: Pledge) -> None:
    if pledge.status != Pledge.Status.SETTLED or pledge.delivery not in (Pledge.Delivery.WAITING, Pledge.Delivery.SHIPPED):
        raise refuse(_("This reward is not waiting for delivery."), "delivery.not_waiting")


def pledge_ship(*, owner, pledge: Pledge, carrier: str = "", tracking_no: str = "") -> Pledge:
    """The owner marks a reward sent: with carrier and tracking number when it is
    shipped, without for a reward handed over otherwise (a download, a ticket)."""
    carrier, tracking_no = carrier.strip(), tracking_no.strip()
    check_length(carrier, Pledge, "carrier")
    check_length(tracking_no, Pledge, "tracking_no")
    with transaction.atomic():
        pledge = _current(pledge)
        if pledge.project.owner_id != owner.pk:
            raise refuse(_("Only the project's owner ships its rewards."), "delivery.not_owner")
        _waiting(pledge)
        if pledge.tier and pledge.tier.needs_shipping and not (carrier and tracking_no):
            raise refuse(_("Give the carrier and the tracking number."), "delivery.tracking", "tracking_no")
        pledge.delivery, pledge.carrier, pledge.tracking_no, pledge.shipped_on = Pledge.Delivery.SHIPPED, carrier, tracking_no, clock.business_date()
        pledge.save(update_fields=["delivery", "carrier", "tracking_no", "shipped_on"])
        audit_record(actor=owner, action="pledge.shipped", obj=pledge, data={"carrier": carrier, "tracking_no": tracking_no})
    notify(user=pledge.backer, event="reward.shipped", context={"project": pledge.project.title, "carrier": carrier or "-", "tracking": tracking_no or "-"},
           url="/projects/pledges/")
    return pledge


def pledge_confirm(*, backer, pledge: Pledge) -> Pledge:
    with transaction.atomic():
        pledge = _current(pledge)
        if pledge.backer_id != backer.pk:
            raise NotFound(_("No such pledge."), "not_found")
        _waiting(pledge)
        _receive([pledge], actor=backer, reason="confirmed by the backer")
    return pledge


def _receive(pledges: list[Pledge], *, actor, reason: str) -> None:
    today = clock.business_date()
    Pledge.objects.filter(pk__in=[p.pk for p in pledges]).update(delivery=Pledge.Delivery.RECEIVED, received_on=today)
    for pledge in pledges:
        pledge.delivery, pledge.received_on = Pledge.Delivery.RECEIVED, today
        audit_record(actor=actor, action="pledge.received", obj=pledge, reason=reason)


def rewards_auto_receive(*, on: dt.date) -> int:
    """Shipped rewards with no word from the backer for N days count as received,
    unless the backer has an open complaint."""
    quiet = on - dt.timedelta(days=settings.PEERFUND_CF_AUTO_RECEIVE_DAYS)
    pledges = list(
        Pledge.objects.filter(status=Pledge.Status.SETTLED, delivery=Pledge.Delivery.SHIPPED, shipped_on__lte=quiet)
        .exclude(complaints__status=Complaint.Status.OPEN).order_by("id")
    )
    with transaction.atomic():
        _receive(pledges, actor=None, reason=f"no complaint {settings.PEERFUND_CF_AUTO_RECEIVE_DAYS} days after shipping")
    return len(pledges)


def complaint_file(*, backer, pledge: Pledge, text: str) -> Complaint:
    text = (text or "").strip()
    if not text:
        raise refuse(_("Say what went wrong."), "complaint.text", "text")
    check_length(text, Complaint, "text")
    with transaction.atomic():
        pledge = _current(pledge)
        if pledge.backer_id != backer.pk:
            raise NotFound(_("No such pledge."), "not_found")
        if pledge.status not in (Pledge.Status.SETTLED, Pledge.Status.REFUNDED):
            raise refuse(_("Complaints are about rewards of successful projects."), "complaint.not_settled")
        if pledge.complaints.filter(status=Complaint.Status.OPEN).exists():
            raise refuse(_("You already have an open complaint about this pledge."), "complaint.open")
        complaint = Complaint.objects.create(pledge=pledge, text=text)
        audit_record(actor=backer, action="complaint.filed", obj=complaint)
    notify(user=pledge.project.owner, event="complaint.filed", context={"project": pledge.project.title}, url=f"/projects/{pledge.project_id}/dashboard/")
    return complaint


def complaint_handle(*, staff, complaint: Complaint, resolve: bool, resolution: str) -> Complaint:
    """Customer service closes a complaint: resolved (the backer was right and it
    is settled) or dismissed, with what was done."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise refuse(_("Say how the complaint was handled."), "complaint.resolution", "resolution")
    check_length(resolution, Complaint, "resolution")
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status != Complaint.Status.OPEN:
            raise refuse(_("This complaint is already closed."), "complaint.closed")
        complaint.status = Complaint.Status.RESOLVED if resolve else Complaint.Status.DISMISSED
        complaint.resolution, complaint.handled_by, complaint.handled_at = resolution, staff, clock.now()
        complaint.save(update_fields=["status", "resolution", "handled_by", "handled_at"])
        audit_record(actor=staff, action=f"complaint.{complaint.status}", obj=complaint, reason=resolution)
    notify(user=complaint.pledge.backer, event="complaint.handled", context={"project": complaint.pledge.project.title, "resolution": resolution})
    return complaint
