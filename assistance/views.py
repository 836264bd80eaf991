"""Caseworker pages: thin views over the same services and selectors as the API.

A view says who may open the page at all (`staff_page`, `caseworker_page`); whether a write may happen
is the service's to decide (`portal.permissions.require`, a refusal is a 403), and its ValidationError
lands on the form (`portal.web.form_errors`) or in a message.
"""

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.audit_actions import AuditAction as PortalAudit
from portal.pagination import page_of
from portal.permissions import CIVIL_STAFF, Role, allowed
from portal.scoping import restrict
from portal.services import audit_read
from portal.web import form_errors, role_required

from . import roster, selectors, services
from .channels import write_bank_file
from .filters import HouseholdFilter
from .forms import (
    BankResultForm,
    BatchForm,
    EnrolmentForm,
    HouseholdEditForm,
    HouseholdForm,
    MemberAddForm,
    MemberFormSet,
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
    return render(request, "assistance/household_list.html", {"page": page, "filter": filterset, "q": q})


@staff_page
def household_detail(request, pk):
    household = selectors.household_get(request.user, pk)
    enrolments = selectors.enrolment_list(request.user).filter(household=household).order_by("person_id", "-start")
    payments = selectors.restrict_payments(request.user).filter(household=household).select_related("scheme")[:50]
    members = list(selectors.household_members(household))
    hints = selectors.duplicate_hints([m.person for m in members if m.left_on is None])
    for m in members:
        m.hints = hints.get(m.person_id, [])
    return render(request, "assistance/household_detail.html", {
        "household": household, "members": members, "enrolments": enrolments, "payments": payments,
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
    initial = {}
    if request.GET.get("member", "").isdigit():
        member = restrict(Member.objects.filter(pk=request.GET["member"]), request.user).select_related("person").first()
        initial["id_number"] = member.person.id_number if member else ""
    form = EnrolmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("救助对象认定已保存。"))
            return redirect("assistance:household-detail", pk=enrolment.household_id)
    return render(request, "assistance/form.html", {"form": form, "title": _("新增救助对象认定")})


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
            messages.success(request, _("批次已创建，正在后台生成发放名单。"))
            return redirect("assistance:batch-detail", pk=batch.pk)
    return render(request, "assistance/form.html", {"form": form, "title": _("新建发放批次")})


def _batch_context(request, batch):
    user = request.user
    return {
        "batch": batch,
        "can_approve": batch.status == Batch.Status.DRAFT
        and allowed(user, roles={Role.APPROVER}, not_user=batch.created_by_id),
        "can_cancel": batch.status == Batch.Status.DRAFT,
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
        services.batch_approve(batch=batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已审批，开始发放。"))
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


@staff_page
def batch_payments(request, pk):
    batch = selectors.batch_get(request.user, pk)
    status = request.GET.get("status", "")
    if status not in Payment.Status.values:
        status = ""
    page = page_of(request, selectors.batch_payments(request.user, batch, status=status), PAGE_SIZE,
                   count=selectors.batch_payments_count(request.user, batch, status=status))
    return render(request, "assistance/payment_list.html",
                  {"batch": batch, "page": page, "status": status, "statuses": Payment.Status.choices})


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

