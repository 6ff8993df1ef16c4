"""REST API of crowdfunding: discovery and project pages (public), the owner's
drafts, submission and analytics, pledges (with an Idempotency-Key), fulfilment,
comments and updates. Another user's draft, pledge or analytics is a 404."""
import datetime as dt

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status

from peerfund.core.idempotency import idempotent
from peerfund.core.schemas import Id, InputSchema, Page, StrictFen, StrictFenOrZero, StrictId, json_int
from peerfund.crowdfunding.errors import refuse
from peerfund.crowdfunding.models import Category, Comment, Pledge, PrivateMessage, Project, ProjectUpdate, RewardTier
from peerfund.crowdfunding.selectors import (
    Discovery,
    pledge_get_for_backer,
    pledge_get_for_owner,
    pledges_of,
    project_analytics,
    project_get_for_owner,
    project_get_public,
    projects_page,
    reply_time,
)
from peerfund.crowdfunding.services import community, fulfilment, pledges, projects
from peerfund.risk.signals import Origin

router = Router(tags=["crowdfunding"])


class TierOut(Schema):
    id: int
    title: str
    description: str
    price_fen: int
    shipping_fee_fen: int
    needs_shipping: bool
    limit: int | None
    left: int | None
    delivery_month: str

    @staticmethod
    def of(tier: RewardTier) -> "TierOut":
        return TierOut(id=tier.pk, title=tier.title, description=tier.description, price_fen=tier.price_fen, shipping_fee_fen=tier.shipping_fee_fen,
                       needs_shipping=tier.needs_shipping, limit=tier.limit, left=tier.left, delivery_month=tier.delivery_month.strftime("%Y-%m"))


class ProjectOut(Schema):
    id: int
    title: str
    summary: str
    category: str
    status: str
    goal_fen: int | None
    raised_fen: int
    funded_percent: int
    backers: int
    deadline: str | None
    days_left: int
    url: str

    @staticmethod
    def of(project: Project) -> "ProjectOut":
        return ProjectOut(
            id=project.pk, title=project.title, summary=project.summary, category=str(project.category or ""), status=project.status,
            goal_fen=project.goal_fen, raised_fen=project.raised_fen, funded_percent=project.funded_percent, backers=project.backers,
            deadline=project.deadline.isoformat() if project.deadline else None, days_left=project.days_left(), url=f"/projects/{project.pk}/",
        )


class ProjectDetailOut(ProjectOut):
    story_html: str
    video_url: str
    risk_statement: str
    allow_no_reward: bool
    tiers: list[TierOut]
    owner_reply_median_hours: float | None
    review_reasons: list[str]


def _detail(project: Project) -> ProjectDetailOut:
    return ProjectDetailOut(
        **ProjectOut.of(project).dict(), story_html=project.story, video_url=project.video_url, risk_statement=project.risk_statement,
        allow_no_reward=project.allow_no_reward, tiers=[TierOut.of(t) for t in project.tiers.all()],
        owner_reply_median_hours=reply_time(project).median_hours, review_reasons=project.review_reasons,
    )


class PageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[ProjectOut]


@router.get("/projects", response=PageOut, summary="Published projects: filter by category, search, sort (newest, funded, ending)", auth=None)
def project_list(request, q: str = "", category: Id | None = None, sort: str = "newest", status: str = "funding", page: Page = 1):
    result = projects_page(Discovery(category=category, q=q.strip(), sort=sort, status=status), page)
    return PageOut(count=result.paginator.count, page=result.number, pages=result.paginator.num_pages, results=[ProjectOut.of(p) for p in result])


@router.get("/projects/{int:project_id}", response=ProjectDetailOut, summary="A published project with its rewards", auth=None)
def project_get(request, project_id: Id):
    return _detail(project_get_public(project_id))


class ProjectIn(InputSchema):
    title: str | None = None
    summary: str | None = None
    category_id: StrictId | None = None
    story_html: str | None = None
    video_url: str | None = None
    goal_fen: StrictFen | None = None
    duration_days: json_int(ge=1, le=3650) | None = None
    allow_no_reward: bool | None = None
    risk_statement: str | None = None


@router.get("/mine", response=list[ProjectDetailOut], summary="My projects, in every state")
def my_projects(request):
    return [_detail(p) for p in Project.objects.filter(owner=request.user).prefetch_related("tiers")]


