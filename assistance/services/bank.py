"""Money with a real bank: hand payments over in disbursement files, apply the bank's answers only when they
match what was handed over, ask the bank about payments it has not answered, and reconcile every batch
with the bank's own figures.

The lifecycle of a payment on the bank channel: pending → sent (handed over under a reference) → paid |
failed. A `sent` payment is never sent again, by the payout, the resume job or anyone: its answer comes
from the bank (a result file, or the status query by reference). Only a failed payment goes back to
pending (a re-issue), and its next hand-over is a new attempt with a new reference.

Sending a chunk is two steps so that a worker killed at any point loses nothing and sends nothing twice:
1. one transaction records the file (`BankFile`, status writing), the attempts with their references,
   amounts and accounts, and moves the payments to `sent`;
2. the file is rendered from those rows and put into the outbox under its unique name (at most once;
   an existing file is never overwritten), then marked `sent`.
A file left in `writing` (the worker died between the two) is delivered by the next run of the payout,
which is what the resume job starts.
"""

import hashlib
import logging
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from banksim import files as bank_files
from portal import pii
from portal.audit_actions import AuditAction as PortalAudit
from portal.dbrouter import money_path
from portal.money import yuan_str
from portal.permissions import Role, require
from portal.services import audit

from ..audit_actions import AuditAction
from ..channels import BankFileChannel
from ..models import BankFile, Batch, Payment, PaymentAttempt, Reconciliation
from .outcomes import apply_results, finish_if_done

log = logging.getLogger(__name__)

CHANNEL = BankFileChannel.name
OUTCOME = {"S": PaymentAttempt.Outcome.PAID, "F": PaymentAttempt.Outcome.FAILED}


def _test_pause(point: str) -> None:
    """Fault tests stop a worker at one point of a hand-over (ASSISTANCE_BANK_TEST_PAUSE = (point, seconds))."""
    pause = getattr(settings, "ASSISTANCE_BANK_TEST_PAUSE", None)
    if pause and pause[0] == point:
        time.sleep(pause[1])  # seconds (a test knob, not money)


# --------------------------------------------------------------------------- hand-over


@money_path
def send_chunk(*, batch: Batch, rows: list[dict], channel: BankFileChannel) -> BankFile | None:
    """Step 1 for one chunk of pending payments (dicts: id, name, payee_name, bank_account, amount, attempts), inside
    the caller's transaction holding the batch row lock. A payment the bank would refuse (no usable account,
    holder name or amount) fails at once with the reason: nothing is handed over for it. Returns the recorded file, or None when nothing was handed over."""
    now = timezone.now()
    bad = [(r["id"], PaymentAttempt.Outcome.FAILED, "", problem) for r in rows
           if (problem := channel.row_problem(account=r["bank_account"], holder=r["payee_name"] or r["name"],
                                              amount=r["amount"]))]
    if bad:
        apply_results(batch.pk, CHANNEL, bad)
    bad_ids = {b[0] for b in bad}
    rows = [r for r in rows if r["id"] not in bad_ids]
    if not rows:
        return None
    file_rows = [{"reference": f"{batch.pk}-{r['id']}-{r['attempts'] + 1}", "account": r["bank_account"],
                  "holder": r["payee_name"] or r["name"], "amount_fen": r["amount"]} for r in rows]
    name = channel.file_name(batch.pk, rows[0]["id"])
    data = channel.render(name, file_rows)
    bank_file = BankFile.objects.create(
        name=name, kind=BankFile.Kind.DISBURSEMENT, batch=batch, sha256=hashlib.sha256(data).hexdigest(),
        rows=len(rows), total=sum(r["amount"] for r in rows), status=BankFile.Status.WRITING)
    PaymentAttempt.objects.bulk_create([  # the account is encrypted again on the attempt (portal.pii)
        PaymentAttempt(payment_id=r["id"], channel=CHANNEL, outcome=PaymentAttempt.Outcome.SENT,
                       reference=f["reference"], amount=r["amount"], account=r["bank_account"],
                       holder=f["holder"], file=bank_file,
                       message=name, at=now)
        for r, f in zip(rows, file_rows, strict=True)])
    # the hand-over of full accounts to the bank: one audit row per file (its rows were decrypted for it)
    audit(actor=None, action=PortalAudit.PII_REVEAL, obj=bank_file, region_code=batch.region_id,
          after={"rows": len(rows)}, note=f"bank_account: {_('银行代发文件')} {name}")
    moved = Payment.objects.filter(id__in=[r["id"] for r in rows], status=Payment.Status.PENDING).update(
        status=Payment.Status.SENT, attempts=F("attempts") + 1, updated_at=now)
    if moved != len(rows):  # the caller holds the batch lock, so this cannot happen; refuse rather than guess
        raise RuntimeError(f"batch {batch.pk}: {len(rows) - moved} payments changed while being handed over")
    return bank_file


