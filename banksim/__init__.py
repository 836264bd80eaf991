"""Bank simulator: a separate process that plays the bank in the batch-disbursement (代发) file exchange,
so the portal's payouts are proven by the counterparty's own books.  Standard library only.

The exchange (the contract the portal implements)
=================================================

One root folder ``ROOT`` (e.g. ``var/bank``), created if missing:

``ROOT/outbox/``
    The portal drops disbursement files here: it writes ``NAME.csv.part`` and renames it to
    ``NAME.csv``.  The bank ignores anything not ending in ``.csv``.  File names are unique forever:
    a name the bank has seen (in its ``files`` table) is never processed again.
``ROOT/inbox/``
    The bank writes ``NAME.result.csv`` for ``NAME.csv`` here, atomically (``.part``, fsync, rename).
    If the bank dies between the rename and marking the file answered, the same bytes are written
    again after restart, so reading a result must be idempotent.
``ROOT/bank.sqlite3``
    The bank's ledger (WAL).  Only the bank writes it; anyone else opens it read-only
    (:func:`banksim.ledger.open_ledger`) to check "paid exactly once".
``ROOT/config.json``
    Optional, re-read on every poll::

        {"delay_seconds": 0.0, "closed_account_suffixes": ["7"],
         "name_mismatch_suffixes": ["9"], "paused": false}

    Suffixes match the END of the account number.  ``paused: true`` = pick up no new file
    (results of files already booked are still written when due).  An invalid file is ignored
    with a warning (the previous config stays in force).
``ROOT/serve.json``, ``ROOT/banksim.log``
    Written by ``serve`` (its pid and status-server URL) and by :class:`banksim.testing.BankProcess`.

Disbursement file ``NAME.csv`` (UTF-8, no BOM, CSV, ``\\n`` line ends; ``\\r\\n`` accepted)::

    H,<NAME>,<detail count>,<total amount yuan, 2 decimals>
    D,<reference>,<account number>,<account holder name>,<amount yuan, 2 decimals>
    D,...

* NAME: ``[A-Za-z0-9][A-Za-z0-9_.-]{0,127}``, equal to the file name without ``.csv``.
* reference: ``[A-Za-z0-9][A-Za-z0-9_.-]{0,63}``; account: 6-32 digits; holder: non-empty, no
  leading/trailing blanks, no control characters, at most 100 characters (quoted CSV if it has a comma).
* amount: ``0.01`` .. ``999999999999.99``, canonical: digits, a dot, exactly two decimals, no sign, no
  leading zeros (``800.00``, ``0.01``).  The header count and total must equal the D rows.  A file
  needs at least one D row.  No blank lines.
* :func:`banksim.files.write_disbursement` writes exactly this format (use it on the portal side).

Result file ``NAME.result.csv`` (same encoding; read it with :func:`banksim.files.read_result`)::

    H,<NAME>,<detail count>,<paid count>,<paid total yuan>,<failed count>,<failed total yuan>
    D,<reference>,<account number>,<amount yuan>,<S|F>,<code>,<message in Chinese>

One D row per D row of the disbursement file, same order, echoing that row's reference, account and
amount.  paid = rows with ``S``, failed = rows with ``F``; detail count = paid + failed.

====  ======  ============================================================================
code  status  meaning / message
====  ======  ============================================================================
0000  S       paid; "成功"
1001  F       closed account; "账户已销户"; nothing credited
1002  F       holder name does not match the account; "户名不符"; nothing credited
2001  S or F  duplicate reference: received before (in this or another file).  NOT paid again.
              The letter is the ORIGINAL outcome (S: the original row was paid, F: it failed);
              the message is "重复参考号，原交易于<YYYY-MM-DD HH:MM:SS>已处理，未重复入账（原结果：
              <original code> <original message>）", with "；原交易账号或金额与本行不同" before the
              closing bracket when this row's account or amount differ from the original.
9001  F       the whole file is refused (header count/total do not match the rows, malformed row,
              amount not a positive 2-decimal number, header name differs from the file name,
              BOM, not UTF-8, blank line, no rows).  Every row is F/9001 with message
              "整批拒绝：<reason, naming the line, e.g. 第3行金额须为两位小数的正数>", the header has
              zero paid, and nothing of the file is booked (its references stay unknown, so a
              corrected file under a new name is paid normally).  A row whose amount did not parse
              has an empty amount field; malformed rows may have empty reference/account fields.
====  ======  ============================================================================

Booking rules: an account is opened on first sight with the holder name of the file, unless its number
ends with a closed suffix (1001; the account is recorded as closed, and stays closed) or a
name-mismatch suffix (1002; no account opened).  Once an account exists, a row with another holder
name fails 1002; a closed account fails 1001.  Times are Beijing time (+08:00).

The bank's books (``bank.sqlite3``; money in integer fen everywhere)
=====================================================================

* ``accounts(number PK, holder, status 'open'|'closed', balance_fen, opened_at)``
* ``payments(reference PK, file, account, holder, amount_fen, status 'paid'|'failed', code, message,
  received_at, settled_at)`` -- one row per reference EVER, so a reference is paid at most once.
  settled_at is the booking time (the money moves when the file is booked).
* ``files(name PK, sha256, received_at, due_at, status 'received'|'answered'|'refused', detail_count,
  total_fen, refused_reason, answered_at)``
* ``file_rows(file, line, reference, account, amount_fen, duplicate)`` -- every detail line as received,
  so each result file can be rebuilt from the ledger alone.

Booking a file is ONE sqlite transaction (files row, file_rows, payments, balances).  Its result is
written once ``due_at = received_at + delay_seconds`` has passed.  Crash safety: died before the
commit -> nothing was booked and the file is processed from scratch on restart; died after the commit
-> the missing result is written on restart (at the original due_at).

Interfaces
==========

* ``python -m banksim serve --root ROOT [--poll 0.5] [--http 127.0.0.1:8765]`` -- the loop, plus
  (with --http, loopback only, port 0 = any) ``GET /payments/<reference>`` -> 200
  ``{"reference","status":"paid"|"failed","code","message","amount":"800.00","account","settled_at"}``
  or 404 ``{"status":"unknown"}``; ``GET /health`` -> ``{"ok": true}``; ``GET /ledger`` ->
  ``{"paid_count","paid_total":"…","accounts": n}``.  SIGTERM/SIGINT stop it cleanly.  One log line
  per booked file on stderr (no names, no account numbers).
* ``python -m banksim status --root ROOT REFERENCE`` -- that JSON (exit 1 if unknown).
* ``python -m banksim ledger --root ROOT`` -- the ledger summary JSON.
* Python: :mod:`banksim.ledger` (open_ledger, paid_total_fen, payments_by_reference,
  paid_count_per_account, balances_fen), :mod:`banksim.files` (write_disbursement, read_result),
  :class:`banksim.process.BankSimulator` (run_once, serve_forever),
  :class:`banksim.testing.BankProcess` (the bank as a subprocess, for fault tests).
"""
