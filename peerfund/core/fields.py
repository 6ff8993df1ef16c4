"""Model fields for personal data: an encrypted text column and its blind index."""
from collections.abc import Callable

from django.db import models

from peerfund.core import crypto


def _column_context(field: models.Field) -> str:
    return f"{field.model._meta.label_lower}.{field.name}"


class EncryptedTextField(models.TextField):
    """Stores AES-GCM ciphertext; Python code sees the plaintext. Not searchable:
    pair it with a BlindIndexField for exact look-ups."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), context=_column_context(self))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=_column_context(self))


def _identity(value: str) -> str:
    return value


class BlindIndexField(models.CharField):
    """HMAC of the normalised value of `source`, filled on save. Look up with
    `Model.objects.filter(<field>=Model.<field>.field.index_of("value"))` or via
    `blind_index_for(Model, "field", value)`."""

    def __init__(self, *args, source: str = "", normalize: Callable[[str], str] = _identity, **kwargs):
        self.source = source
        self.normalize = normalize
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("editable", False), ("blank", True), ("db_index", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def index_of(self, value: str) -> str:
        return crypto.blind_index(self.normalize(value), purpose=f"{self.model._meta.label_lower}.{self.source}")

    def pre_save(self, model_instance, add):
        plaintext = getattr(model_instance, self.source)
        digest = self.index_of(plaintext) if plaintext else ""
        setattr(model_instance, self.attname, digest)
        return digest


def blind_index_for(model: type[models.Model], field_name: str, value: str) -> str:
    return model._meta.get_field(field_name).index_of(value)


def encrypted_columns() -> list[tuple[type[models.Model], list[str]]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def reencrypt_all_rows(*, batch_size: int = 500) -> int:
    """Re-encrypt every encrypted column with the primary key (after a key rotation).
    Decrypting needs the old key still in the ring; remove it only after this ran."""
    rewritten = 0
    for model, names in encrypted_columns():
        batch = []
        for obj in model._base_manager.only("pk", *names).iterator(chunk_size=batch_size):
            batch.append(obj)
            if len(batch) >= batch_size:
                model._base_manager.bulk_update(batch, names)
                rewritten += len(batch)
                batch = []
        if batch:
            model._base_manager.bulk_update(batch, names)
            rewritten += len(batch)
    return rewritten
