"""Personal data at rest: ID numbers, phones and bank accounts encrypted, with lookups that still work.

A protected value is kept in three (for ID numbers four) columns and never in plain text:

* ``<name>_hmac``   HMAC-SHA256 (hex) of the normalised value under PORTAL_PII_HMAC_KEY: exact lookups,
                    ``IN`` lists and uniqueness run on it. It is the column of the model field itself, so
                    ``Person.objects.filter(id_number="6101...")`` and ``filter(person__id_number=x)``
                    keep working: the field turns the value it is compared with into the HMAC.
* ``<name>_enc``    the ciphertext: ``version | key id | nonce | SM4-GCM(value) + tag`` (bytea).
* ``<name>_masked`` the form shown on pages (610112********1234, ******1234), read without decrypting.
* ``id_last4``      (ID numbers) the last four characters, indexed: how people read a number out.

The cipher is SM4 in GCM mode (GB/T 32907, the block cipher a Chinese assessor asks for; GCM makes it
authenticated) from the ``cryptography`` package. Keys come from the environment:
``PORTAL_PII_KEYS="k2:<base64 16 bytes>,k1:<base64>"`` (the first is current: new values are encrypted with
it; the others still decrypt, so ``manage.py rotate_pii_keys`` can re-encrypt at its own pace) and
``PORTAL_PII_HMAC_KEY``. The HMAC key is not rotated by that command (every lookup column would change at
once); replacing it means recomputing every ``_hmac`` column from the decrypted values.

Reading a full value is ``reveal(obj, "id_number", actor=..., reason=...)`` (one audit row), or
``decrypt_for_file`` for the rows of a file whose hand-over the caller audits once (the bank file).
Nothing else decrypts. A loaded model instance carries a ``Sealed`` value in the field: it compares equal to the plain
value it was made from, and its ``str`` is the masked form, so a template or a log line can never print
the full value by accident.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from . import idnumber

VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
CIPHER_NAME = "SM4-GCM"

ID = "id"
PHONE = "phone"
ACCOUNT = "account"
KINDS = (ID, PHONE, ACCOUNT)


# ---------------------------------------------------------------- keys


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    """``"k2:<b64>,k1:<b64>"`` → [(key id, 16-byte key), ...], the current key first."""
    keys = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, b64 = part.partition(":")
        if not sep or not kid or len(kid.encode()) > 16:
            raise ImproperlyConfigured("PORTAL_PII_KEYS: each key is <id>:<base64>, the id at most 16 characters")
        try:
            key = base64.b64decode(b64, validate=True)
        except ValueError:
            raise ImproperlyConfigured(f"PORTAL_PII_KEYS: key {kid!r} is not base64") from None
        if len(key) != 16:
            raise ImproperlyConfigured(f"PORTAL_PII_KEYS: key {kid!r} must be 16 bytes (SM4), not {len(key)}")
        keys.append((kid, key))
    return keys


@lru_cache(maxsize=4)
def _keyring(text: str) -> tuple[str, dict[str, bytes]]:
    keys = parse_keys(text)
    if not keys:
        raise ImproperlyConfigured("PORTAL_PII_KEYS is empty: personal data cannot be encrypted")
    return keys[0][0], dict(keys)


def keyring() -> tuple[str, dict[str, bytes]]:
    """(current key id, {key id: key})."""
    return _keyring(settings.PORTAL_PII_KEYS)


def current_key_id() -> str:
    return keyring()[0]


@lru_cache(maxsize=4)
def _hmac_key(text: str) -> bytes:
    if not text:
        raise ImproperlyConfigured("PORTAL_PII_HMAC_KEY is empty: personal data cannot be looked up")
    return text.encode()


def _mac_key() -> bytes:
    return _hmac_key(settings.PORTAL_PII_HMAC_KEY)


# ---------------------------------------------------------------- primitives


def normalize(kind: str, value: str) -> str:
    if kind == ID:
        return idnumber.normalize(value)
    return (value or "").strip().replace(" ", "")


def digest(kind: str, value: str) -> str:
    """The lookup column's value: HMAC-SHA256 of the normalised value (``""`` for an empty value)."""
    value = normalize(kind, value)
    if not value:
        return ""
    return hmac.new(_mac_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def mask(kind: str, value: str) -> str:
    value = normalize(kind, value)
    if not value:
        return ""
    if kind == ID:
        if len(value) == 18:
            return f"{value[:6]}{'*' * 8}{value[14:]}"
        return "*" * max(0, len(value) - 4) + value[-4:]
    if kind == PHONE:
        if len(value) >= 7:
            return value[:3] + "*" * (len(value) - 7) + value[-4:]
        return "*" * len(value)
    return "*" * max(0, len(value) - 4) + value[-4:]


def last4(value: str) -> str:
    return normalize(ID, value)[-4:]


def encrypt(kind: str, value: str, *, key_id: str | None = None) -> bytes:
    """Ciphertext of a normalised value under the current key (or ``key_id``); ``b""`` for an empty value."""
    value = normalize(kind, value)
    if not value:
        return b""
    current, keys = keyring()
    kid = key_id or current
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(keys[kid]), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(kind.encode())
    body = enc.update(value.encode()) + enc.finalize()
    kid_b = kid.encode()
    return bytes([VERSION, len(kid_b)]) + kid_b + nonce + body + enc.tag


def key_id_of(blob: bytes) -> str:
    blob = bytes(blob)
    return blob[2:2 + blob[1]].decode()


def decrypt(kind: str, blob) -> str:
    """The plain value of a ciphertext. Call through ``reveal``/``reveal_many``, which audit the read."""
    if not blob:
        return ""
    blob = bytes(blob)
    if blob[0] != VERSION:
        raise ValueError("unknown ciphertext version")
    n = blob[1]
    kid = blob[2:2 + n].decode()
    nonce = blob[2 + n:2 + n + NONCE_BYTES]
    body, tag = blob[2 + n + NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    keys = keyring()[1]
    if kid not in keys:
        raise ImproperlyConfigured(f"PORTAL_PII_KEYS lacks key {kid!r}, which encrypted stored data")
    dec = Cipher(algorithms.SM4(keys[kid]), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(kind.encode())
    return (dec.update(body) + dec.finalize()).decode()


def seal(kind: str, value: str) -> tuple[str, bytes, str]:
    """(hmac, ciphertext, masked) of a value: what a bulk writer (bench, imports by SQL) stores."""
    value = normalize(kind, value)
    return digest(kind, value), encrypt(kind, value), mask(kind, value)


# ---------------------------------------------------------------- the model field


class Sealed:
    """A stored protected value as loaded from the database: its HMAC, nothing that reveals it.

    Compares equal to the plain value it was made from (and to another Sealed of the same value);
    ``str()`` is the masked form when the instance knows it."""

    __slots__ = ("kind", "hmac", "masked")

    def __init__(self, kind: str, mac: str, masked: str = ""):
        self.kind, self.hmac, self.masked = kind, mac, masked

    def __eq__(self, other):
        if isinstance(other, Sealed):
            return self.hmac == other.hmac
        if isinstance(other, str):
            return self.hmac == digest(self.kind, other)
        return NotImplemented

    def __hash__(self):
        return hash(self.hmac)

    def __bool__(self):
        return bool(self.hmac)

    def __str__(self):
        return self.masked or ("*" * 8 if self.hmac else "")

    def __repr__(self):
        return f"<Sealed {self.kind} {self.masked or self.hmac[:8]}>"


class _SealedAttribute(DeferredAttribute):
    """Gives a loaded Sealed value its masked form (from the sibling column) so ``str()`` shows it."""

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed) and not value.masked and instance is not None:
            value.masked = instance.__dict__.get(f"{self.field.name}_masked") or ""
        return value

    def __set__(self, instance, value):  # a data descriptor, so reads always pass through __get__
        instance.__dict__[self.field.attname] = value


class SealedField(models.CharField):
    """The model attribute of a protected value; its column holds the HMAC (see the module docstring).

    Assign the plain value (``person.id_number = "6101..."``); saving (``save``, ``bulk_create``)
    fills ``<name>_enc``, ``<name>_masked`` (and ``id_last4`` for ID numbers), declared after this field.
    Only exact and ``in`` lookups exist."""

    descriptor_class = _SealedAttribute

    def __init__(self, *args, kind: str = ID, **kwargs):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        self.kind = kind
        kwargs["max_length"] = 64
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        # spelled out so PostgreSQL's schema editor adds no varchar_pattern_ops ("_like") index: an HMAC
        # is never searched by prefix
        return "character varying(64)"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        if not self.db_column:
            self.db_column = f"{name}_hmac"
        super().contribute_to_class(cls, name, *args, **kwargs)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        names = [f.name for f in self.model._meta.local_fields]
        needed = [f"{self.name}_enc", f"{self.name}_masked"]
        for sibling in needed:
            if sibling not in names or names.index(sibling) < names.index(self.name):
                errors.append(checks.Error(f"{self.model.__name__}.{self.name} needs a field {sibling} declared after it",
                                           obj=self, id="portal.E201"))
        return errors

    @property
    def last4_name(self) -> str:
        return "id_last4" if self.name == "id_number" else f"{self.name}_last4"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return Sealed(self.kind, value)

    def to_python(self, value):
        if value is None or isinstance(value, Sealed):
            return value
        return normalize(self.kind, str(value))

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.hmac
        return digest(self.kind, str(value))

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value is None or isinstance(value, Sealed):
            return value
        plain = normalize(self.kind, value)
        mac, blob, masked = digest(self.kind, plain), encrypt(self.kind, plain), mask(self.kind, plain)
        setattr(model_instance, f"{self.name}_enc", blob)
        setattr(model_instance, f"{self.name}_masked", masked)
        if self.kind == ID and any(f.name == self.last4_name for f in model_instance._meta.local_fields):
            setattr(model_instance, self.last4_name, plain[-4:])
        # the instance keeps the plain value it was given (this process had it anyway); an instance loaded
        # from the database holds a Sealed value instead
        return Sealed(self.kind, mac, masked)

    def run_validators(self, value):
        if isinstance(value, Sealed):  # unchanged since it was loaded: validated when it was written
            return
        super().run_validators(value)

    def validate(self, value, model_instance):
        if isinstance(value, Sealed):
            return
        super().validate(value, model_instance)

    def value_from_object(self, obj):
        """What a form shows as the current value: the masked form, never the full one."""
        value = getattr(obj, self.attname)
        if isinstance(value, Sealed):
            return getattr(obj, f"{self.name}_masked", "") or str(value)
        return value

    def value_to_string(self, obj):
        return str(self.value_from_object(obj) or "")

    def get_lookup(self, lookup_name):
        if lookup_name == "iexact":  # the admin's "=field" search: values are normalised, so exact on the HMAC
            lookup_name = "exact"
        if lookup_name not in ("exact", "in", "isnull"):
            return None
        return super().get_lookup(lookup_name)


# ---------------------------------------------------------------- reading full values


def masked(obj, name: str) -> str:
    return getattr(obj, f"{name}_masked", "") or ""


def _plain_of(obj, name: str) -> str:
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    if value is not None and not isinstance(value, Sealed):  # assigned in this process, not yet sealed
        return normalize(field.kind, value)
    return decrypt(field.kind, getattr(obj, f"{name}_enc"))


def reveal(obj, name: str, *, actor, reason: str, action: str | None = None, note: str = "") -> str:
    """The full value of ``obj.<name>`` for work that needs it; one audit row (who, what, why)."""
    from .audit_actions import AuditAction
    from .services import audit_read

    value = _plain_of(obj, name)
    audit_read(actor=actor, action=action or AuditAction.PII_REVEAL, obj=obj,
               note=(f"{name}: {reason}" + (f"; {note}" if note else ""))[:500])
    return value


def decrypt_for_file(kind: str, blob) -> str:
    """One row of a file whose hand-over the caller audits once (bank file, certificate)."""
    return decrypt(kind, blob)


def readable_fields(model, *, skip=()) -> list[str]:
    """A read-only admin page's fields: every column but the ciphertexts (bytes mean nothing to a reader;
    the sealed field itself shows its masked form)."""
    return [f.name for f in model._meta.fields if not isinstance(f, models.BinaryField) and f.name not in skip]