def _file_rows(bank_file: BankFile) -> list[dict]:
    """The recorded rows of a file, accounts decrypted for rendering it (the hand-over recorded with the
    file was audited when it was recorded)."""
    return [{"reference": ref, "account": pii.decrypt_for_file(pii.ACCOUNT, blob), "holder": holder,
             "amount_fen": amount}
            for ref, blob, holder, amount in PaymentAttempt.objects.filter(
                file=bank_file, outcome=PaymentAttempt.Outcome.SENT).order_by("id")
            .values_list("reference", "account_enc", "holder", "amount")]


@money_path
def deliver(*, bank_file: BankFile, channel: BankFileChannel | None = None) -> BankFile:
    """Step 2: put a recorded file into the outbox (once) and mark it sent. Safe to repeat."""
    channel = channel or BankFileChannel()
    if bank_file.status != BankFile.Status.WRITING:
        return bank_file
    data = channel.render(bank_file.name, _file_rows(bank_file))
    if hashlib.sha256(data).hexdigest() != bank_file.sha256:
        raise RuntimeError(f"{bank_file.name}: the recorded rows no longer render to the recorded file")
    _test_pause("before_write")
    channel.deliver(bank_file.name, data)
    _test_pause("after_write")
    BankFile.objects.filter(pk=bank_file.pk, status=BankFile.Status.WRITING).update(status=BankFile.Status.SENT)
    bank_file.status = BankFile.Status.SENT
    return bank_file


@money_path
def deliver_pending(*, batch_id: int) -> int:
    """Deliver every file of the batch left in `writing` (its worker died between the two steps)."""
    channel = BankFileChannel()
    files = list(BankFile.objects.filter(batch_id=batch_id, kind=BankFile.Kind.DISBURSEMENT,
                                         status=BankFile.Status.WRITING).order_by("id"))
    for bank_file in files:
        deliver(bank_file=bank_file, channel=channel)
    return len(files)


# --------------------------------------------------------------------------- answers


def _refuse(*, name: str, sha: str, batch: Batch | None, errors: list[str], source: str, actor,
            answers: str = "") -> BankFile:
    record = BankFile.objects.create(
        name=name, kind=BankFile.Kind.RESULT, batch=batch, sha256=sha, status=BankFile.Status.REFUSED,
        errors="\n".join(errors)[:20000], source=source, answers=answers,
        applied_by=actor if getattr(actor, "pk", None) else None)
    audit(actor=actor, action=AuditAction.BANK_RESULT_REFUSE, obj=record,
          region_code=batch.region_id if batch else "", after={"file": name, "errors": errors[:20]})
    log.warning("bank result file %s refused: %d problem(s)", name, len(errors))
    return record


