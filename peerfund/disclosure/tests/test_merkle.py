"""The Merkle sum tree and its verifier (stdlib only): every leaf's proof verifies,
any change to a figure, a sibling or the published total is caught."""
import copy
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from peerfund.disclosure import merkle

MERKLE_PY = Path(merkle.__file__)


def _proof(users: list[tuple[int, int, int]], index: int) -> dict:
    leaves = [(uid, f"n{uid}", merkle.account_ref(uid, f"n{uid}"), b, c) for uid, b, c in users]
    tree = merkle.levels([merkle.leaf(account, b, c) for _uid, _n, account, b, c in leaves])
    uid, nonce, account, balance, claims = leaves[index]
    return {
        "algorithm": merkle.ALGORITHM, "business_date": "2026-11-25", "root": tree[-1][0][0].hex(), "total_fen": tree[-1][0][1],
        "leaf": {"user_id": uid, "nonce": nonce, "account": account, "balance_fen": balance, "claims_fen": claims},
        "path": merkle.path(tree, index),
    }


amounts = st.integers(min_value=0, max_value=10**12)
people = st.lists(st.tuples(amounts, amounts), min_size=1, max_size=40)


@given(people=people, data=st.data())
def test_every_users_proof_verifies_and_sums_to_the_total(people, data):
    users = [(n + 1, b, c) for n, (b, c) in enumerate(people)]
    index = data.draw(st.integers(min_value=0, max_value=len(users) - 1))
    proof = _proof(users, index)
    assert merkle.verify(proof)[0]
    assert proof["total_fen"] == sum(b + c for _u, b, c in users)


@given(people=people.filter(lambda p: len(p) > 1), data=st.data())
def test_a_changed_figure_or_total_is_caught(people, data):
    users = [(n + 1, b, c) for n, (b, c) in enumerate(people)]
    proof = _proof(users, data.draw(st.integers(min_value=0, max_value=len(users) - 1)))
    for change in ("balance", "total", "sibling"):
        bad = copy.deepcopy(proof)
        if change == "balance":
            bad["leaf"]["balance_fen"] += 1
        elif change == "total":
            bad["total_fen"] -= 1
        else:
            bad["path"][0]["sum"] += 1
        assert not merkle.verify(bad)[0], change


def test_a_negative_sibling_cannot_hide_liabilities():
    proof = _proof([(1, 500, 0), (2, 300, 0)], 0)
    proof["path"][0]["sum"] = -300
    ok, why = merkle.verify(proof)
    assert not ok and "negative" in why


def test_the_verifier_runs_with_nothing_but_the_standard_library(tmp_path):
    import json

    path = tmp_path / "proof.json"
    path.write_text(json.dumps(_proof([(1, 10_000, 5_000), (2, 7, 0), (3, 0, 99)], 2)))
    result = subprocess.run([sys.executable, "-I", "-S", str(MERKLE_PY), str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("OK included"), result.stderr