@router.post("/mine", response={201: ProjectDetailOut}, summary="Start a draft (then PATCH its fields, add rewards, submit)")
def project_create(request, payload: ProjectIn):
    category_id = payload.dict(exclude_unset=True).get("category_id")
    category = get_object_or_404(Category, pk=category_id) if category_id else None
    project = projects.project_create(owner=request.user, title=payload.title or "", category=category)
    return Status(201, _detail(_update(request.user, project, payload)))


def _update(owner, project: Project, payload: ProjectIn) -> Project:
    fields = payload.dict(exclude_unset=True, exclude={"category_id", "story_html"})
    data = payload.dict(exclude_unset=True)
    if "category_id" in data:
        fields["category"] = get_object_or_404(Category, pk=data["category_id"])
    if "story_html" in data:
        fields["story"] = data["story_html"]
    return projects.project_update(owner=owner, project=project, **fields) if fields else project


@router.patch("/mine/{int:project_id}", response=ProjectDetailOut, summary="Change fields of my draft (the story is sanitised)")
def project_patch(request, project_id: Id, payload: ProjectIn):
    return _detail(_update(request.user, project_get_for_owner(request.user, project_id), payload))


class TierIn(InputSchema):
    title: str
    description: str
    price_fen: StrictFen
    limit: json_int(ge=1, le=1_000_000_000) | None = None
    delivery_month: str  # YYYY-MM
    needs_shipping: bool = True
    shipping_fee_fen: StrictFenOrZero = 0


@router.post("/mine/{int:project_id}/tiers", response={201: TierOut}, summary="Add a reward to my draft")
def tier_create(request, project_id: Id, payload: TierIn):
    project = project_get_for_owner(request.user, project_id)
    try:
        month = dt.date.fromisoformat(f"{payload.delivery_month}-01")
    except ValueError:
        raise refuse(_("Give the delivery month as YYYY-MM."), "tier.delivery", "delivery_month") from None
    tier = projects.tier_save(owner=request.user, project=project, title=payload.title, description=payload.description, price_fen=payload.price_fen,
                              limit=payload.limit, delivery_month=month, needs_shipping=payload.needs_shipping, shipping_fee_fen=payload.shipping_fee_fen)
    return Status(201, TierOut.of(tier))


@router.post("/mine/{int:project_id}/submit", response=ProjectDetailOut, summary="Submit my draft: machine review now, then a reviewer")
def project_submit(request, project_id: Id):
    project = projects.project_submit(owner=request.user, project=project_get_for_owner(request.user, project_id), origin=Origin.of(request))
    return _detail(project)


@router.get("/mine/{int:project_id}/analytics", response=dict, summary="My project's visits, backers, funding curve and distributions")
def analytics(request, project_id: Id):
    data = project_analytics(project_get_for_owner(request.user, project_id))
    return {
        **{k: data[k] for k in ("visits", "backers", "pledges", "conversion")},
        "curve": [{"day": d.isoformat(), "pledged_fen": fen, "cumulative_fen": total} for d, fen, total in data["curve"]],
        "by_tier": [{"tier": name, "backers": n, "amount_fen": fen} for name, n, fen in data["by_tier"]],
        "by_region": [{"province": name, "backers": n} for name, n in data["by_region"]],
    }


class PledgeIn(InputSchema):
    tier_id: StrictId | None = None
    amount_fen: StrictFen
    address_id: StrictId | None = None
    trade_password: str


class PledgeOut(Schema):
    id: int
    project_id: int
    tier_id: int | None
    amount_fen: int
    status: str
    delivery: str
    carrier: str
    tracking_no: str
    refund_fen: int

    @staticmethod
    def of(p: Pledge) -> "PledgeOut":
        return PledgeOut(id=p.pk, project_id=p.project_id, tier_id=p.tier_id, amount_fen=p.amount_fen, status=p.status, delivery=p.delivery,
                         carrier=p.carrier, tracking_no=p.tracking_no, refund_fen=p.refund_fen)


@router.post("/projects/{int:project_id}/pledges", response={201: PledgeOut}, summary="Pledge to a project (frozen at the bank until the deadline)")
@decorate_view(idempotent)
def pledge_create(request, project_id: Id, payload: PledgeIn):
    """Needs an `Idempotency-Key` header and the trade password. Refusals name the
    rule: closed, below the reward's price, sold out, no address, balance."""
    pledge = pledges.pledge_place(backer=request.user, project_id=project_id, tier_id=payload.tier_id, amount_fen=payload.amount_fen,
                                  address_id=payload.address_id, trade_password=payload.trade_password, key=request.idempotency_key, origin=Origin.of(request))
    return Status(201, PledgeOut.of(pledge))


