"""The daily close's debit of loans that pay every due instalment in full, written as
set-based SQL on PostgreSQL.

Most of a close's debits (all but a few, on a month-end) cover everything due, with no
penalty. Then nothing needs deciding row by row: allocating the whole of what is due
pays each instalment off, and the largest-remainder split of a total equal to the
sum of its weights gives each receivable exactly its weight, i.e. what it still
expects. For these loans the rows `repayment._pay_many` would write — repayments,
receivables, instalments, the collect, distribute and service fee entries with their postings
(each with the balance after it), the balances and the bank instructions mirroring
the entries — are written by INSERT … SELECT and UPDATE … FROM over staging tables,
in a fixed number of statements, without the rows passing through Python: the
benchmark's month-end debit runs about three times faster than loan by loan
(docs/performance.md).

A test writes the same book both ways and compares every row. Loans this path does
not take (a penalty or a partial payment, an instalment whose receivables do not add
up to it) go through `_pay_many`, and so does everything on SQLite.

The entries obey `chart.ENTRY_RULES` by construction: collect moves the borrower's
available balance into the loan's repayment account (same owner, one scope),
distribute moves that account's money but the service fee to investors' available
balances, and the service fee entry moves the instalments' fee (分期服务费) from it to
the platform's fee account. Balances
cannot go below zero: the borrower's debit was sized from their locked balance, the
repayment account receives before it pays, and investors only receive; the
accounts' CHECK constraint stands behind that.
"""
import datetime as dt
import json

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.custody.gateway import AVAILABLE
from peerfund.custody.models import CustodyAccount
from peerfund.custody.services import CustodyError, enqueue_instructions
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import ACCOUNT_RULES, AccountKind, EntryKind
from peerfund.lending.models import RepaymentInstalment

_OPEN = list(RepaymentInstalment.OPEN)

# What each open receivable of the loans' due instalments still expects.
_STAGE_SHARES = """
DROP TABLE IF EXISTS pf_debit_share;
CREATE TEMP TABLE pf_debit_share ON COMMIT DROP AS
SELECT inv.loan_id, inv.investor_id, r.id AS receivable_id, r.number,
       r.principal_fen - r.principal_received_fen AS principal, r.interest_fen - r.interest_received_fen AS interest
  FROM lending_investment inv
  JOIN lending_receivable r ON r.investment_id = inv.id AND r.status = ANY(%(open)s)
  JOIN lending_repaymentinstalment i ON i.loan_id = inv.loan_id AND i.number = r.number
 WHERE inv.loan_id = ANY(%(loans)s) AND i.status = ANY(%(open)s) AND i.due_date <= %(on)s;
ANALYZE pf_debit_share;
"""

# Loans with a due instalment this path cannot pay as is: a penalty owed, or
# receivables that do not add up to what the instalment still owes.
_UNFIT = """
SELECT DISTINCT i.loan_id
  FROM lending_repaymentinstalment i
  LEFT JOIN (SELECT loan_id, number, SUM(principal) AS principal, SUM(interest) AS interest
               FROM pf_debit_share GROUP BY loan_id, number) s ON s.loan_id = i.loan_id AND s.number = i.number
 WHERE i.loan_id = ANY(%(loans)s) AND i.status = ANY(%(open)s) AND i.due_date <= %(on)s
   AND (i.penalty_fen <> i.penalty_paid_fen OR s.loan_id IS NULL
        OR s.principal <> i.principal_fen - i.principal_paid_fen OR s.interest <> i.interest_fen - i.interest_paid_fen)
"""

# Each loan's total: what its receivables expect, plus the unpaid service fee of its
# due instalments (the platform's; no receivable carries it).
_STAGE_LOANS = """
DELETE FROM pf_debit_share WHERE loan_id = ANY(%(unfit)s);
DROP TABLE IF EXISTS pf_debit_loan;
CREATE TEMP TABLE pf_debit_loan ON COMMIT DROP AS
SELECT t.*, t.investors + t.fee AS amount
  FROM (SELECT s.loan_id, l.borrower_id, SUM(s.principal + s.interest) AS investors, SUM(s.interest) AS interest, SUM(s.principal) AS principal,
               (SELECT COALESCE(SUM(i.fee_fen - i.fee_paid_fen), 0) FROM lending_repaymentinstalment i
                 WHERE i.loan_id = s.loan_id AND i.status = ANY(%(open)s) AND i.due_date <= %(on)s)::bigint AS fee,
               NULL::bigint AS repayment_id, NULL::bigint AS collect_id, NULL::bigint AS distribute_id, NULL::bigint AS fee_id,
               NULL::bigint AS escrow_id, NULL::bigint AS balance_id
          FROM pf_debit_share s JOIN lending_loan l ON l.id = s.loan_id
         GROUP BY s.loan_id, l.borrower_id) t;
ANALYZE pf_debit_loan;
"""

