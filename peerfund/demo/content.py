"""The demo's site content: announcements, news, help-centre articles and the newbie
guide, written and published by the operations account through the CMS services."""
from peerfund.accounts.models import User
from peerfund.cms.services import article_publish, article_save

ARTICLES = [
    ("announcement", "关于银行存管系统升级的公告", "存管银行将于本周日 02:00–04:00 升级系统，期间充值、提现暂停，投资与回款不受影响。", 0),
    ("announcement", "回报众筹频道上线", "平台回报众筹频道正式上线。支持资金在截止日前冻结于您本人的存管账户，**未达目标全额解冻**。", 0),
    ("news", "平台每日公布负债证明", "自本月起，平台每天日终公布全体用户资金与债权的默克尔和树根及总额，每位用户都可以下载自己的包含证明并独立验证。", 0),
    ("help", "如何充值和提现？", "1. 完成实名认证并绑定银行卡；\n2. 在“充值”页输入金额，跳转支付；\n3. 提现到账时间为 T+0 至 T+1，每笔手续费见信息披露页的收费标准。", 1),
    ("help", "什么是风险测评？", "出借前需完成风险承受能力测评，只能出借与您风险等级相符的产品（适当性管理）。测评一年有效。", 2),
    ("help", "How do I verify my inclusion in the published liabilities?", "Open **Information disclosure**, download your proof and the verifier, then run `python3 merkle.py proof.json`.", 3),
    ("guide", "开户：实名认证与绑卡", "注册后完成实名认证，平台为您在存管银行开立个人子账户；绑定本人银行卡后即可充值。", 1),
    ("guide", "出借：先测评，再分散", "完成风险测评后，在投资大厅按利率、期限、等级筛选借款，小额分散出借。出借有风险，本金不保证。", 2),
    ("guide", "支持众筹项目", "在众筹频道选择回报并支持；截止日前可取消，未达目标全额解冻，成功后按阶段放款给发起人。", 3),
    ("guide", "看懂信息披露", "信息披露页公布累计借贷、逾期率、前十大借款人集中度、收费标准和每日负债证明。", 4),
]


def content_publish(users: dict[str, User]) -> int:
    for kind, title, body, position in ARTICLES:
        article = article_save(staff=users["ops"], kind=kind, title=title, body_markdown=body, position=position)
        article_publish(staff=users["ops"], article=article, publish=True)
    return len(ARTICLES)
