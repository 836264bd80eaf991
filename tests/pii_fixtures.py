"""Set-based test fixtures and encrypted columns (portal.pii): households inserted by SQL get their bank
accounts sealed here, one UPDATE per chunk (the account is ``62220202`` and the head's person id in 11 digits,
what the fixtures used to write in plain text)."""

from django.db import connection

from portal import pii


def seal_household_accounts(head_lo: int, head_hi: int, chunk: int = 2000) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT id, head_id FROM assistance_household WHERE head_id BETWEEN %s AND %s ORDER BY id",
                    [head_lo, head_hi])
        rows = cur.fetchall()
        for i in range(0, len(rows), chunk):
            values = [(pk, *pii.seal(pii.ACCOUNT, f"62220202{head:011d}")) for pk, head in rows[i:i + chunk]]
            cur.execute(
                "UPDATE assistance_household t SET bank_account_hmac = v.mac, bank_account_enc = v.enc,"
                " bank_account_masked = v.masked"
                f" FROM (VALUES {', '.join(['(%s, %s, %s::bytea, %s)'] * len(values))}) AS v(id, mac, enc, masked)"
                " WHERE t.id = v.id", [x for v in values for x in v])
    return len(rows)
