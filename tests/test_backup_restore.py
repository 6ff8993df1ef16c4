"""Backups proven by restore (docs/backups.md): a real book — deposits, a disbursed loan
with its contracts, a repayment taken by the daily close, a crowdfunding pledge, a
closed day with its liabilities root and evidence chain — backed up by scripts/backup,
restored by scripts/restore into a new database and media folder, where the operator's
own commands (ledger_check, evidence_verify, backup_facts) find the books intact and
the liabilities root unchanged. A tampered backup, a rewritten manifest and an
existing database are refused without writing anything."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from peerfund.cob.services import close_run
from peerfund.contracts.models import Contract, EvidenceRecord
from peerfund.core import clock
from peerfund.crowdfunding.models import Pledge
from peerfund.crowdfunding.services.pledges import pledge_place
from peerfund.disclosure.management.commands.backup_facts import backup_facts
from peerfund.disclosure.models import LiabilityTree
from peerfund.lending.models import Repayment, RepaymentInstalment
from peerfund.lending.tests.conftest import disbursed_loan, full_loan, list_loan, product  # noqa: F401
from peerfund.tests_support.crowdfunding import address_of, published_project
from peerfund.tests_support.people import TRADE_PASSWORD, onboard

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
REPO = Path(settings.BASE_DIR)
KEY = "backup-signing-key-for-tests"


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone()[0] == 1


@pytest.fixture
def new_database():
    """Names for databases a restore may create; each is dropped afterwards."""
    names = []

    def name() -> str:
        names.append(f"pf_restore_{uuid.uuid4().hex[:10]}")
        return names[-1]

    yield name
    with connection._nodb_cursor() as cursor:
        for each in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{each}" WITH (FORCE)')


def _run(script: str, *args, var: Path, database: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    """A script or manage.py command as the operator runs it: the platform's own
    settings, the database and var folder (MEDIA_ROOT is var/media) given by environment."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": _url(database), "PEERFUND_VAR_DIR": str(var),
           "PEERFUND_CUSTODIAN": "inprocess"}
    env.pop("PEERFUND_BACKUP_KEY", None)
    if key:
        env["PEERFUND_BACKUP_KEY"] = key
    command = [sys.executable, str(REPO / script), *args] if script.startswith("scripts/") else [sys.executable, "manage.py", script, *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def _backup(tmp_path: Path) -> Path:
    done = _run("scripts/backup", str(tmp_path / "backups"), var=tmp_path / "var", database=connection.settings_dict["NAME"])
    assert done.returncode == 0, done.stderr
    [folder] = (tmp_path / "backups").iterdir()
    return folder


def _files(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def media_root(tmp_path, settings):
    """The platform's var/media, where scripts/backup finds it (PEERFUND_VAR_DIR=var)."""
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def book(media_root, disbursed_loan, investor, make_user, staff_with):  # noqa: F811
    """Deposits and a disbursed loan (contracts in the media folder, on the evidence
    chain), a pledge to a live crowdfunding project, and the loan's first due date
    closed: its instalment repaid by the close, the day's liabilities tree published."""
    maker = make_user(username="maker")
    onboard(maker, identity=2)
    project = published_project(maker, staff_with("operations", "reviewer"), days=60)
    tier = project.tiers.order_by("price_fen").last()
    pledge_place(backer=investor, project_id=project.pk, tier_id=tier.pk, amount_fen=tier.minimum_fen, address_id=address_of(investor).pk,
                 trade_password=TRADE_PASSWORD, key="pledge")
    due = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1).due_date
    clock.travel_to(due)
    close_run(on=due)
    return disbursed_loan


def test_a_backup_restores_into_a_new_database_with_the_books_intact(book, tmp_path, new_database):
    # The book is real: what the restore must bring back is there.
    tree = LiabilityTree.objects.get()
    assert Repayment.objects.filter(loan=book, source="auto").count() == 1
    assert Pledge.objects.count() == 1 and Contract.objects.exists() and EvidenceRecord.objects.count() >= 2
    source_media = _files(Path(settings.MEDIA_ROOT))
    assert any(name.startswith("contracts/") for name in source_media)

    folder = _backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["facts"] == backup_facts()
    assert manifest["facts"]["liabilities"]["root"] == tree.root
    assert manifest["database"]["name"] == connection.settings_dict["NAME"] and manifest["database"]["server_version"]
    assert manifest["media"]["files"] == len(source_media)
    for name in ("database.dump", "media.tar.gz"):
        assert manifest["files"][name]["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()

    restored, var = new_database(), tmp_path / "restored"
    done = _run("scripts/restore", str(folder), "--database-url", _url(restored), "--media-dir", str(var / "media"), var=var, database=restored)
    assert done.returncode == 0, done.stderr
    assert "facts unchanged" in done.stdout and tree.root in done.stdout
    assert _files(var / "media") == source_media

    # The operator's checks, run against the restored database and media folder.
    check = _run("ledger_check", var=var, database=restored)
    assert check.returncode == 0 and "all invariants hold" in check.stdout, check.stderr
    evidence = _run("evidence_verify", var=var, database=restored)
    assert evidence.returncode == 0 and "Evidence chain intact" in evidence.stdout, evidence.stderr
    # And the facts read straight from the restored tables, not through our command.
    with psycopg.connect(_url(restored)) as restored_connection:
        root, total = restored_connection.execute(
            "SELECT root, total_fen FROM disclosure_liabilitytree ORDER BY business_date DESC LIMIT 1").fetchone()
        entries, postings_sum = restored_connection.execute(
            "SELECT (SELECT count(*) FROM ledger_entry), (SELECT sum(amount_fen) FROM ledger_posting)").fetchone()
        balances = dict(restored_connection.execute("SELECT kind, sum(balance_fen) FROM ledger_account GROUP BY kind").fetchall())
    assert (root, total) == (tree.root, tree.total_fen)
    source = backup_facts()["ledger"]
    assert (entries, postings_sum) == (source["entries"], 0) and balances == source["balance_totals_fen"]


def test_a_tampered_backup_and_a_used_database_are_refused(book, tmp_path, new_database):
    folder = _backup(tmp_path)

    def restore(copy: Path, key: str | None = KEY) -> tuple[subprocess.CompletedProcess, str, Path]:
        target, media = new_database(), copy.parent / f"{copy.name}-media"
        return _run("scripts/restore", str(copy), "--database-url", _url(target), "--media-dir", str(media), var=tmp_path, database=target,
                    key=key), target, media

    def tampered(name: str, change) -> Path:
        copy = tmp_path / f"tampered-{name}"
        shutil.copytree(folder, copy)
        change(copy)
        return copy

    def flip_a_byte(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))

    def rewrite_manifest(copy: Path) -> None:
        """Someone who swapped the files also rewrote their hashes in the manifest —
        but could not sign it without the key."""
        flip_a_byte(copy / "database.dump")
        manifest = json.loads((copy / "manifest.json").read_text())
        manifest["files"]["database.dump"]["sha256"] = hashlib.sha256((copy / "database.dump").read_bytes()).hexdigest()
        (copy / "manifest.json").write_text(json.dumps(manifest))

    cases = {
        "dump": (lambda copy: flip_a_byte(copy / "database.dump"), "database.dump does not match its sha256"),
        "media": (lambda copy: (copy / "media.tar.gz").write_bytes((copy / "media.tar.gz").read_bytes()[:-10]),
                  "media.tar.gz is"),
        "manifest": (rewrite_manifest, "signature does not match"),
    }
    for name, (change, message) in cases.items():
        done, target, media = restore(tampered(name, change))
        assert done.returncode == 2 and message in done.stderr, (name, done.stderr)
        assert not _database_exists(target) and not media.exists(), f"{name}: a refused restore wrote something"

    # An intact backup is never restored over a database that holds anything.
    entries = backup_facts()["ledger"]["entries"]
    source = connection.settings_dict["NAME"]
    done = _run("scripts/restore", str(folder), "--database-url", _url(source), "--media-dir", str(tmp_path / "m"), var=tmp_path, database=source)
    assert done.returncode == 2 and f"database {source} already exists and is not empty" in done.stderr, done.stderr
    assert backup_facts()["ledger"]["entries"] == entries and not (tmp_path / "m").exists()
