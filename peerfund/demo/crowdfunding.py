"""The demo's crowdfunding history, written day by day inside the main simulation:
刘洋 runs a coffee-machine project that is funded (first payout made, rewards
shipped, one backer complaining); 陈静 a picture book that fails and releases its
pledges, a desk lamp funding now (questions answered, an update, visits) and a
project waiting for review; 示范公益基金会, a verified charity organisation (the only
kind of owner the 公益 categories take), a school-library project funding now. (陈静 gets no payout: her overdue loan stays overdue.) Everything goes through the services real users call."""
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from peerfund.accounts.models import User
from peerfund.accounts.services.addresses import address_save
from peerfund.backoffice.approvals import approval_decide, approval_request
from peerfund.backoffice.models import ApprovalRequest
from peerfund.core import clock
from peerfund.core.errors import ApplicationError
from peerfund.crowdfunding.models import Category, Pledge, Project
from peerfund.crowdfunding.services.community import comment_post, update_post, visit_count
from peerfund.crowdfunding.services.fulfilment import complaint_file, pledge_confirm, pledge_ship
from peerfund.crowdfunding.services.pledges import pledge_place
from peerfund.crowdfunding.services.projects import project_create, project_review, project_submit, project_update, tier_save

CATEGORIES = {
    "科技": ["智能硬件", "数码配件", "家居科技"],
    "文创": ["出版", "游戏", "影视"],
    "设计": ["生活方式", "服饰"],
    "公益": ["助学", "环保"],
}
BACKERS = ("lina", "wangwei", "zhangmin")
PROVINCES = {"lina": ("浙江", "杭州"), "wangwei": ("广东", "深圳"), "zhangmin": ("北京", "北京")}


def _cover(colour: tuple[int, int, int], title: str) -> SimpleUploadedFile:
    """A generated cover: the project's colour with light bands (no text, which would
    need a CJK font)."""
    image = Image.new("RGB", (800, 450), colour)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 60) for c in colour)
    for n in range(6):
        draw.ellipse((480 + n * 30 - 200, 40 + n * 20, 480 + n * 30 + 200, 440 + n * 20), outline=light, width=4)
    draw.rounded_rectangle((60, 300, 360, 380), radius=20, fill=light)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


def _categories() -> dict[str, Category]:
    found = {}
    for position, (top_name, children) in enumerate(CATEGORIES.items()):
        top = Category.objects.create(name=top_name, position=position, charity=top_name == "公益")  # 公益: charity organisations only
        for child_position, name in enumerate(children):
            found[name] = Category.objects.create(name=name, parent=top, position=child_position)
    Category.objects.create(name="彩票竞猜", parent=Category.objects.get(name="公益"), banned=True, position=9)
    return found


def _project(owner: User, reviewer: User | None, *, title: str, summary: str, category: Category, goal_fen: int, days: int, story: str,
             tiers: list[tuple[str, int, int | None, int]], colour: tuple[int, int, int]) -> Project:
    project = project_create(owner=owner, title=title)
    project_update(
        owner=owner, project=project, cover=_cover(colour, title), summary=summary, category=category, story=story, goal_fen=goal_fen,
        duration_days=days, allow_no_reward=True, video_url="https://example.com/video/demo",
        risk_statement="生产与物流可能延期；如延期超过两个月，支持者可在平台投诉，平台将按规则处理。",
    )
    for name, price, limit, months in tiers:
        tier_save(owner=owner, project=project, title=name, description=f"{name}一份，含包装与说明书。", price_fen=price, limit=limit,
                  delivery_month=clock.month_start(clock.business_date(), months), needs_shipping=True, shipping_fee_fen=1_000 if price < 20_000 else 0)
    project_submit(owner=owner, project=project)
    if reviewer is not None:
        project = project_review(staff=reviewer, project=project, approve=True)
    return project


def _back(backer: User, project: Project, amount: int | None, tier_index: int | None, key: str) -> None:
    tiers = list(project.tiers.all())
    tier = tiers[tier_index] if tier_index is not None else None
    try:
        pledge_place(backer=backer, project_id=project.pk, tier_id=tier.pk if tier else None, amount_fen=amount or tier.minimum_fen,
                     address_id=backer.addresses.first().pk, trade_password="246810", key=key)
    except ApplicationError:
        pass  # sold out, or not enough balance in this run: the simulated person moves on