_PAY_OFF = """
UPDATE lending_receivable r
   SET principal_received_fen = r.principal_fen, interest_received_fen = r.interest_fen, status = 'received', received_on = %(on)s
  FROM pf_debit_share s WHERE r.id = s.receivable_id;
UPDATE lending_repaymentinstalment
   SET principal_paid_fen = principal_fen, interest_paid_fen = interest_fen, fee_paid_fen = fee_fen, status = 'paid', paid_on = %(on)s
 WHERE loan_id IN (SELECT loan_id FROM pf_debit_loan) AND status = ANY(%(open)s) AND due_date <= %(on)s;
WITH made AS (
  INSERT INTO lending_repayment (loan_id, key, source, amount_fen, penalty_fen, interest_fen, principal_fen, fee_fen, service_fee_fen, business_date, created_at)
  SELECT loan_id, %(key)s, %(source)s, amount, 0, interest, principal, 0, fee, %(on)s, %(now)s FROM pf_debit_loan ORDER BY loan_id
  RETURNING id, loan_id)
UPDATE pf_debit_loan d SET repayment_id = made.id FROM made WHERE d.loan_id = made.loan_id;
"""

# Each loan's repayment account (opened on its first repayment) and the borrowers' and
# investors' available accounts (open already: they hold or held money).
_ACCOUNTS = """
INSERT INTO ledger_account (kind, owner_id, scope, balance_fen, may_go_negative, created_at)
SELECT %(escrow_kind)s, borrower_id, 'loan:' || loan_id, 0, %(escrow_negative)s, %(now)s FROM pf_debit_loan ORDER BY loan_id
    ON CONFLICT (kind, owner_id, scope) WHERE owner_id IS NOT NULL DO NOTHING;
UPDATE pf_debit_loan d SET escrow_id = a.id
  FROM ledger_account a WHERE a.kind = %(escrow_kind)s AND a.owner_id = d.borrower_id AND a.scope = 'loan:' || d.loan_id;
UPDATE pf_debit_loan d SET balance_id = a.id
  FROM ledger_account a WHERE a.kind = %(available_kind)s AND a.owner_id = d.borrower_id AND a.scope = '';
"""

# Keys, refs and memos as repayment._entry_keys, fee_entry_key and _money_specs write
# them (the day's investor notice finds the entries by these keys); like there, no
# distribute entry when all of the money is fee, no fee entry when none is.
_ENTRIES = """
WITH made AS (
  INSERT INTO ledger_entry (kind, key, ref, business_date, memo, created_at)
  SELECT e.kind, e.prefix || %(key)s || ':' || d.loan_id, 'loan:' || d.loan_id, %(booked)s, %(source)s || ' repayment ' || d.repayment_id, %(now)s
    FROM pf_debit_loan d
   CROSS JOIN (VALUES (0, %(collect_kind)s, 'repay-collect:'), (1, %(distribute_kind)s, 'repay-distribute:'), (2, %(fee_kind)s, 'repay-fee:')) AS e(stage, kind, prefix)
   WHERE e.stage = 0 OR (e.stage = 1 AND d.investors > 0) OR (e.stage = 2 AND d.fee > 0)
   ORDER BY d.loan_id, e.stage
  RETURNING id, kind, ref)
UPDATE pf_debit_loan d SET collect_id = m.collect_id, distribute_id = m.distribute_id, fee_id = m.fee_id
  FROM (SELECT ref, MAX(id) FILTER (WHERE kind = %(collect_kind)s) AS collect_id, MAX(id) FILTER (WHERE kind = %(distribute_kind)s) AS distribute_id,
               MAX(id) FILTER (WHERE kind = %(fee_kind)s) AS fee_id
          FROM made GROUP BY ref) m
 WHERE m.ref = 'loan:' || d.loan_id;
"""

