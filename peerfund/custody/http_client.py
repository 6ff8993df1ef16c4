"""A custodian reached over HTTP: JSON requests signed with HMAC, signed replies.

This is the shape a real bank adapter takes; by default it points at the sandbox
bank's HTTP endpoints (PEERFUND_CUSTODIAN_URL). Network failures become
CustodianUnavailable so the outbox re-sends later.
"""
import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from peerfund.custody import signing
from peerfund.custody.gateway import CustodianUnavailable, Reply


class HttpCustodian:
    def __init__(self, base_url: str | None = None, timeout: int | None = None):
        self.base_url = (base_url or settings.PEERFUND_CUSTODIAN_URL).rstrip("/") + "/"
        self.timeout = timeout or settings.PEERFUND_CUSTODIAN_TIMEOUT

    def _call(self, op: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload, sort_keys=True).encode()
        request = urllib.request.Request(  # noqa: S310 (the configured custodian URL, http or https)
            self.base_url + op,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", signing.HEADER: signing.sign(body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                raw = response.read()
                signature = response.headers.get(signing.HEADER, "")
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise CustodianUnavailable(f"custodian answered {exc.code}") from exc
            raise ValueError(f"custodian refused the request: {exc.code} {exc.read()[:200]!r}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise CustodianUnavailable(str(exc)) from exc
        if not signing.verify(raw, signature):
            raise CustodianUnavailable("custodian reply has a bad signature")
        return json.loads(raw)

    def _reply(self, op: str, payload: dict[str, Any]) -> Reply:
        data = self._call(op, payload)
        return Reply(data["request_no"], data["status"], data.get("reason", ""), data.get("data", {}))

    def open_account(self, *, request_no, holder_ref, name):
        return self._reply("open_account", {"request_no": request_no, "holder_ref": holder_ref, "name": name})

    def deposit(self, *, request_no, account_no, amount_fen):
        return self._reply("deposit", {"request_no": request_no, "account_no": account_no, "amount_fen": amount_fen})

    def withdraw(self, *, request_no, account_no, bucket, amount_fen):
        return self._reply(
            "withdraw", {"request_no": request_no, "account_no": account_no, "bucket": bucket, "amount_fen": amount_fen}
        )

    def freeze(self, *, request_no, account_no, amount_fen):
        return self._reply("freeze", {"request_no": request_no, "account_no": account_no, "amount_fen": amount_fen})

    def unfreeze(self, *, request_no, account_no, amount_fen):
        return self._reply("unfreeze", {"request_no": request_no, "account_no": account_no, "amount_fen": amount_fen})

    def transfer(self, *, request_no, from_account, from_bucket, to_account, to_bucket, amount_fen):
        return self._reply(
            "transfer",
            {
                "request_no": request_no,
                "from_account": from_account,
                "from_bucket": from_bucket,
                "to_account": to_account,
                "to_bucket": to_bucket,
                "amount_fen": amount_fen,
            },
        )

    def batch_transfer(self, *, request_no, items):
        return self._reply("batch_transfer", {"request_no": request_no, "items": items})

    def query_account(self, *, account_no):
        return self._call("query_account", {"account_no": account_no})

    def authorise(self, *, request_no, account_no, scope, limit_fen):
        return self._reply("authorise", {"request_no": request_no, "account_no": account_no, "scope": scope, "limit_fen": limit_fen})

    def query_request(self, *, request_no):
        return self._reply("query_request", {"request_no": request_no})

    def daily_statement(self, *, business_date: dt.date):
        return self._call("daily_statement", {"business_date": business_date.isoformat()})
