#!/usr/bin/env python3
"""PeerFund proof of liabilities: a Merkle sum tree over every user's money, and the
verifier for one user's inclusion proof. This file needs nothing but Python's
standard library, so anyone can read it, download it from the disclosure page and run

    python3 merkle.py my-proof.json

Algorithm `peerfund-merkle-sum-sha256-v1`:

- A user's leaf carries `account` = SHA-256 hex of "<user id>:<nonce>" (the nonce is
  fresh for every user and every day, so a leaf says nothing to anyone else), the
  user's balance and outstanding claims in fen, and their sum.
  leaf hash = SHA-256(0x00 ‖ "<account>|<balance_fen>|<claims_fen>" in UTF-8)
- A node's sum is the sum of its children's; its hash is
  SHA-256(0x01 ‖ left hash ‖ left sum ‖ right hash ‖ right sum), each sum as 16 bytes
  big-endian. On a level with an odd number of nodes the last one moves up unchanged.
- The root's hash and sum are published every day: the sum is the platform's total
  liabilities to its users. A proof is the path of siblings (hash, sum and side) from
  a leaf to the root; the verifier recomputes the root from the user's own figures,
  checks every sum is non-negative (a negative sibling could hide liabilities) and
  that it arrives at the published root and total.
"""
import hashlib
import json
import sys

ALGORITHM = "peerfund-merkle-sum-sha256-v1"
SUM_BYTES = 16


def account_ref(user_id: int, nonce: str) -> str:
    return hashlib.sha256(f"{user_id}:{nonce}".encode()).hexdigest()


def leaf(account: str, balance_fen: int, claims_fen: int) -> tuple[bytes, int]:
    digest = hashlib.sha256(b"\x00" + f"{account}|{balance_fen}|{claims_fen}".encode()).digest()
    return digest, balance_fen + claims_fen


def node(left: tuple[bytes, int], right: tuple[bytes, int]) -> tuple[bytes, int]:
    data = b"\x01" + left[0] + left[1].to_bytes(SUM_BYTES, "big") + right[0] + right[1].to_bytes(SUM_BYTES, "big")
    return hashlib.sha256(data).digest(), left[1] + right[1]


def levels(leaves: list[tuple[bytes, int]]) -> list[list[tuple[bytes, int]]]:
    """Every level of the tree, leaves first, root last."""
    if not leaves:
        return [[(hashlib.sha256(b"\x02empty").digest(), 0)]]
    tree = [list(leaves)]
    while len(tree[-1]) > 1:
        below, above = tree[-1], []
        for index in range(0, len(below) - 1, 2):
            above.append(node(below[index], below[index + 1]))
        if len(below) % 2:
            above.append(below[-1])
        tree.append(above)
    return tree


def path(tree: list[list[tuple[bytes, int]]], index: int) -> list[dict]:
    """The siblings from leaf `index` up to the root."""
    steps = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            digest, total = level[sibling]
            steps.append({"side": "left" if sibling < index else "right", "hash": digest.hex(), "sum": total})
        index //= 2
    return steps


def verify(proof: dict) -> tuple[bool, str]:
    """Check a proof as downloaded from the platform. Returns (ok, explanation)."""
    if proof.get("algorithm") != ALGORITHM:
        return False, f"unknown algorithm {proof.get('algorithm')!r}"
    mine = proof["leaf"]
    if account_ref(int(mine["user_id"]), mine["nonce"]) != mine["account"]:
        return False, "the leaf's account reference is not yours"
    if min(int(mine["balance_fen"]), int(mine["claims_fen"])) < 0:
        return False, "a negative amount in the leaf"
    current = leaf(mine["account"], int(mine["balance_fen"]), int(mine["claims_fen"]))
    for step in proof["path"]:
        sibling = (bytes.fromhex(step["hash"]), int(step["sum"]))
        if sibling[1] < 0:
            return False, "a negative sum in the path would hide liabilities"
        current = node(sibling, current) if step["side"] == "left" else node(current, sibling)
    if current[0].hex() != proof["root"]:
        return False, "the path does not lead to the published root"
    if current[1] != int(proof["total_fen"]):
        return False, "the root's sum is not the published total"
    return True, (
        f"included: your balance {int(mine['balance_fen']) / 100:.2f} and claims {int(mine['claims_fen']) / 100:.2f} yuan are part of "
        f"the total {int(proof['total_fen']) / 100:.2f} yuan published for {proof['business_date']} (root {proof['root']})"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: python3 {argv[0]} proof.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        ok, explanation = verify(json.load(handle))
    print(("OK " if ok else "FAILED ") + explanation)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