def _check_rows(batch: Batch, disbursement: BankFile, header: dict, rows: list[dict]):
    """(to apply, errors): each row must match an attempt of that disbursement file by reference, amount
    and account; rows already settled with the same outcome change nothing; anything else is an error."""
    errors = []
    if header["detail_count"] != disbursement.rows:
        errors.append(_("回盘笔数 %(a)d 与代发文件笔数 %(b)d 不符。") % {"a": header["detail_count"], "b": disbursement.rows})
    sent = {a["reference"]: a for a in PaymentAttempt.objects.filter(
        file=disbursement, outcome=PaymentAttempt.Outcome.SENT).values(
        "reference", "amount", "account", "payment_id", "payment__status", "payment__attempts")}
    settled = dict(PaymentAttempt.objects.filter(
        reference__in=list(sent), outcome__in=[PaymentAttempt.Outcome.PAID, PaymentAttempt.Outcome.FAILED])
        .values_list("reference", "outcome"))
    apply, seen = [], set()
    for row in rows:
        n, ref = row["line"], row["reference"]
        attempt = sent.get(ref)
        if attempt is None or ref in seen:
            errors.append(_("第%(n)d行：参考号“%(r)s”不是该代发文件中的交易。") % {"n": n, "r": ref})
            continue
        seen.add(ref)
        if row["amount_fen"] is not None and row["amount_fen"] != attempt["amount"]:
            errors.append(_("第%(n)d行：金额 %(a)s 元与报盘金额 %(b)s 元不符。") % {
                "n": n, "a": yuan_str(row["amount_fen"]), "b": yuan_str(attempt["amount"])})
            continue
        if row["account"] and row["account"] != attempt["account"]:  # the stored account compares by HMAC
            errors.append(_("第%(n)d行：收款账号与报盘账号不符。") % {"n": n})
            continue
        outcome = OUTCOME[row["status"]]
        current_ref = f"{batch.pk}-{attempt['payment_id']}-{attempt['payment__attempts']}"
        if attempt["payment__status"] == Payment.Status.SENT and ref == current_ref:
            message = "" if outcome == PaymentAttempt.Outcome.PAID else f"{row['code']} {row['message']}"
            apply.append((attempt["payment_id"], outcome, ref, message))
        elif settled.get(ref) != outcome:
            errors.append(_("第%(n)d行：与该交易已入账的结果不一致。") % {"n": n})
    return apply, errors


@money_path
@transaction.atomic
def bank_result_file_apply(*, path: Path, actor=None, source: str = "exchange", record_name: str = "") -> BankFile:
    """Apply one result file. Every row is checked first; one bad row and the whole file is refused with
    the row numbers, nothing applied. A file seen before (same name) changes nothing. With an `actor`
    (a file uploaded by hand), only an approver of the batch's region who is not its maker may do it."""
    path = Path(path)
    name = record_name or path.name
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        header, rows = bank_files.read_result(path)
    except ValueError as exc:
        header, rows, parse_error = None, [], str(exc)
    else:
        parse_error = ""
    disbursement = BankFile.objects.filter(name=header["name"], kind=BankFile.Kind.DISBURSEMENT).first() \
        if header else None
    batch = disbursement.batch if disbursement else None
    if actor is not None:
        require(actor, roles={Role.APPROVER}, message=_("只有审批人员可以导入银行回盘文件。"))
        if batch is not None:
            require(actor, region=batch.region_id)
            require(actor, not_user=batch.created_by_id, message=_("制单人不能导入本批次的银行回盘文件。"))
    existing = BankFile.objects.filter(name=name).first()
    if existing is not None:
        return existing
    if parse_error:
        return _refuse(name=name, sha=sha, batch=None, errors=[parse_error], source=source, actor=actor)
    if disbursement is None:
        return _refuse(name=name, sha=sha, batch=None, source=source, actor=actor,
                       errors=[_("回盘文件对应的代发文件“%(n)s”不是本系统报出的。") % {"n": header["name"]}])
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    apply, errors = _check_rows(batch, disbursement, header, rows)
    if errors:
        return _refuse(name=name, sha=sha, batch=batch, errors=errors, source=source, actor=actor,
                       answers=disbursement.name)
    paid, failed = apply_results(batch.pk, CHANNEL, apply, from_status=Payment.Status.SENT)
    record = BankFile.objects.create(
        name=name, kind=BankFile.Kind.RESULT, batch=batch, sha256=sha, rows=len(rows),
        total=sum(r["amount_fen"] or 0 for r in rows), answers=disbursement.name, source=source,
        bank_paid_count=header["paid_count"], bank_paid_total=header["paid_total_fen"],
        bank_failed_count=header["failed_count"], bank_failed_total=header["failed_total_fen"],
        status=BankFile.Status.APPLIED if apply else BankFile.Status.DUPLICATE, applied_at=timezone.now(),
        applied_by=actor if getattr(actor, "pk", None) else None)
    BankFile.objects.filter(pk=disbursement.pk).update(status=BankFile.Status.ANSWERED)
    audit(actor=actor, action=AuditAction.BANK_RESULT_APPLY, obj=record, region_code=batch.region_id,
          after={"file": name, "answers": disbursement.name, "paid": paid, "failed": failed,
                 "unchanged": len(rows) - len(apply)})
    finish_if_done(batch, actor)
    return record


