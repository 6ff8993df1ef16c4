"""The sandbox identity provider (公安身份核验 / 工商核验): answers like the real
services do, from a documented table of test identities.

- A listed identity with its listed name verifies.
- A listed ID number with another name fails `NAME_MISMATCH`.
- Any other (checksum-valid) ID number fails `NO_RECORD`.
The same rules hold for enterprises by unified social credit code.
"""
from dataclasses import dataclass

# Test persons: ID number -> name. Checksums are valid (python-stdnum).
TEST_PERSONS = {
    "110101199003071233": "李娜",
    "310104198805126541": "王伟",
    "440305199212213210": "张敏",
    "330106198507153337": "刘洋",
    "510107199108087744": "陈静",
    "320102200001011115": "赵磊",
    "420106199506304427": "孙丽",
    # Born 2010: under 18, refused by the platform's own age rule before any call.
    "110105201001010010": "钱小宝",
    # The demo's new investor (on no blacklist), whose first bid asks for consent.
    "330102199804201525": "周晓新",
    # Used by nobody: free for a newcomer signing up on the demo (docs/user-centre.md).
    # (Was 110108199605121011, whose check digit is wrong: it could never verify.)
    "110108199605121036": "吴晓明",
    "440106199308192026": "郑雨桐",
    "320106198711021612": "黄子豪",
}
# Test enterprises: credit code -> (company name, legal representative's ID number).
TEST_ENTERPRISES = {
    "91110000MA01ABCD1M": ("北京示范科技有限公司", "330106198507153337"),
    "91310115MA1H7XYW49": ("上海样例贸易有限公司", "510107199108087744"),
    "91440300MA5EQ8RT27": ("深圳测试制造有限公司", "320102200001011115"),
    # A charity organisation (慈善组织): a civil-affairs code, starting with 5.
    "531100005000012347": ("北京示范公益基金会", "110101199003071233"),
}


@dataclass(frozen=True)
class IdentityResult:
    ok: bool
    code: str
    ref: str = ""


class SandboxIdentityProvider:
    def check_person(self, *, name: str, id_number: str) -> IdentityResult:
        listed = TEST_PERSONS.get(id_number.upper())
        if listed is None:
            return IdentityResult(False, "NO_RECORD")
        if listed != name:
            return IdentityResult(False, "NAME_MISMATCH")
        return IdentityResult(True, "OK", ref=f"SBX-ID-{id_number[-6:]}")

    def check_enterprise(self, *, company_name: str, credit_code: str, legal_rep_id: str) -> IdentityResult:
        listed = TEST_ENTERPRISES.get(credit_code.upper())
        if listed is None:
            return IdentityResult(False, "NO_RECORD")
        if listed[0] != company_name:
            return IdentityResult(False, "NAME_MISMATCH")
        if listed[1] != legal_rep_id.upper():
            return IdentityResult(False, "LEGAL_REP_MISMATCH")
        return IdentityResult(True, "OK", ref=f"SBX-ENT-{credit_code[-6:]}")
