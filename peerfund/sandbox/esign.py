"""The sandbox e-signature provider (电子签章): signs a document's hash for a signer
with its own key and can verify the signature, like a real CA-backed service."""
import hashlib
import hmac

from django.conf import settings


class SandboxESign:
    def _key(self) -> bytes:
        return hashlib.sha256(f"esign|{settings.PEERFUND_CUSTODY_SECRET}".encode()).digest()

    def sign(self, *, document_sha256: str, signer: str) -> str:
        return hmac.new(self._key(), f"{document_sha256}|{signer}".encode(), hashlib.sha256).hexdigest()

    def verify(self, *, document_sha256: str, signer: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(document_sha256=document_sha256, signer=signer), signature)
