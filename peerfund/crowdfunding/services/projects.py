"""Projects from draft to publication: the owner edits a draft in steps (basics,
story, rewards, risk statement), submits it; machine review checks it at once and a
person reviews what passes. A rejected project can be changed and submitted again.
Every move is audited (core.transitions), with the reasons."""
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.accounts.services.identity import user_is_verified_charity, verified_identity
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.money import MAX_FEN
from peerfund.core.transitions import transition
from peerfund.crowdfunding.content import check_length, check_web_link, image_stored_name, plain_text, sanitise_rich_text
from peerfund.crowdfunding.errors import refuse
from peerfund.crowdfunding.models import Category, Project, RewardTier
from peerfund.notify.services import notify
from peerfund.risk.models import Event
from peerfund.risk.services import RiskRefused, risk_gate
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin

MAX_TIERS = 20
MAX_TIER_UNITS = 1_000_000
EDITABLE_FIELDS = ("category", "title", "summary", "story", "video_url", "goal_fen", "duration_days", "allow_no_reward", "risk_statement")


def _assert_editable(project: Project) -> None:
    if project.status not in Project.EDITABLE:
        raise refuse(_("Only a draft or a rejected project can be changed."), "project.not_editable")


def _charity_refusal(category: Category):
    return refuse(
        _("Projects in %(category)s (charity) may only be started by an organisation verified as a charity (慈善组织).")
        % {"category": category},
        "crowdfunding.charity_only",
        "category",
        category_id=category.pk,
    )


def assert_category_open_to(owner, category: Category | None) -> None:
    """The 公益 categories take projects only from verified charity organisations
    (Charity Law: public fundraising is for registered charities)."""
    if category is not None and category.is_charity and not user_is_verified_charity(owner):
        raise _charity_refusal(category)


def project_create(*, owner, title: str, category: Category | None = None) -> Project:
    title = (title or "").strip()
    if not title:
        raise refuse(_("Give the project a title."), "project.title", "title")
    check_length(title, Project, "title")
    if category is not None and category.parent_id is None:
        raise refuse(_("Choose a subcategory."), "project.category", "category")
    assert_category_open_to(owner, category)
    project = Project.objects.create(owner=owner, title=title, category=category)
    audit_record(actor=owner, action="project.created", obj=project, to_state=Project.Status.DRAFT)
    return project


def project_update(*, owner, project: Project, cover=None, **fields) -> Project:
    """Save a step of the draft. Only the fields given change; the story is
    sanitised, the goal and funding days are checked, the cover must be an image."""
    _assert_editable(project)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "title" in fields and not (fields["title"] or "").strip():
        raise refuse(_("Give the project a title."), "project.title", "title")
    for name in ("title", "summary", "story", "risk_statement", "video_url"):
        if fields.get(name) is not None:
            check_length(fields[name], Project, name)
    if fields.get("video_url"):
        check_web_link(fields["video_url"], "video_url")
    goal = fields.get("goal_fen")
    if goal is not None and not (100_00 <= goal <= MAX_FEN):
        raise refuse(_("The goal must be at least ¥100."), "project.goal", "goal")
    days = fields.get("duration_days")
    if days is not None and not 1 <= days <= settings.PEERFUND_CF_MAX_DAYS:
        raise refuse(_("Funding lasts 1 to %(max)s days.") % {"max": settings.PEERFUND_CF_MAX_DAYS}, "project.duration", "duration_days")
    category = fields.get("category")
    if category is not None and category.parent_id is None:
        raise refuse(_("Choose a subcategory."), "project.category", "category")
    if "category" in fields:
        assert_category_open_to(project.owner, category)
    if "story" in fields:
        fields["story"] = sanitise_rich_text(fields["story"])
    if cover is not None:
        cover.name = image_stored_name(cover)  # the ImageField adds projects/%Y/%m/
        project.cover = cover
    for name, value in fields.items():
        setattr(project, name, value.strip() if isinstance(value, str) else value)
    project.save()
    return project