# The postings of the entries of every loan: the borrower's debit into the repayment
# account, out of it to each investor (their receivables' shares merged), and the
# service fee out of it to the platform's fee account.
_STAGE_POSTINGS = """
DROP TABLE IF EXISTS pf_debit_posting;
CREATE TEMP TABLE pf_debit_posting ON COMMIT DROP AS
SELECT loan_id, 0 AS stage, collect_id AS entry_id, balance_id AS account_id, -amount AS amount FROM pf_debit_loan
UNION ALL SELECT loan_id, 0, collect_id, escrow_id, amount FROM pf_debit_loan
UNION ALL SELECT loan_id, 1, distribute_id, escrow_id, -investors FROM pf_debit_loan WHERE investors > 0
UNION ALL SELECT loan_id, 2, fee_id, escrow_id, -fee FROM pf_debit_loan WHERE fee > 0
UNION ALL SELECT loan_id, 2, fee_id, %(fee_account)s, fee FROM pf_debit_loan WHERE fee > 0
UNION ALL
SELECT s.loan_id, 1, d.distribute_id, a.id, SUM(s.principal + s.interest)
  FROM pf_debit_share s
  JOIN pf_debit_loan d ON d.loan_id = s.loan_id
  JOIN ledger_account a ON a.kind = %(available_kind)s AND a.owner_id = s.investor_id AND a.scope = ''
 GROUP BY s.loan_id, d.distribute_id, a.id
HAVING SUM(s.principal + s.interest) <> 0;
ANALYZE pf_debit_posting;
"""

# Investors (or borrowers) whose money has no place at the bank: refuse, as custody does.
_UNLOCATED = """
SELECT COUNT(*) FROM (SELECT DISTINCT account_id FROM pf_debit_posting) p
  JOIN ledger_account a ON a.id = p.account_id
 WHERE a.kind = %(available_kind)s AND NOT EXISTS (SELECT 1 FROM custody_custodyaccount c WHERE c.owner_id = a.owner_id)
"""

# Locked in ascending id order, as ledger.accounts_lock does, so chunks cannot deadlock;
# then each posting carries its account's balance after it (entries in loan order,
# collect before distribute, as post_many applies them), and the balances move once.
_LOCK = "SELECT COUNT(*) FROM (SELECT id FROM ledger_account WHERE id IN (SELECT account_id FROM pf_debit_posting) ORDER BY id FOR UPDATE) locked"
_POST = """
INSERT INTO ledger_posting (entry_id, account_id, amount_fen, balance_after_fen)
SELECT p.entry_id, p.account_id, p.amount,
       a.balance_fen + SUM(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.loan_id, p.stage ROWS UNBOUNDED PRECEDING)
  FROM pf_debit_posting p JOIN ledger_account a ON a.id = p.account_id
 ORDER BY p.entry_id, p.account_id
"""
_MOVE_BALANCES = """
UPDATE ledger_account a SET balance_fen = a.balance_fen + d.delta
  FROM (SELECT account_id, SUM(amount) AS delta FROM pf_debit_posting GROUP BY account_id) d
 WHERE a.id = d.account_id AND d.delta <> 0
"""

# The bank instruction of each entry, as custody.mapping.instruction_for_legs builds it
# (its request number as custody.services._request_no derives it from the entry key):
# the collect entry one transfer into the platform's repayment escrow; the distribute
# entry one transfer per investor (in account order), a batch when there are several;
# the service fee entry one transfer from the repayment escrow to the fee account.
_INSTRUCTIONS = """
WITH piece AS (
  SELECT p.entry_id, p.stage, p.account_id, ABS(p.amount) AS amount, c.account_no
    FROM pf_debit_posting p
    JOIN ledger_account a ON a.id = p.account_id
    JOIN custody_custodyaccount c ON c.owner_id = a.owner_id
   WHERE a.kind = %(available_kind)s
 ), item AS (
  -- JSON text joined here and read as jsonb once: half the time of jsonb_build_object
  SELECT entry_id, account_id,
         '"from_account":' || CASE WHEN stage = 0 THEN TO_JSON(account_no)::text ELSE %(escrow_json)s END
         || ',"from_bucket":' || %(available_json)s
         || ',"to_account":' || CASE WHEN stage = 0 THEN %(escrow_json)s ELSE TO_JSON(account_no)::text END
         || ',"to_bucket":' || %(available_json)s || ',"amount_fen":' || amount AS body
    FROM piece
  UNION ALL
  SELECT fee_id, 0, '"from_account":' || %(escrow_json)s || ',"from_bucket":' || %(available_json)s
         || ',"to_account":' || %(fee_json)s || ',"to_bucket":' || %(available_json)s || ',"amount_fen":' || fee
    FROM pf_debit_loan WHERE fee > 0
), mirrored AS (
  SELECT entry_id, COUNT(*) AS pieces, STRING_AGG('{"type":"transfer",' || body || '}', ',' ORDER BY account_id) AS items,
         (ARRAY_AGG(body))[1] AS only
    FROM item GROUP BY entry_id
)
INSERT INTO custody_instruction (request_no, op, payload, ref, status, reason, entry_id, attempts, next_attempt_at,
                                 last_error, alerted, business_date, created_at)
SELECT 'MV-' || LEFT(ENCODE(SHA256(CONVERT_TO(e.key, 'UTF8')), 'hex'), 24),
       CASE WHEN m.pieces = 1 THEN 'transfer' ELSE 'batch_transfer' END,
       (CASE WHEN m.pieces = 1 THEN '{' || m.only || '}' ELSE '{"items":[' || m.items || ']}' END)::jsonb,
       LEFT(e.ref, 80), 'pending', '', e.id, 0, %(attempt_at)s, '', FALSE, e.business_date, %(now)s
  FROM mirrored m JOIN ledger_entry e ON e.id = m.entry_id
 ORDER BY e.id
RETURNING id
"""