@money_path
def bank_results_fetch() -> list[BankFile]:
    """Read every result file in the inbox not seen before (the task `assistance.fetch_bank_results`)."""
    channel = BankFileChannel()
    known = set(BankFile.objects.filter(kind=BankFile.Kind.RESULT, name__in=[p.name for p in channel.results()])
                .values_list("name", flat=True))
    records = [bank_result_file_apply(path=p) for p in channel.results() if p.name not in known]
    for batch_id in {r.batch_id for r in records if r.batch_id}:
        batch_reconcile(batch_id=batch_id)  # the batch page shows where it stands against the bank now
    return records


@money_path
def bank_result_upload(*, batch: Batch, data: bytes, filename: str, actor) -> BankFile:
    """A result file handed over by hand (the exchange was down): kept beside the exchange, then applied
    with the same checks, by an approver of the region who is not the batch's maker."""
    require(actor, roles={Role.APPROVER}, region=batch.region_id, message=_("只有审批人员可以导入银行回盘文件。"))
    require(actor, not_user=batch.created_by_id, message=_("制单人不能导入本批次的银行回盘文件。"))
    base = Path(filename or "upload").name
    if not base.endswith(bank_files.RESULT_SUFFIX):
        raise ValidationError({"file": [_("回盘文件名应以 .result.csv 结尾（与银行回盘文件同名）。")]})
    stamp = f"{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    folder = BankFileChannel().uploads() / stamp  # kept as handed over, beside the exchange, never overwritten
    folder.mkdir(parents=True, exist_ok=True)
    path = bank_files.atomic_write_bytes(folder / base, data)
    return bank_result_file_apply(path=path, actor=actor, source="upload", record_name=f"upload-{stamp}-{base}"[:128])


# --------------------------------------------------------------------------- asking the bank


@money_path
def bank_query_unanswered(*, older_than: int | None = None, limit: int = 500) -> dict:
    """Ask the bank, by reference, about payments handed over longer ago than `older_than` seconds with no
    answer (the task `assistance.query_bank`). A paid/failed answer that matches what was handed over is
    applied; `unknown` leaves the payment `sent` (it is never sent again) and shows in reconciliation."""
    older_than = settings.ASSISTANCE_BANK_QUERY_AFTER if older_than is None else older_than
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than)
    channel = BankFileChannel()
    waiting = list(PaymentAttempt.objects.filter(
        outcome=PaymentAttempt.Outcome.SENT, channel=CHANNEL, at__lt=cutoff, payment__status=Payment.Status.SENT)
        .order_by("id").values("reference", "amount", "account", "payment_id", "payment__batch_id",
                               "payment__attempts")[:limit])
    counts = {"asked": 0, "applied": 0, "unknown": 0, "mismatch": 0}
    by_batch: dict[int, list] = {}
    for a in waiting:
        if a["reference"] != f"{a['payment__batch_id']}-{a['payment_id']}-{a['payment__attempts']}":
            continue
        counts["asked"] += 1
        answer = channel.query(a["reference"])
        if answer is None:
            counts["unknown"] += 1
            continue
        if bank_files.parse_yuan(answer["amount"]) != a["amount"] or answer.get("account") != a["account"]:
            counts["mismatch"] += 1
            log.warning("bank status of %s does not match what was handed over", a["reference"])
            continue
        outcome = PaymentAttempt.Outcome.PAID if answer["status"] == "paid" else PaymentAttempt.Outcome.FAILED
        message = "" if outcome == PaymentAttempt.Outcome.PAID else f"{answer.get('code', '')} {answer.get('message', '')}"
        by_batch.setdefault(a["payment__batch_id"], []).append((a["payment_id"], outcome, a["reference"], message))
    for batch_id, results in by_batch.items():
        with transaction.atomic():
            batch = Batch.objects.select_for_update().get(pk=batch_id)
            paid, failed = apply_results(batch_id, CHANNEL, results, from_status=Payment.Status.SENT)
            amounts = dict(Payment.objects.filter(id__in=[r[0] for r in results]).values_list("id", "amount"))
            paid_rows = [r for r in results if r[1] == PaymentAttempt.Outcome.PAID]
            failed_rows = [r for r in results if r[1] == PaymentAttempt.Outcome.FAILED]
            # the bank's answers, kept like a result file so reconciliation counts them on the bank's side
            record = BankFile.objects.create(
                name=f"QUERY-{batch_id:08d}-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}",
                kind=BankFile.Kind.RESULT, batch=batch, sha256="", source="query", rows=len(results),
                total=sum(amounts[r[0]] for r in results), status=BankFile.Status.APPLIED,
                applied_at=timezone.now(), bank_paid_count=len(paid_rows),
                bank_paid_total=sum(amounts[r[0]] for r in paid_rows), bank_failed_count=len(failed_rows),
                bank_failed_total=sum(amounts[r[0]] for r in failed_rows))
            audit(actor=None, action=AuditAction.BANK_QUERY_APPLY, obj=record, region_code=batch.region_id,
                  after={"paid": paid, "failed": failed})
            finish_if_done(batch)
        counts["applied"] += len(results)
    return counts


