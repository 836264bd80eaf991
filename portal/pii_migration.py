"""Encrypting a plain column of existing rows in place (used by the migrations that introduced
portal.pii): keyset pages of CHUNK rows, one short transaction each, so a large table is not locked
for the whole run and an interrupted run resumes where it stopped (rows already done have the HMAC)."""

import re

from django.db import connection, transaction

from . import pii

CHUNK = 5000


def encrypt_existing(table: str, plain: str, name: str, kind: str, *, last4: str | None = None,
                     chunk: int = CHUNK) -> int:
    """Fill ``<name>_hmac``, ``<name>_enc``, ``<name>_masked`` (and ``last4``) from the column ``plain``
    for rows whose HMAC is still NULL. Returns the number of rows written."""
    qn = connection.ops.quote_name
    done, last_id = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SELECT id, {qn(plain)} FROM {qn(table)} WHERE id > %s AND {qn(name + '_hmac')} IS NULL "
                        f"ORDER BY id LIMIT %s", [last_id, chunk])
            rows = cur.fetchall()
            if not rows:
                return done
            values = []
            for row_id, value in rows:
                mac, blob, masked = pii.seal(kind, value or "")
                values.append((row_id, mac, blob, masked, pii.normalize(kind, value or "")[-4:]))
            sets = f"{qn(name + '_hmac')} = v.mac, {qn(name + '_enc')} = v.enc, {qn(name + '_masked')} = v.masked"
            if last4:
                sets += f", {qn(last4)} = v.last4"
            if connection.vendor == "postgresql":  # one statement per chunk
                placeholders = ", ".join(["(%s, %s, %s::bytea, %s, %s)"] * len(values))
                cur.execute(f"UPDATE {qn(table)} t SET {sets} FROM (VALUES {placeholders}) "
                            f"AS v(id, mac, enc, masked, last4) WHERE t.id = v.id", [x for v in values for x in v])
            else:  # the embedded SQLite demo
                named = re.sub(r"v\.(\w+)", r"%(\1)s", sets)
                cur.executemany(f"UPDATE {qn(table)} SET {named} WHERE id = %(id)s",
                                [dict(zip(("id", "mac", "enc", "masked", "last4"), v, strict=True)) for v in values])
            done += len(rows)
            last_id = rows[-1][0]