@router.get("/pledges", response=list[PledgeOut], summary="My pledges, newest first")
def my_pledges(request):
    return [PledgeOut.of(p) for p in pledges_of(request.user)[:200]]


@router.post("/pledges/{int:pledge_id}/cancel", response=PledgeOut, summary="Cancel my pledge before the deadline")
@decorate_view(idempotent)
def pledge_cancel(request, pledge_id: Id):
    return PledgeOut.of(pledges.pledge_cancel(backer=request.user, pledge=pledge_get_for_backer(request.user, pledge_id)))


@router.post("/pledges/{int:pledge_id}/receipt", response=PledgeOut, summary="Confirm I received my reward")
def pledge_confirm(request, pledge_id: Id):
    return PledgeOut.of(fulfilment.pledge_confirm(backer=request.user, pledge=pledge_get_for_backer(request.user, pledge_id)))


class ComplaintIn(InputSchema):
    text: str


@router.post("/pledges/{int:pledge_id}/complaints", response={201: dict}, summary="Complain about my reward")
def complaint_create(request, pledge_id: Id, payload: ComplaintIn):
    complaint = fulfilment.complaint_file(backer=request.user, pledge=pledge_get_for_backer(request.user, pledge_id), text=payload.text)
    return Status(201, {"id": complaint.pk, "status": complaint.status})


class ShipIn(InputSchema):
    carrier: str = ""
    tracking_no: str = ""


@router.post("/backers/{int:pledge_id}/shipment", response=PledgeOut, summary="Mark a backer's reward shipped (owner)")
def ship(request, pledge_id: Id, payload: ShipIn):
    pledge = fulfilment.pledge_ship(owner=request.user, pledge=pledge_get_for_owner(request.user, pledge_id), carrier=payload.carrier, tracking_no=payload.tracking_no)
    return PledgeOut.of(pledge)


class CommentIn(InputSchema):
    body: str
    is_question: bool = False
    parent_id: StrictId | None = None


class CommentOut(Schema):
    id: int
    parent_id: int | None
    is_question: bool
    by_owner: bool
    body: str
    created_at: str

    @staticmethod
    def of(c: Comment, owner_id: int) -> "CommentOut":
        return CommentOut(id=c.pk, parent_id=c.parent_id, is_question=c.is_question, by_owner=c.author_id == owner_id, body=c.body, created_at=c.created_at.isoformat())


@router.get("/projects/{int:project_id}/comments", response=list[CommentOut], summary="Comments, questions and replies, oldest first", auth=None)
def comments(request, project_id: Id):
    project = project_get_public(project_id)
    return [CommentOut.of(c, project.owner_id) for c in project.comments.all()[:500]]


@router.post("/projects/{int:project_id}/comments", response={201: CommentOut}, summary="Comment, ask the owner, or reply")
def comment_create(request, project_id: Id, payload: CommentIn):
    project = project_get_public(project_id)
    parent = get_object_or_404(Comment, pk=payload.parent_id, project=project) if payload.parent_id else None
    comment = community.comment_post(author=request.user, project=project, body=payload.body, is_question=payload.is_question, parent=parent)
    return Status(201, CommentOut.of(comment, project.owner_id))


@router.post("/mine/{int:project_id}/cover", response=ProjectDetailOut, summary="Upload my draft's cover image (multipart `image`)")
def cover_upload(request, project_id: Id, image: File[UploadedFile]):
    project = project_get_for_owner(request.user, project_id)
    return _detail(projects.project_update(owner=request.user, project=project, cover=image))


@router.post("/mine/{int:project_id}/story-images", response={201: dict}, summary="Add an image to my draft's story (multipart `image`)")
def story_image_upload(request, project_id: Id, image: File[UploadedFile]):
    project = project_get_for_owner(request.user, project_id)
    return Status(201, {"url": projects.project_story_image_add(owner=request.user, project=project, image=image)})


@router.delete("/mine/{int:project_id}/tiers/{int:tier_id}", response={204: None}, summary="Remove a reward from my draft")
def tier_delete(request, project_id: Id, tier_id: Id):
    project = project_get_for_owner(request.user, project_id)
    projects.tier_remove(owner=request.user, tier=get_object_or_404(RewardTier, pk=tier_id, project=project))
    return Status(204, None)


