"""Caseworker pages: thin views over the same services and selectors as the API.

A view says who may open the page at all (`staff_page`, `caseworker_page`); whether a write may happen
is the service's to decide (`portal.permissions.require`, a refusal is a 403), and its ValidationError
lands on the form (`portal.web.form_errors`) or in a message.
"""

import io
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal import pii
from portal.audit_actions import AuditAction as PortalAudit
from portal.pagination import page_of
from portal.permissions import CIVIL_STAFF, Role, allowed
from portal.scoping import restrict
from portal.selectors import scope_root
from portal.services import audit_read
from portal.templatetags.portal_tags import cn_date
from portal.web import form_errors, role_required

from . import documents, roster, selectors, services
from .channels import write_bank_file
from .filters import HouseholdFilter
from .forms import (
    AllocationForm,
    AssetForm,
    BankResultForm,
    BatchForm,
    BulkEnrolmentForm,
    EnrolmentActionForm,
    EnrolmentForm,
    HouseholdEditForm,
    HouseholdEnrolForm,
    HouseholdForm,
    IncomeItemForm,
    MeansTestForm,
    MemberAddForm,
    MemberFormSet,
    ReviewForm,
    RosterImportForm,
    SchemeForm,
)
from .models import Batch, Member, Payment, Scheme

PAGE_SIZE = 50

staff_page = role_required(*CIVIL_STAFF, message=gettext_lazy("您的角色无权访问社会救助业务。"))
caseworker_page = role_required(Role.CASEWORKER, message=gettext_lazy("只有经办人员可以办理此业务。"))


def _page(request, qs):
    return page_of(request, qs, PAGE_SIZE)


# --------------------------------------------------------------------------- households


@staff_page
def household_list(request):
    q = request.GET.get("q", "").strip()
    filterset = HouseholdFilter(request.GET, queryset=selectors.household_list(request.user, search=q))
    tally = filterset.tally_filters()
    count = None if tally is None else selectors.household_count(request.user, search=q, **tally)
    page = page_of(request, filterset.qs, PAGE_SIZE, count=count)
    return render(request, "assistance/household_list.html", {"page": page, "filter": filterset, "q": q,
                                                              "region_root": scope_root(request.user)})


@staff_page
def household_detail(request, pk):
    household = selectors.household_get(request.user, pk)
    enrolments = selectors.enrolment_list(request.user).filter(household=household).order_by("person_id", "-start")
    payments = selectors.restrict_payments(request.user).filter(household=household).select_related("scheme")[:50]
    members = list(selectors.household_members(household))
    hints = selectors.duplicate_hints([m.person for m in members if m.left_on is None])
    reveal = request.POST.get("reveal", "") if request.method == "POST" else ""
    for m in members:
        m.hints = hints.get(m.person_id, [])
        # "显示完整号码": a caseworker opens one member's full ID number on purpose; each opening is audited
        if reveal == str(m.pk):
            m.full_id = pii.reveal(m.person, "id_number", actor=request.user, reason=_("家庭详情：显示完整号码"))
    return render(request, "assistance/household_detail.html", {
        "household": household, "members": members, "enrolments": enrolments, "payments": payments,
        **selectors.household_monthly_view(request.user, household),
    })


@caseworker_page
def household_edit(request, pk):
    household = selectors.household_get(request.user, pk)
    form = HouseholdEditForm(request.POST or None, initial={"area": household.area, "address": household.address})
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(household=household, area=form.cleaned_data["area"],
                                      address=form.cleaned_data["address"],
                                      bank_account=form.cleaned_data["bank_account"] or household.bank_account,
                                      actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("家庭信息已更新。"))
            return redirect("assistance:household-detail", pk=pk)
    return render(request, "assistance/form.html", {"form": form, "title": _("编辑家庭信息")})


@caseworker_page
def member_add(request, pk):
    household = selectors.household_get(request.user, pk)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["move"]:
                services.member_move_by_id_number(id_number=data["id_number"], to_household=household,
                                                  relation=data["relation"], actor=request.user)
            else:
                if not data["name"]:
                    raise ValidationError({"name": [_("请填写姓名。")]})
                services.member_add(household=household, name=data["name"], id_number=data["id_number"],
                                    relation=data["relation"], actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("家庭成员已更新。"))
            return redirect("assistance:household-detail", pk=pk)
    return render(request, "assistance/form.html", {"form": form, "title": _("添加或迁入家庭成员")})