# --------------------------------------------------------------------------- reconciliation


def _figures(qs, amount_field: str) -> dict:
    row = qs.aggregate(n=Count("id"), s=Sum(amount_field))
    return {"count": row["n"], "amount": row["s"] or 0}


@money_path
def batch_reconcile(*, batch_id: int) -> Reconciliation:
    """The batch against the bank's own figures: handed over, paid, failed and unanswered, count and
    amount. The bank's side is what its result files' headers (and its status answers) said."""
    attempts = PaymentAttempt.objects.filter(payment__batch_id=batch_id, channel=CHANNEL)
    sent = attempts.filter(outcome=PaymentAttempt.Outcome.SENT)
    # NOT EXISTS (an anti-join), not NOT IN (subquery): PostgreSQL hashes a NOT IN subquery only while the
    # answered references fit in work_mem, and past that (a few hundred thousand) rescans them per reference
    answered = attempts.filter(outcome__in=[PaymentAttempt.Outcome.PAID, PaymentAttempt.Outcome.FAILED],
                               reference=OuterRef("reference")).exclude(reference="")
    portal = {
        "sent": _figures(sent, "amount"),
        "paid": _figures(attempts.filter(outcome=PaymentAttempt.Outcome.PAID).exclude(reference=""), "payment__amount"),
        "failed": _figures(attempts.filter(outcome=PaymentAttempt.Outcome.FAILED).exclude(reference=""),
                           "payment__amount"),
        "unanswered": _figures(sent.exclude(Exists(answered)), "amount"),
    }
    results = BankFile.objects.filter(batch_id=batch_id, kind=BankFile.Kind.RESULT, status=BankFile.Status.APPLIED)
    r = results.aggregate(n=Sum("rows"), s=Sum("total"), pc=Sum("bank_paid_count"), ps=Sum("bank_paid_total"),
                          fc=Sum("bank_failed_count"), fs=Sum("bank_failed_total"))
    unanswered = portal["unanswered"]
    bank = {
        "received": {"count": r["n"] or 0, "amount": r["s"] or 0},
        "paid": {"count": r["pc"] or 0, "amount": r["ps"] or 0},
        "failed": {"count": r["fc"] or 0, "amount": r["fs"] or 0},
    }
    problems = [key for key in ("paid", "failed") if portal[key] != bank[key]]
    answered = {"count": portal["paid"]["count"] + portal["failed"]["count"],
                "amount": portal["paid"]["amount"] + portal["failed"]["amount"]}
    if {"count": answered["count"] + unanswered["count"], "amount": answered["amount"] + unanswered["amount"]} \
            != portal["sent"]:
        problems.append("sent")
    return Reconciliation.objects.create(batch_id=batch_id, at=timezone.now(), balanced=not problems,
                                         portal=portal, bank=bank, problems=problems)


def batches_reconcile(*, days: int = 60) -> list[int]:
    """Reconcile every bank-channel batch handed over in the last `days` (the nightly task); returns the
    ids that do not balance, which the region's approvers see on their dashboard."""
    since = timezone.now() - timezone.timedelta(days=days)
    ids = list(Batch.objects.filter(channel=CHANNEL, approved_at__gte=since).exclude(
        status=Batch.Status.CANCELLED).values_list("id", flat=True))
    return [i for i in ids if not batch_reconcile(batch_id=i).balanced]


def unbalanced_batches(queryset):
    """Batches (of `queryset`) whose newest reconciliation does not balance."""
    latest = Reconciliation.objects.filter(batch=OuterRef("pk")).order_by("-id").values("balanced")[:1]
    return queryset.annotate(last_balanced=Subquery(latest)).filter(last_balanced=False)