class CrowdfundingDemo:
    """Called once per simulated day (before the evening close) by the main demo."""

    def __init__(self, users: dict[str, User], days: int, rng: random.Random):
        self.users, self.days, self.rng = users, days, rng
        self.projects: dict[str, Project] = {}

    def day(self, offset: int) -> None:
        users, rng = self.users, self.rng
        if offset == self.days:
            self.categories = _categories()
            for name in BACKERS:
                province, city = PROVINCES[name]
                address_save(user=users[name], recipient=users[name].display_name, phone=users[name].phone, province=province, city=city, street="示范路 88 号")
            self.projects["coffee"] = _project(
                users["liuyang"], users["ops"], title="口袋意式咖啡机", summary="手压萃取，随身带走一杯好咖啡", category=self.categories["生活方式"],
                goal_fen=300_000, days=8, colour=(120, 72, 40),
                story="<h3>为什么做它</h3><p>出差、露营也想喝一杯浓缩。我们花了两年，把 9 bar 压力装进 380 克的机身。</p><ul><li>纯手压，无需电源</li><li>食品级材料</li></ul>",
                tiers=[("早鸟版", 29_900, 20, 1), ("标准版", 39_900, None, 1), ("双人套装", 69_900, 10, 1)],
            )
            self.projects["book"] = _project(
                users["chenjing"], users["ops"], title="原创绘本《小鲸鱼回家》", summary="一本讲海洋保护的儿童绘本", category=self.categories["出版"],
                goal_fen=5_000_000, days=14, colour=(40, 110, 170),
                story="<p>一头小鲸鱼穿过塑料海洋回家的故事，32 页全彩精装。</p>", tiers=[("绘本一册", 8_800, None, 2), ("签名版", 15_800, 100, 2)],
            )
        coffee, book = self.projects.get("coffee"), self.projects.get("book")
        if coffee and offset in (self.days - 1, self.days - 3, self.days - 5, self.days - 6):
            for number, name in enumerate(BACKERS):
                if rng.random() < 0.8:
                    _back(users[name], coffee, None, rng.randrange(3), f"demo-coffee-{offset}-{number}")
        if book and offset in (self.days - 2, self.days - 9):
            _back(users[BACKERS[offset % 3]], book, 20_000, None, f"demo-book-{offset}")
        if coffee and offset == self.days - 16:
            self._release_first_payout(coffee)
        if coffee and offset == self.days - 18:
            self._ship_and_confirm(coffee)
        if offset == 12:
            self.projects["lamp"] = lamp = _project(
                users["chenjing"], users["ops"], title="会呼吸的护眼台灯", summary="随环境光自动调光的护眼台灯", category=self.categories["智能硬件"],
                goal_fen=800_000, days=30, colour=(60, 140, 90),
                story="<p>台灯会“呼吸”：根据环境光和你的作息，自动调节亮度与色温。</p><p>样机已通过 500 小时老化测试。</p>",
                tiers=[("早鸟价", 19_900, 5, 3), ("标准版", 25_900, None, 3), ("家庭三盏装", 69_900, 30, 4)],
            )
            question = comment_post(author=users["lina"], project=lamp, body="请问支持 Type-C 供电吗？", is_question=True)
            comment_post(author=users["chenjing"], project=lamp, body="支持，标配 Type-C 线。", parent=question)
            comment_post(author=users["wangwei"], project=lamp, body="期待，已支持！")
        if offset == 6:
            self.projects["school"] = school = _project(
                users["gongyi"], users["ops"], title="山区小学图书角", summary="为 12 所山区小学建图书角", category=self.categories["助学"],
                goal_fen=2_000_000, days=25, colour=(200, 120, 40),
                story="<p>每个图书角 300 本书、一个书架，由当地老师管理，每学期公开借阅数据。</p>",
                tiers=[("感谢明信片", 5_000, None, 2), ("捐建一个书架（铭牌致谢）", 100_000, 12, 3)],
            )
            _back(users["lina"], school, 50_000, None, "demo-school-lina")
            _back(users["wangwei"], school, None, 1, "demo-school-wangwei")
        lamp = self.projects.get("lamp")
        if lamp:
            for _ in range(rng.randrange(8, 30)):
                visit_count(project=lamp)
            if offset < 12 and rng.random() < 0.6:
                name = rng.choice(BACKERS)
                _back(users[name], lamp, None, rng.randrange(3), f"demo-lamp-{offset}")
            if offset == 5:
                update_post(owner=users["chenjing"], project=lamp, title="第二批样机到了", body="<p>第二批样机到了，色温更稳定。</p>", backers_only=False)
                comment_post(author=users["zhangmin"], project=lamp, body="能寄到海外吗？", is_question=True)

    def _release_first_payout(self, coffee: Project) -> None:
        """Maker–checker: finance asks for the due payout's release, admin approves."""
        payout = coffee.payouts.get(stage=1)
        request = approval_request(staff=self.users["finance"], kind=ApprovalRequest.Kind.PAYOUT_RELEASE, target_id=payout.pk, reason="T+7 payout")
        approval_decide(staff=self.users["admin"], request=request, approve=True)

    def _ship_and_confirm(self, coffee: Project) -> None:
        users = self.users
        pledges = list(coffee.pledges.filter(status=Pledge.Status.SETTLED).select_related("backer").order_by("id"))
        for number, pledge in enumerate(pledges):
            if number % 4 != 3:  # one in four still waits to be shipped
                pledge_ship(owner=users["liuyang"], pledge=pledge, carrier="顺丰速运", tracking_no=f"SF1{pledge.pk:011d}")
        shipped = [p for n, p in enumerate(pledges) if n % 4 != 3]
        if shipped:
            pledge_confirm(backer=shipped[0].backer, pledge=shipped[0])
        if len(shipped) > 1:
            complaint_file(backer=shipped[-1].backer, pledge=shipped[-1], text="收到的咖啡机压杆有裂纹，请处理。")

    def finish(self) -> None:
        """After the history: a project waiting for review and a draft."""
        users = self.users
        _project(users["chenjing"], None, title="露营折叠桌椅", summary="一秒展开的铝合金露营桌椅", category=self.categories["生活方式"],
                 goal_fen=1_000_000, days=20, colour=(90, 90, 60), story="<p>一秒展开，承重 120 公斤。</p>", tiers=[("单椅", 15_900, None, 2)])
        draft = project_create(owner=users["chenjing"], title="AR 编程积木（草稿）")
        project_update(owner=users["chenjing"], project=draft, summary="让孩子在桌面上学编程", category=self.categories["家居科技"])