def project_story_image_add(*, owner, project: Project, image) -> str:
    """Store an image for the story (checked like the cover) and add it at the end of
    the story; returns its URL, which the owner may also place elsewhere."""
    _assert_editable(project)
    name = default_storage.save(f"projects/story/{project.pk}/{image_stored_name(image, field='image')}", image)
    url = default_storage.url(name)
    project.story = sanitise_rich_text(f'{project.story}<p><img src="{url}" alt=""></p>')
    project.save(update_fields=["story", "updated_at"])
    return url


def tier_save(*, owner, project: Project, tier: RewardTier | None = None, title: str, description: str, price_fen: int, limit: int | None,
              delivery_month: dt.date, needs_shipping: bool, shipping_fee_fen: int = 0) -> RewardTier:
    _assert_editable(project)
    if tier is None and project.tiers.count() >= MAX_TIERS:
        raise refuse(_("A project has at most %(n)s rewards.") % {"n": MAX_TIERS}, "tier.too_many")
    if not (100 <= price_fen <= MAX_FEN):
        raise refuse(_("A reward costs at least ¥1."), "tier.price", "price")
    if limit is not None and not 1 <= limit <= MAX_TIER_UNITS:
        raise refuse(_("A limited reward has 1 to %(max)s units.") % {"max": MAX_TIER_UNITS}, "tier.limit", "limit")
    check_length(title, RewardTier, "title")
    check_length(description, RewardTier, "description")
    if not 0 <= shipping_fee_fen <= MAX_FEN or (shipping_fee_fen and not needs_shipping):
        raise refuse(_("Only a reward that is shipped has a shipping fee."), "tier.shipping_fee", "shipping_fee")
    if delivery_month < clock.business_date().replace(day=1):
        raise refuse(_("The estimated delivery cannot be in the past."), "tier.delivery", "delivery_month")
    tier = tier or RewardTier(project=project)
    tier.title, tier.description, tier.price_fen, tier.limit = title.strip(), description.strip(), price_fen, limit
    tier.delivery_month, tier.needs_shipping, tier.shipping_fee_fen = delivery_month.replace(day=1), needs_shipping, shipping_fee_fen
    if not tier.title:
        raise refuse(_("Give the reward a title."), "tier.title", "title")
    tier.save()
    return tier


def tier_remove(*, owner, tier: RewardTier) -> None:
    _assert_editable(tier.project)
    tier.delete()


def machine_review(project: Project, origin: Origin = UNKNOWN_ORIGIN) -> list[str]:
    """What stops the project from going to a reviewer: required fields, banned
    categories and words, an unverified owner, the risk rules (blacklist)."""
    reasons = []
    required = {
        _("title"): project.title, _("one-sentence summary"): project.summary, _("category"): project.category_id, _("cover image"): project.cover,
        _("story"): plain_text(project.story), _("goal"): project.goal_fen, _("funding days"): project.duration_days,
        _("risk statement"): project.risk_statement,
    }
    missing = [str(name) for name, value in required.items() if not value]
    if missing:
        reasons.append(_("Fill in: %(fields)s.") % {"fields": ", ".join(missing)})
    tiers = list(project.tiers.all())
    if not tiers and not project.allow_no_reward:
        reasons.append(_("Offer at least one reward, or allow support without a reward."))
    category = project.category
    if category is not None and (category.banned or (category.parent is not None and category.parent.banned)):
        reasons.append(_("Projects in %(category)s are not allowed.") % {"category": category})
    if category is not None and category.is_charity and not user_is_verified_charity(project.owner):
        reasons.append(_charity_refusal(category).message)
    text = " ".join([project.title, project.summary, plain_text(project.story), project.risk_statement, *(f"{t.title} {t.description}" for t in tiers)]).lower()
    banned = sorted({word for word in settings.PEERFUND_CF_BANNED_WORDS if word.lower() in text})
    if banned:
        reasons.append(_("Remove words that are not allowed: %(words)s.") % {"words": ", ".join(banned)})
    identity = verified_identity(project.owner)
    if identity is None:
        reasons.append(_("Verify your identity (personal or enterprise) first."))
    try:
        risk_gate(event=Event.PROJECT, user=project.owner, origin=origin)
    except RiskRefused as refusal:
        reasons.append(refusal.message)
    return reasons


