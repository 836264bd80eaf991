"""Re-encrypt personal data under the current key (the first of PORTAL_PII_KEYS).

Walks every encrypted column (each model field of type portal.pii.SealedField) in keyset pages of
--chunk rows; each page is one short transaction that rewrites only rows whose ciphertext is still the
one it read (a concurrent edit wins), so the portal keeps running. Interrupted, it resumes: rows already
under the current key are skipped. The HMAC lookup columns do not change (PORTAL_PII_HMAC_KEY is not
rotated by this command). When it reports 0 rows left, the old key can be removed from PORTAL_PII_KEYS.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from portal import pii


def sealed_columns():
    for model in apps.get_models():
        for field in model._meta.local_fields:
            if isinstance(field, pii.SealedField):
                yield model._meta.db_table, f"{field.name}_enc", field.kind


class Command(BaseCommand):
    help = "Re-encrypt personal data not yet under the current PORTAL_PII_KEYS key, in chunks (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=5000)

    def handle(self, *args, chunk, **opts):
        current = pii.current_key_id()
        marker = bytes([len(current.encode())]) + current.encode()  # byte 2.. of a ciphertext: key id length, id
        qn = connection.ops.quote_name
        pg = connection.vendor == "postgresql"
        total = 0
        for table, column, kind in sealed_columns():
            done, last_id = 0, 0
            while True:
                with transaction.atomic(), connection.cursor() as cur:
                    if pg:
                        cur.execute(f"SELECT id, {qn(column)} FROM {qn(table)} WHERE id > %s AND length({qn(column)}) > 0"
                                    f" AND substring({qn(column)} from 2 for %s) <> %s ORDER BY id LIMIT %s",
                                    [last_id, len(marker), marker, chunk])
                    else:
                        cur.execute(f"SELECT id, {qn(column)} FROM {qn(table)} WHERE id > %s ORDER BY id LIMIT %s",
                                    [last_id, chunk])
                    rows = cur.fetchall()
                    if not rows:
                        break
                    last_id = rows[-1][0]
                    todo = [(pk, bytes(blob)) for pk, blob in rows if blob and bytes(blob)[1:1 + len(marker)] != marker]
                    for pk, blob in todo:
                        fresh = pii.encrypt(kind, pii.decrypt(kind, blob))
                        cur.execute(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s AND {qn(column)} = %s",
                                    [fresh, pk, blob])
                        done += max(cur.rowcount, 0)
                self.stdout.write(f"{table}.{column}: {done} rows re-encrypted (up to id {last_id})")
            self.stdout.write(f"{table}.{column}: {done} rows re-encrypted under key {current}")
            total += done
        self.stdout.write(self.style.SUCCESS(f"done: {total} rows re-encrypted under key {current}"))
