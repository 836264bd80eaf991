"""Helpers the services share (not services)."""

import re
import secrets

from django.utils import timezone

from portal.models import code_range

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 letters, no 0/O, 1/I
CODE_LENGTH = 16  # 80 random bits
ORG_CODE_RE = re.compile(r"[A-Z0-9]{6,20}")


def new_voucher_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_voucher_code(text: str) -> str | None:
    """A code as typed or scanned (spaces, dashes, lower case) in its stored form, or None if it cannot be one."""
    raw = re.sub(r"[\s\-]", "", (text or "")).upper()
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def region_within(inner: str, outer: str) -> bool:
    lo, hi = code_range(outer)
    return lo <= inner <= hi


def statement_number(prefix: str) -> str:
    return f"{prefix}{timezone.localdate():%Y%m%d}{secrets.token_hex(4).upper()}"