def debit_in_full(*, loan_ids: list[int], on: dt.date, key: str, source: str) -> set[int]:
    """Pay everything due by `on` on these loans (locked by the caller, each
    borrower's balance checked to cover it), inside the caller's transaction. Returns
    the loans it did not pay, for `_pay_many`: on SQLite all of them."""
    if connection.vendor != "postgresql" or not loan_ids:
        return set(loan_ids)
    now = timezone.now()
    params = {
        "loans": list(loan_ids), "on": on, "open": _OPEN, "key": key, "source": str(source), "now": now,
        "booked": clock.business_date(), "attempt_at": clock.now(),
        "escrow_kind": AccountKind.BORROWER_REPAYMENT, "escrow_negative": ACCOUNT_RULES[AccountKind.BORROWER_REPAYMENT].may_go_negative,
        "available_kind": AccountKind.USER_AVAILABLE,
        "collect_kind": EntryKind.REPAYMENT_COLLECT, "distribute_kind": EntryKind.REPAYMENT_DISTRIBUTE, "fee_kind": EntryKind.LOAN_SERVICE_FEE,
        # locked already by the caller (loans_auto_debit), with the other accounts
        "fee_account": ledger.platform_account(AccountKind.PLATFORM_FEE).pk,
    }
    with connection.cursor() as cursor:
        # A chunk touches a small part of the receivables, through their indexes. At
        # the default cost of a random page read (4: spinning disks) the planner
        # prefers reading the whole table for every chunk (4 million rows on the
        # benchmark's book, five times slower); the rows it reads are cached, so say so.
        # An error rolls the setting back with the transaction.
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        left = _write(cursor, params, loan_ids)
        cursor.execute("RESET random_page_cost")
    return left


def _write(cursor, params: dict, loan_ids: list[int]) -> set[int]:
    cursor.execute(_STAGE_SHARES, params)
    cursor.execute(_UNFIT, params)
    unfit = [row[0] for row in cursor.fetchall()]
    cursor.execute(_STAGE_LOANS, {**params, "unfit": unfit})
    cursor.execute("SELECT COUNT(*) FROM pf_debit_loan")
    if not cursor.fetchone()[0]:
        return set(loan_ids)
    cursor.execute(_PAY_OFF, params)
    cursor.execute(_ACCOUNTS, params)
    cursor.execute(_ENTRIES, params)
    cursor.execute(_STAGE_POSTINGS, params)
    cursor.execute(_UNLOCATED, params)
    unlocated = cursor.fetchone()[0]
    platform_nos = dict(
        CustodyAccount.objects.filter(platform_code__in=[CustodyAccount.PlatformCode.REPAYMENT_ESCROW, CustodyAccount.PlatformCode.FEE])
        .values_list("platform_code", "account_no")
    )
    escrow_no, fee_no = platform_nos.get(CustodyAccount.PlatformCode.REPAYMENT_ESCROW), platform_nos.get(CustodyAccount.PlatformCode.FEE)
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pf_debit_loan WHERE fee > 0)")
    fee_owed = cursor.fetchone()[0]
    if unlocated or escrow_no is None or (fee_owed and fee_no is None):
        raise CustodyError(_("This account has no custody sub-account yet."), "custody.no_account")
    cursor.execute(_INSTRUCTIONS, {
        **params, "escrow_json": json.dumps(escrow_no), "fee_json": json.dumps(fee_no), "available_json": json.dumps(AVAILABLE),
    })
    enqueue_instructions([row[0] for row in cursor.fetchall()])
    # The money last: every chunk of a close shares most investors' accounts, which
    # stay locked from here to the commit.
    for statement in (_LOCK, _POST, _MOVE_BALANCES):
        cursor.execute(statement, params)
    return set(unfit)
