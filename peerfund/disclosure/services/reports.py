"""The monthly disclosure report: one table of rows, offered as PDF and Excel (and
CSV) by core.exports, so the files and the disclosure page show the same figures."""
from peerfund.disclosure.figures import DISCLOSED, MONTHLY_FLOWS

HEADER = ["项目 Item", "数值 Value"]


def monthly_rows(report: dict) -> list[list[str]]:
    """[label, shown value]: the stock figures at the month's last closed day, then
    the month's flows."""
    last = report["last"].figures
    return [[str(f.label), f.show(last)] for f in DISCLOSED] + [[str(f.label), f.show(report["sums"])] for f in MONTHLY_FLOWS]


def monthly_title(report: dict) -> str:
    return f"PeerFund 信息披露月报 Disclosure report {report['month']:%Y-%m}"


def monthly_subtitle(report: dict) -> str:
    return f"数据截至 As of {report['last'].business_date.isoformat()}"
