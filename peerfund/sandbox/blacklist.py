"""The sandbox external blacklist provider (e.g. a credit bureau's fraud list): a
documented set of listed ID numbers and phones, queried like a real provider."""
from dataclasses import dataclass

LISTED = {
    ("id_number", "420106199506304427"): "court enforcement list (失信被执行人)",
    ("phone", "+8613700000666"): "reported telecom fraud",
}


@dataclass(frozen=True)
class ExternalHit:
    kind: str
    reason: str


class SandboxBlacklistProvider:
    def lookup(self, *, id_number: str = "", phone: str = "") -> list[ExternalHit]:
        hits = []
        for kind, value in (("id_number", id_number), ("phone", phone)):
            reason = LISTED.get((kind, value)) if value else None
            if reason:
                hits.append(ExternalHit(kind, reason))
        return hits