@caseworker_page
def household_create(request):
    form = HouseholdForm(request.POST or None, user=request.user)
    formset = MemberFormSet(request.POST or None, prefix="members", initial=[{"relation": "head"}])
    member_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        members = [fm.cleaned_data for fm in formset.forms if fm.cleaned_data and not fm.cleaned_data.get("DELETE")]
        try:
            household = services.household_create(
                region=form.cleaned_data["region"].code, area=form.cleaned_data["area"],
                address=form.cleaned_data["address"], bank_account=form.cleaned_data["bank_account"],
                locality=form.cleaned_data["locality"], phone=form.cleaned_data["phone"],
                members=members, actor=request.user,
            )
        except ValidationError as exc:
            form_errors(form, exc, fallback=member_errors)
        else:
            messages.success(request, _("家庭已登记。"))
            return redirect("assistance:household-detail", pk=household.pk)
    return render(request, "assistance/household_form.html",
                  {"form": form, "formset": formset, "member_errors": member_errors})


@caseworker_page
def roster_import(request):
    form = RosterImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = roster.roster_import(data=upload.read(), filename=upload.name, actor=request.user,
                                          only_valid=form.cleaned_data["only_valid"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if result.saved:
                messages.success(request, _("已导入 %(n)d 户家庭。") % {"n": result.created})
    return render(request, "assistance/roster_import.html", {"form": form, "result": result,
                                                             "headers": list(roster.HEADERS)})


# --------------------------------------------------------------------------- enrolments and schemes


@caseworker_page
def enrolment_create(request):
    member = None
    if request.GET.get("member", "").isdigit():
        member = restrict(Member.objects.filter(pk=request.GET["member"], left_on__isnull=True),
                          request.user).select_related("person").first()
    form = EnrolmentForm(request.POST or None)
    if member is not None:
        del form.fields["id_number"]  # the member's number is taken from the record, not shown in full
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if member is not None:
            data["id_number"] = member.person.id_number
        try:
            enrolment = services.enrolment_create(actor=request.user, **data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("救助对象认定已保存。"))
            return redirect("assistance:household-detail", pk=enrolment.household_id)
    title = _("新增救助对象认定")
    if member is not None:
        title = _("新增救助对象认定 · %(name)s %(id)s") % {"name": member.person.name, "id": member.person.masked_id}
    return render(request, "assistance/form.html", {"form": form, "title": title})


@staff_page
def enrolment_table(request):
    """Current members with their enrolments in force, names and masked ID numbers; a caseworker enrols,
    stops or ends the selected rows in one go (services.enrolments_create_bulk / enrolments_end_bulk)."""
    q = request.GET.get("q", "").strip()
    household = request.GET.get("household", "")
    household = int(household) if household.isdigit() else None
    form = BulkEnrolmentForm(request.POST or None)
    member_errors: list[str] = []
    if request.method == "POST":
        if not request.user.has_role(Role.CASEWORKER):
            raise PermissionDenied(_("只有经办人员可以办理此业务。"))
        selected = [v for v in request.POST.getlist("members") if v.isdigit()]
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "enrol":
                    done = len(services.enrolments_create_bulk(
                        member_ids=selected, category=data["category"], monthly_amount=data["monthly_amount"],
                        start=data["on"], actor=request.user))
                else:
                    done = services.enrolments_end_bulk(member_ids=selected, category=data["category"],
                                                        action=data["action"], on=data["on"],
                                                        reason=data["reason"], actor=request.user)
            except ValidationError as exc:
                form_errors(form, exc, rename={"start": "on", "end": "on"}, fallback=member_errors)
            else:
                messages.success(request, _("已办理 %(n)d 人：%(a)s。") % {
                    "n": done, "a": dict(form.fields["action"].choices)[data["action"]]})
                return redirect(request.get_full_path())
    page = _page(request, selectors.member_table(request.user, search=q, household=household))
    enrolments = selectors.current_enrolments([m.person_id for m in page.object_list])
    for m in page.object_list:
        m.current = enrolments.get(m.person_id, [])
    return render(request, "assistance/enrolment_table.html", {
        "page": page, "q": q, "household": household, "form": form, "member_errors": member_errors,
        "selected": set(request.POST.getlist("members")) if request.method == "POST" else set()})


@staff_page
def scheme_list(request):
    qs = selectors.scheme_list(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q)
    kind = request.GET.get("kind", "")
    if kind in Scheme.Kind.values:
        qs = qs.filter(kind=kind)
    return render(request, "assistance/scheme_list.html", {"page": _page(request, qs), "q": q, "kind": kind,
                                                           "kinds": Scheme.Kind.choices})


@staff_page
def funds(request):
    """Funds from the centre down: allocated, committed and paid per level (the execution dashboard), and
    allocating to a region below (the service decides who may)."""
    form = AllocationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_create(year=form.cleaned_data["year"], region=form.cleaned_data["region"].code,
                                       amount=form.cleaned_data["amount"], actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("资金已下拨。"))
            return redirect("assistance:funds")
    year = request.GET.get("year", "")
    rows = selectors.allocation_execution(request.user, year=int(year) if year.isdigit() else None)
    return render(request, "assistance/funds.html", {"rows": rows, "form": form, "year": year})


@caseworker_page
def scheme_create(request):
    form = SchemeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        campaign_name = data.pop("campaign")
        data["region"] = data["region"].code
        try:
            services.scheme_create(actor=request.user, campaign_name=campaign_name, **data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("救助项目已创建。"))
            return redirect("assistance:scheme-list")
    return render(request, "assistance/form.html", {"form": form, "title": _("新建救助项目")})


# --------------------------------------------------------------------------- batches


@staff_page
def deadlines(request):
    return render(request, "assistance/deadlines.html", {"progress": selectors.deadline_progress(request.user)})


@staff_page
def district_progress(request, scheme, region):
    scheme = selectors.scheme_get(request.user, scheme)
    return render(request, "assistance/district_progress.html",
                  selectors.district_progress(request.user, scheme, region))


@staff_page
def batch_list(request):
    qs = selectors.batch_list(request.user).order_by("-id")
    status = request.GET.get("status", "")
    if status in Batch.Status.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(scheme__name__icontains=q)
    return render(request, "assistance/batch_list.html", {"page": _page(request, qs), "status": status, "q": q,
                                                          "statuses": Batch.Status.choices})


@caseworker_page
def batch_create(request):
    form = BatchForm(request.POST or None, user=request.user, schemes=selectors.scheme_list(request.user),
                     initial={"scheme": request.GET.get("scheme")})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create(scheme=form.cleaned_data["scheme"], region=form.cleaned_data["region"].code,
                                          actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("批次已创建。"))
            deadline = form.cleaned_data["scheme"].deadline
            if deadline < timezone.localdate():
                messages.warning(request, _("注意：该救助项目的发放截止日期（%(d)s）已过，本批次属逾期发放，请在审批前核实。")
                                 % {"d": cn_date(deadline)})
            return redirect("assistance:batch-detail", pk=batch.pk)
    return render(request, "assistance/form.html", {"form": form, "title": _("新建发放批次")})


def _batch_context(request, batch):
    user = request.user
    can_approve = batch.status == Batch.Status.DRAFT and allowed(user, roles={Role.APPROVER},
                                                                  not_user=batch.created_by_id)
    return {
        "batch": batch,
        "can_approve": can_approve,
        "can_resubmit": batch.status == Batch.Status.RETURNED and user.has_role(Role.CASEWORKER)
        and (batch.created_by_id is None or batch.created_by_id == user.pk),
        "past_deadline": batch.status in (Batch.Status.BUILDING, Batch.Status.DRAFT, Batch.Status.RETURNED)
        and batch.scheme.deadline < timezone.localdate(),
        "can_cancel": batch.status in (Batch.Status.DRAFT, Batch.Status.RETURNED),
        "polling": batch.status in (Batch.Status.BUILDING, Batch.Status.APPROVED, Batch.Status.PAYING),
    }


@staff_page
def batch_detail(request, pk):
    batch = selectors.batch_get(request.user, pk)
    ctx = _batch_context(request, batch)
    if batch.status != Batch.Status.BUILDING:
        ctx["by_district"] = selectors.batch_totals_by_district(batch)
        ctx["by_category"] = selectors.batch_totals_by_category(batch)
    ctx["result_form"] = BankResultForm() if batch.status == Batch.Status.PAYING else None
    ctx.update(selectors.batch_bank_view(request.user, batch))
    return render(request, "assistance/batch_detail.html", ctx)


@staff_page
def account_changes(request):
    """Account changes waiting for a second person (approvers decide; the service says who may)."""
    if request.method == "POST":
        change = get_object_or_404(selectors.account_changes_pending(request.user), pk=request.POST.get("change"))
        try:
            services.account_change_decide(change=change, approve=request.POST.get("decision") == "approve",
                                           actor=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("账号变更已复核。"))
        return redirect("assistance:account-changes")
    page = page_of(request, selectors.account_changes_pending(request.user), PAGE_SIZE)
    return render(request, "assistance/account_changes.html", {"page": page})


@staff_page
def batch_progress(request, pk):
    """The small partial the detail page polls every second (htmx). When the status has moved on,
    the whole page reloads (HX-Refresh) to show the next step."""
    batch = selectors.batch_get(request.user, pk)
    response = render(request, "assistance/_batch_progress.html", _batch_context(request, batch))
    seen = request.GET.get("status")
    if seen and seen != batch.status:
        response["HX-Refresh"] = "true"
    return response


@staff_page
@require_POST
def batch_approve(request, pk):
    batch = selectors.batch_get(request.user, pk)
    try:
        services.batch_approve(batch=batch, actor=request.user, opinion=request.POST.get("opinion", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已审批，开始发放。"))
    return redirect("assistance:batch-detail", pk=pk)


@staff_page
@require_POST
def batch_return(request, pk):
    batch = selectors.batch_get(request.user, pk)
    try:
        services.batch_return(batch=batch, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("批次已退回制单人修改。"))
    return redirect("assistance:batch-detail", pk=pk)


@caseworker_page
@require_POST
def batch_resubmit(request, pk):
    batch = selectors.batch_get(request.user, pk)
    try:
        services.batch_resubmit(batch=batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("批次已重新提交，发放名单将按最新数据重新生成。"))
    return redirect("assistance:batch-detail", pk=pk)


@staff_page
@require_POST
def batch_cancel(request, pk):
    batch = selectors.batch_get(request.user, pk)
    try:
        services.batch_cancel(batch=batch, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("批次已取消。"))
    return redirect("assistance:batch-detail", pk=pk)


def _payment_filters(request) -> tuple[str, str]:
    status = request.GET.get("status", "")
    return (status if status in Payment.Status.values else ""), request.GET.get("q", "").strip()[:64]


@staff_page
def batch_payments(request, pk):
    batch = selectors.batch_get(request.user, pk)
    status, q = _payment_filters(request)
    count = None if q else selectors.batch_payments_count(request.user, batch, status=status)
    page = page_of(request, selectors.batch_payments(request.user, batch, status=status, search=q), PAGE_SIZE,
                   count=count)
    return render(request, "assistance/payment_list.html",
                  {"batch": batch, "page": page, "status": status, "q": q, "statuses": Payment.Status.choices})


PAYMENT_EXPORT_HEADER = [gettext_lazy("明细编号"), gettext_lazy("姓名"), gettext_lazy("身份证号码"),
                         gettext_lazy("区域"), gettext_lazy("收款户名"), gettext_lazy("收款账号"),
                         gettext_lazy("类别"), gettext_lazy("金额（元）"), gettext_lazy("状态"),
                         gettext_lazy("发放时间"), gettext_lazy("说明")]


@staff_page
def batch_payments_export(request, pk):
    """The batch's payments (as filtered on the list) as an Excel workbook to print: ID numbers and
    accounts masked as on the page; the export itself is audited (who took which list)."""
    from django.http import FileResponse

    from portal.money import yuan_str
    from portal.tabular import xlsx_file

    from .audit_actions import AuditAction

    batch = selectors.batch_get(request.user, pk)
    status, q = _payment_filters(request)
    payments = selectors.batch_payments(request.user, batch, status=status, search=q)
    categories, statuses = dict(Payment._meta.get_field("category").choices), dict(Payment.Status.choices)
    audit_read(actor=request.user, action=AuditAction.PAYMENTS_EXPORT, obj=batch, region_code=batch.region_id,
               after={"status": status, "search": bool(q)})

    def rows():
        for p in payments.iterator(chunk_size=5000):
            yield [p.pk, p.name, p.masked_id, p.region.name, p.payee_name or p.name, p.masked_bank_account,
                   str(categories.get(p.category, p.category)), yuan_str(p.amount),
                   str(statuses.get(p.status, p.status)),
                   timezone.localtime(p.paid_at).strftime("%Y-%m-%d %H:%M") if p.paid_at else "", p.reason]

    out = xlsx_file(_("发放明细"), [str(h) for h in PAYMENT_EXPORT_HEADER], rows())
    return FileResponse(out, as_attachment=True, filename=f"batch-{batch.pk}-payments.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@staff_page
def batch_bank_file(request, pk):
    """The disbursement CSV for the bank: the batch's pending payments (full ID numbers: the bank needs them)."""
    batch = selectors.batch_get(request.user, pk)
    if batch.status not in (Batch.Status.APPROVED, Batch.Status.PAYING, Batch.Status.PAID):
        raise PermissionDenied(_("批次审批后才能下载银行代发文件。"))
    rows = selectors.batch_payment_rows_for_bank(batch)
    audit_read(actor=request.user, action=PortalAudit.BANK_FILE_DOWNLOAD, obj=batch, region_code=batch.region_id)

    def stream():
        yield "\ufeff" + _csv_lines(batch, [], header=True)
        chunk = []
        for row in rows:
            # the bank needs the full number and account: decrypted for this file only (audited once above)
            row["id_number"] = pii.decrypt_for_file(pii.ID, row.pop("id_number_enc"))
            row["household__bank_account"] = pii.decrypt_for_file(pii.ACCOUNT, row.pop("household__bank_account_enc"))
            chunk.append(row)
            if len(chunk) == 2000:
                yield _csv_lines(batch, chunk, header=False)
                chunk = []
        if chunk:
            yield _csv_lines(batch, chunk, header=False)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-bank.csv"'
    return response


def _csv_lines(batch, rows, *, header: bool) -> str:
    buf = io.StringIO()
    write_bank_file(batch, rows, buf)
    text = buf.getvalue()
    return text if header else text.split("\r\n", 1)[1]


@staff_page
@require_POST
def batch_bank_result(request, pk):
    batch = selectors.batch_get(request.user, pk)
    form = BankResultForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择银行回盘文件。"))
        return redirect("assistance:batch-detail", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        record = services.bank_result_upload(batch=batch, data=upload.read(), filename=upload.name,
                                             actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if record.status == record.Status.REFUSED:
            messages.error(request, _("回盘文件被拒绝，未入账：%(e)s") % {"e": record.errors})
        else:
            messages.success(request, _("回盘文件 %(n)s：%(s)s。") % {"n": record.name, "s": record.get_status_display()})
    return redirect("assistance:batch-detail", pk=pk)


@staff_page
@require_POST
def payment_reissue(request, pk):
    payment = selectors.payment_get(request.user, pk)
    try:
        services.payment_reissue(payment=payment, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已重新发放。"))
    return redirect(reverse("assistance:batch-payments", args=[payment.batch_id]) + "?status=failed")


@staff_page
@require_POST
def payment_cancel(request, pk):
    payment = selectors.payment_get(request.user, pk)
    try:
        services.payment_cancel(payment=payment, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("发放明细已取消。"))
    return redirect(reverse("assistance:batch-payments", args=[payment.batch_id]))



# --------------------------------------------------------------------------- monthly assistance


@staff_page
def standard_list(request):
    return render(request, "assistance/standard_list.html", selectors.standards_view(request.user))


@caseworker_page
def income_item_add(request, pk):
    household = selectors.household_get(request.user, pk)
    form = IncomeItemForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.income_item_add(household=household, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("收入已登记。"))
            return redirect("assistance:household-detail", pk=pk)
    return render(request, "assistance/form.html", {"form": form, "title": _("登记家庭收入")})


@caseworker_page
def asset_add(request, pk):
    household = selectors.household_get(request.user, pk)
    form = AssetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.asset_add(household=household, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("财产已登记。"))
            return redirect("assistance:household-detail", pk=pk)
    return render(request, "assistance/form.html", {"form": form, "title": _("登记家庭财产")})


@staff_page
def means_test_run(request, pk):
    household = selectors.household_get(request.user, pk)
    form = MeansTestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            test = services.means_test_run(household=household, actor=request.user,
                                           on=form.cleaned_data["on"] or None,
                                           category=form.cleaned_data["category"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("核对完成：%(r)s。") % {"r": _("符合条件") if test.eligible else _("不符合条件")})
            return redirect("assistance:means-test-detail", pk=test.pk)
    return render(request, "assistance/form.html", {"form": form, "title": _("家庭经济状况核对")})


@staff_page
def means_test_detail(request, pk):
    test = selectors.means_test_get(request.user, pk)
    return render(request, "assistance/means_test_detail.html", {"test": test})


@staff_page
def household_enrol(request, pk):
    household = selectors.household_get(request.user, pk)
    form = HouseholdEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_enrol(household=household, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("家庭救助认定已保存。"))
            return redirect("assistance:household-detail", pk=pk)
    return render(request, "assistance/form.html", {"form": form, "title": _("按户认定（金额取自最近一次核对）")})


ENROLMENT_ACTIONS = {
    "suspend": (services.enrolment_suspend, gettext_lazy("暂停发放"), gettext_lazy("已暂停发放。")),
    "resume": (services.enrolment_resume, gettext_lazy("恢复发放"), gettext_lazy("已恢复发放。")),
    "stop": (services.enrolment_stop, gettext_lazy("停发"), gettext_lazy("已停发。")),
}


@staff_page
def household_enrolment_action(request, pk, action):
    if action not in ENROLMENT_ACTIONS:
        raise Http404
    he = selectors.household_enrolment_get(request.user, pk)
    service, title, done = ENROLMENT_ACTIONS[action]
    form = EnrolmentActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(household_enrolment=he, actor=request.user, on=form.cleaned_data["on"] or None,
                    reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, str(done))
            return redirect("assistance:household-detail", pk=he.household_id)
    return render(request, "assistance/form.html", {"form": form, "title": title})


@staff_page
def review_queue(request):
    page = page_of(request, selectors.reviews_due(request.user), PAGE_SIZE)
    return render(request, "assistance/review_queue.html", {"page": page, "today": timezone.localdate()})


@staff_page
def review_complete(request, pk):
    he = selectors.household_enrolment_get(request.user, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_complete(household_enrolment=he, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("复核已完成。"))
            return redirect("assistance:review-queue")
    return render(request, "assistance/form.html", {"form": form, "title": _("定期复核 · %(h)s") % {"h": he.household}})


# --------------------------------------------------------------------------- printed documents


def _document(request, doc, **extra):
    if request.GET.get("format") == "pdf":
        response = HttpResponse(documents.pdf_bytes(doc), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{doc.filename}.pdf"'
        return response
    return render(request, "assistance/document.html", {"doc": doc, **extra})


@staff_page
def approval_notice(request, pk):
    return _document(request, documents.approval_notice(selectors.household_enrolment_get(request.user, pk)))


@staff_page
def rejection_notice(request, pk):
    test = selectors.means_test_get(request.user, pk)
    if test.eligible:
        raise Http404
    return _document(request, documents.rejection_notice(test))


@staff_page
def entitlement_sheet(request, pk):
    household = selectors.household_get(request.user, pk)
    month = request.GET.get("month", "")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        month = timezone.localdate().strftime("%Y-%m")
    return _document(request, documents.entitlement_sheet(household, month), month=month)


@staff_page
def payroll_roster(request, pk):
    return _document(request, documents.payroll_roster(selectors.batch_get(request.user, pk)))


@staff_page
def public_notice(request):
    region, enrolments = selectors.public_notice_list(request.user, request.GET.get("region", ""))
    return _document(request, documents.public_notice(region, enrolments))
