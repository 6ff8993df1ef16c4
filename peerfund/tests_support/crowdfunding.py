"""Building crowdfunding projects the way an owner does: a draft filled in step by
step, submitted, approved by a reviewer."""
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from peerfund.core import clock


def png(name: str = "cover.png", size: tuple[int, int] = (64, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def subcategory(name: str = "智能硬件", top: str = "科技", banned: bool = False):
    from peerfund.crowdfunding.models import Category

    parent, _created = Category.objects.get_or_create(name=top, parent=None)
    category, _created = Category.objects.get_or_create(name=name, parent=parent, defaults={"banned": banned})
    return category


def next_month() -> dt.date:
    return clock.month_start(clock.business_date(), 1)


def draft_project(owner, *, goal_fen: int = 1_000_00, days: int = 10, tiers=((99_00, 2), (199_00, None)), title: str = "智能台灯",
                  allow_no_reward: bool = True, story: str = "<p>一盏会自动调光的台灯。</p>"):
    """A complete draft: every field machine review asks for, and rewards of (price,
    limit) — the first is shipped with a ¥10 fee, the rest ship free."""
    from peerfund.crowdfunding.services.projects import project_create, project_update, tier_save

    project = project_create(owner=owner, title=title)
    project_update(
        owner=owner, project=project, cover=png(), summary="会自动调光的护眼台灯", category=subcategory(), story=story, goal_fen=goal_fen,
        duration_days=days, allow_no_reward=allow_no_reward, risk_statement="量产可能延期；延期超过两个月可申请退款。",
    )
    for number, (price, limit) in enumerate(tiers):
        tier_save(owner=owner, project=project, title=f"回报{number + 1}", description="台灯一盏", price_fen=price, limit=limit,
                  delivery_month=next_month(), needs_shipping=True, shipping_fee_fen=10_00 if number == 0 else 0)
    return project


def published_project(owner, reviewer, **draft):
    from peerfund.crowdfunding.services.projects import project_review, project_submit

    project = project_submit(owner=owner, project=draft_project(owner, **draft))
    return project_review(staff=reviewer, project=project, approve=True)


def address_of(user, province: str = "浙江"):
    from peerfund.accounts.services.addresses import address_save

    return address_save(user=user, recipient="张三", phone="13800138000", province=province, city="杭州", street="文三路 1 号")


def release_due_payouts(maker, checker) -> int:
    """Two finance staff release every payout that is due (maker–checker)."""
    from peerfund.backoffice.approvals import approval_decide, approval_request
    from peerfund.backoffice.models import ApprovalRequest
    from peerfund.crowdfunding.models import Payout

    due = list(Payout.objects.filter(status=Payout.Status.DUE).order_by("id"))
    for payout in due:
        request = approval_request(staff=maker, kind=ApprovalRequest.Kind.PAYOUT_RELEASE, target_id=payout.pk, reason="due under the payout plan")
        approval_decide(staff=checker, request=request, approve=True)
    return len(due)