def project_submit(*, owner, project: Project, origin: Origin = UNKNOWN_ORIGIN) -> Project:
    """Submit a draft (or a changed rejected project). Machine review runs at once:
    a refusal lists every reason and leaves the draft as it is; a pass sends it to
    the reviewers."""
    _assert_editable(project)
    reasons = machine_review(project, origin)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        _assert_editable(project)
        project.review_reasons = reasons
        if reasons:  # recorded, then refused once the record is committed
            project.save(update_fields=["review_reasons"])
            audit_record(actor=owner, action="project.machine_refused", obj=project, reason="; ".join(reasons))
        else:
            project.owner_kind = verified_identity(owner).kind
            if project.status == Project.Status.REJECTED:
                transition(project, Project.Status.DRAFT, actor=owner, reason="resubmitted", fields=("review_reasons", "owner_kind"))
            transition(project, Project.Status.IN_REVIEW, actor=owner, reason="machine review passed", fields=("review_reasons", "owner_kind"))
    if reasons:
        raise refuse(" ".join(reasons), "project.machine_review", reasons=reasons)
    return project


def project_review(*, staff, project: Project, approve: bool, reasons: list[str] = ()) -> Project:
    """A reviewer publishes the project (funding starts today and lasts its funding
    days) or rejects it with reasons the owner sees."""
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if not approve and not reasons:
        raise refuse(_("Say why the project is rejected."), "project.reason", "reason")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.status != Project.Status.IN_REVIEW:
            raise refuse(_("This project is not waiting for review."), "project.not_in_review")
        if approve:
            assert_category_open_to(project.owner, project.category)
            today = clock.business_date()
            project.published_on, project.deadline = today, today + dt.timedelta(days=project.duration_days - 1)
            project.review_reasons = []
            transition(project, Project.Status.FUNDING, actor=staff, reason="approved", fields=("published_on", "deadline", "review_reasons"))
            notify(user=project.owner, event="project.published", context={"project": project.title, "deadline": project.deadline.isoformat()})
        else:
            project.review_reasons = reasons
            transition(project, Project.Status.REJECTED, actor=staff, reason="; ".join(reasons), fields=("review_reasons",))
            notify(user=project.owner, event="project.rejected", context={"project": project.title, "reasons": "; ".join(reasons)})
    return project


def project_set_fee(*, staff, project: Project, fee_rate: Decimal | None) -> Project:
    """Override the platform fee of one project (None: back to the default), before
    it is settled."""
    if fee_rate is not None and not Decimal(0) <= fee_rate <= Decimal("0.2"):
        raise refuse(_("The fee is between 0 and 20 %."), "project.fee", "fee_rate")
    if project.status not in (*Project.EDITABLE, Project.Status.IN_REVIEW, Project.Status.FUNDING):
        raise refuse(_("The fee of a settled project cannot change."), "project.fee_settled")
    before = project.fee_rate
    project.fee_rate = fee_rate
    project.save(update_fields=["fee_rate"])
    audit_record(actor=staff, action="project.fee_set", obj=project, data={"from": str(before), "to": str(fee_rate)})
    return project


def category_save(*, staff, name: str, parent: Category | None = None, banned: bool = False, category: Category | None = None,
                  charity: bool = False) -> Category:
    """Create or change a category; `charity` marks a 公益 category (its subcategories
    follow it), open only to verified charity organisations."""
    if not (name or "").strip():
        raise refuse(_("Give the category a name."), "category.name", "name")
    check_length(name.strip(), Category, "name")
    if parent is not None and parent.parent_id is not None:
        raise refuse(_("Categories have two levels only."), "category.depth", "parent")
    category = category or Category()
    category.name, category.parent, category.banned, category.charity = name.strip(), parent, banned, charity
    category.save()
    audit_record(actor=staff, action="category.saved", obj=category, data={"name": category.name, "banned": banned, "charity": charity})
    return category