class UpdateIn(InputSchema):
    title: str
    body_html: str
    backers_only: bool = False


class UpdateOut(Schema):
    id: int
    title: str
    body_html: str
    backers_only: bool
    created_at: str

    @staticmethod
    def of(update: ProjectUpdate) -> "UpdateOut":
        return UpdateOut(id=update.pk, title=update.title, body_html=update.body, backers_only=update.backers_only, created_at=update.created_at.isoformat())


@router.get("/projects/{int:project_id}/updates", response=list[UpdateOut], summary="The project's updates (backers-only ones for its backers and owner)", auth=None)
def updates(request, project_id: Id):
    project = project_get_public(project_id)
    visible = project.updates.all()
    if not (community.is_backer(request.user, project) or request.user.pk == project.owner_id):
        visible = visible.filter(backers_only=False)
    return [UpdateOut.of(u) for u in visible]


@router.post("/mine/{int:project_id}/updates", response={201: UpdateOut}, summary="Post an update to my project's followers")
def update_create(request, project_id: Id, payload: UpdateIn):
    project = project_get_for_owner(request.user, project_id)
    return Status(201, UpdateOut.of(community.update_post(owner=request.user, project=project, title=payload.title, body=payload.body_html,
                                                         backers_only=payload.backers_only)))


@router.put("/projects/{int:project_id}/follow", response=dict, summary="Follow a project (its updates reach you)")
def follow(request, project_id: Id):
    return {"following": community.follow_set(user=request.user, project=project_get_public(project_id), follow=True)}


@router.delete("/projects/{int:project_id}/follow", response=dict, summary="Stop following a project")
def unfollow(request, project_id: Id):
    return {"following": community.follow_set(user=request.user, project=project_get_public(project_id), follow=False)}


class MessageIn(InputSchema):
    body: str
    to_user_id: StrictId | None = None  # the owner writes to one backer; a backer writes to the owner


class ProjectMessageOut(Schema):
    id: int
    from_owner: bool
    body: str
    created_at: str


@router.get("/projects/{int:project_id}/messages", response=list[ProjectMessageOut], summary="My private messages about a project (the owner: with `with_user`)")
def messages(request, project_id: Id, with_user: Id | None = None):
    project = project_get_public(project_id)
    is_owner = request.user.pk == project.owner_id
    if not is_owner and not community.is_backer(request.user, project):
        raise Http404
    other_id = with_user if is_owner else project.owner_id
    if other_id is None:
        return []
    thread = PrivateMessage.objects.filter(project=project, sender_id__in=(request.user.pk, other_id), recipient_id__in=(request.user.pk, other_id))
    community.messages_mark_read(user=request.user, project=project, other_id=other_id)
    return [ProjectMessageOut(id=m.pk, from_owner=m.sender_id == project.owner_id, body=m.body, created_at=m.created_at.isoformat()) for m in thread]


@router.post("/projects/{int:project_id}/messages", response={201: ProjectMessageOut}, summary="Send a private message (owner ↔ backer)")
def message_create(request, project_id: Id, payload: MessageIn):
    project = project_get_public(project_id)
    recipient = project.owner if request.user.pk != project.owner_id else get_object_or_404(get_user_model(), pk=payload.to_user_id or 0)
    message = community.message_send(sender=request.user, project=project, recipient=recipient, body=payload.body)
    return Status(201, ProjectMessageOut(id=message.pk, from_owner=message.sender_id == project.owner_id, body=message.body, created_at=message.created_at.isoformat()))


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    charity: bool  # 公益: open only to owners verified as charity organisations


@router.get("/categories", response=list[CategoryOut], summary="The categories, two levels (projects go in a subcategory)", auth=None)
def categories(request):
    return [CategoryOut(id=c.pk, name=c.name, parent_id=c.parent_id, charity=c.is_charity) for c in Category.objects.filter(banned=False).select_related("parent")]


class BackerOut(PledgeOut):
    backer: str
    ship_to: str


@router.get("/mine/{int:project_id}/backers", response=list[BackerOut], summary="My project's pledges: who to ship to (after success)")
def backers(request, project_id: Id):
    project = project_get_for_owner(request.user, project_id)
    rows = project.pledges.select_related("backer").order_by("id")
    return [BackerOut(**PledgeOut.of(p).dict(), backer=p.backer.username, ship_to=p.address if p.status == Pledge.Status.SETTLED else p.province)
            for p in rows]
