"""Pages: parse, call one service or selector, render. Who may open a page is `role_required`; what each
write allows is the service's gate."""

import functools

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assistance.models import Payment
from assistance.selectors import household_get, scheme_get
from portal.money import yuan_str
from portal.pagination import page_of
from portal.roles import CIVIL_STAFF, Role
from portal.scoping import restrict
from portal.services import audit_read
from portal.web import form_errors, form_submit, role_required

from . import forms, selectors, services
from .audit_actions import AuditAction
from .filters import (
    DistributionFilter,
    MerchantFilter,
    RedemptionFilter,
    StatementFilter,
    VoucherFilter,
    WaiverFilter,
)
from .models import Statement, Voucher

PAGE_SIZE = 30

staff_only = role_required(*CIVIL_STAFF, message=gettext_lazy("您的角色无权访问实物与消费券救助。"))
merchant_only = role_required(Role.MERCHANT, message=gettext_lazy("只有签约商户可以核销消费券。"))
staff_or_merchant = role_required(*CIVIL_STAFF, Role.MERCHANT)


def _form_page(request, form, title, *, back=None, multipart=False, extra=None):
    return render(request, "relief_inkind/form.html", {"form": form, "title": title, "back": back,
                                                       "multipart": multipart, **(extra or {})})


def _filtered(filterset_class, request, qs):
    fs = filterset_class(request.GET, queryset=qs, request=request)
    return fs, (fs.qs if fs.is_valid() else qs.none())


# --------------------------------------------------------------------------- vouchers


@staff_only
def voucher_list(request):
    base = selectors.voucher_list(request.user)
    fs, qs = _filtered(VoucherFilter, request, base)
    schemes = list(selectors.voucher_scheme_list(request.user)[:20])
    for s in schemes:
        s.totals = selectors.voucher_totals(base.filter(scheme=s))
    return render(request, "relief_inkind/voucher_list.html", {
        "filter": fs, "page": page_of(request, qs.order_by("-id"), PAGE_SIZE), "schemes": schemes,
        "sweeps": selectors.sweep_list(request.user)[:10]})


@staff_only
def voucher_terms(request, scheme_id):
    scheme = scheme_get(request.user, scheme_id)
    terms = getattr(scheme, "voucher_terms", None)
    initial = ({"face_value": yuan_str(terms.face_value), "valid_days": terms.valid_days,
                "allow_partial": terms.allow_partial} if terms else {"valid_days": 90})
    form = forms.VoucherTermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.voucher_terms_set(scheme=scheme, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("消费券规则已保存。"))
            return redirect("relief_inkind:voucher-list")
    return _form_page(request, form, _("消费券规则：%(name)s") % {"name": scheme.name}, back="relief_inkind:voucher-list")


@staff_only
def voucher_print(request, payment_id):
    """A recipient's vouchers with their full codes and QR codes, to print and hand over: audited."""
    payment = restrict(Payment.objects.all(), request.user).filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    vouchers = list(Voucher.objects.filter(payment=payment).order_by("seq"))
    if not vouchers:
        raise Http404
    for v in vouchers:
        v.qr = segno.make(v.code, error="m").svg_inline(scale=4, border=2, title=_("消费券二维码"))
    audit_read(actor=request.user, action=AuditAction.VOUCHERS_PRINT, obj=payment, region_code=payment.region_id,
               after={"vouchers": len(vouchers)})
    return render(request, "relief_inkind/voucher_print.html", {"payment": payment, "vouchers": vouchers})


# --------------------------------------------------------------------------- merchants


@staff_only
def merchant_list(request):
    fs, qs = _filtered(MerchantFilter, request, selectors.merchant_list(request.user))
    return render(request, "relief_inkind/merchant_list.html", {"filter": fs, "page": page_of(request, qs, PAGE_SIZE)})


@staff_only
def merchant_create(request):
    form = forms.MerchantForm(request.POST or None, initial={"region": request.user.region_id})
    if form_submit(request, form, functools.partial(services.merchant_register, actor=request.user), _("商户已登记。")):
        return redirect("relief_inkind:merchant-list")
    return _form_page(request, form, _("登记签约商户"), back="relief_inkind:merchant-list")


@staff_only
@require_POST
def merchant_toggle(request, pk):
    merchant = selectors.merchant_get(request.user, pk)
    services.merchant_set_active(merchant=merchant, active=not merchant.active, actor=request.user)
    messages.success(request, _("商户状态已更新。"))
    return redirect("relief_inkind:merchant-list")


# --------------------------------------------------------------------------- redemption (merchants)


@merchant_only
def redeem(request):
    form = forms.RedeemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            r = services.voucher_redeem(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("核销成功：%(code)s，%(amount)s 元。") % {
                "code": r.voucher.masked_code, "amount": yuan_str(r.amount)})
            return redirect("relief_inkind:redeem")
    fs, qs = _filtered(RedemptionFilter, request, selectors.redemption_list(request.user))
    return render(request, "relief_inkind/redeem.html", {
        "form": form, "filter": fs, "page": page_of(request, qs, PAGE_SIZE),
        "statements": selectors.statement_list(request.user)[:20]})


# --------------------------------------------------------------------------- statements


@staff_or_merchant
def statement_list(request):
    fs, qs = _filtered(StatementFilter, request, selectors.statement_list(request.user))
    return render(request, "relief_inkind/statement_list.html", {"filter": fs, "page": page_of(request, qs, PAGE_SIZE)})


@staff_only
def statement_create(request):
    merchants = selectors.merchant_list(request.user)
    form = forms.StatementForm(request.POST or None, merchants=merchants)
    if request.method == "POST" and form.is_valid():
        merchant = selectors.merchant_get(request.user, form.cleaned_data["merchant"])
        try:
            statement = services.merchant_statement_create(merchant=merchant, actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("结算单已生成。"))
            return redirect("relief_inkind:statement-detail", pk=statement.pk)
    return _form_page(request, form, _("生成商户结算单"), back="relief_inkind:statement-list")


@staff_or_merchant
def statement_detail(request, pk):
    statement = selectors.statement_get(request.user, pk)
    form = forms.SettleForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.statement_settle(statement=statement, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("结算已确认。"))
                return redirect("relief_inkind:statement-detail", pk=statement.pk)
    if statement.kind == Statement.Kind.MERCHANT:
        lines, waivers = statement.redemptions.select_related("voucher").order_by("at"), None
    else:
        lines, waivers = None, page_of(request, statement.waivers.order_by("id"), PAGE_SIZE)
    return render(request, "relief_inkind/statement_detail.html", {
        "statement": statement, "form": form, "waivers": waivers,
        "page": page_of(request, lines, PAGE_SIZE) if lines is not None else None})


# --------------------------------------------------------------------------- goods in kind


@staff_only
def goods(request):
    fs, qs = _filtered(DistributionFilter, request, selectors.distribution_list(request.user))
    return render(request, "relief_inkind/goods.html", {
        "filter": fs, "page": page_of(request, qs.order_by("-id"), PAGE_SIZE),
        "schemes": selectors.in_kind_scheme_list(request.user).prefetch_related("package_lines__item")[:20],
        "stock": selectors.stock_reconciliation(request.user), "points": selectors.point_list(request.user)})


@staff_only
def item_create(request):
    form = forms.ItemForm(request.POST or None)
    if form_submit(request, form, functools.partial(services.item_create, actor=request.user), _("物资已登记。")):
        return redirect("relief_inkind:goods")
    return _form_page(request, form, _("登记救助物资"), back="relief_inkind:goods")


@staff_only
def point_create(request):
    form = forms.PointForm(request.POST or None, initial={"region": request.user.region_id})
    if form_submit(request, form, functools.partial(services.point_create, actor=request.user), _("发放点已设立。")):
        return redirect("relief_inkind:goods")
    return _form_page(request, form, _("设立实物发放点"), back="relief_inkind:goods")


@staff_only
def stock_receive(request, point_id):
    point = selectors.point_get(request.user, point_id)
    form = forms.StockReceiveForm(request.POST or None, items=selectors.item_list())
    if request.method == "POST" and form.is_valid():
        try:
            services.stock_receive(point=point, item=form.items[form.cleaned_data["item"]], actor=request.user,
                                   quantity=form.cleaned_data["quantity"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已入库。"))
            return redirect("relief_inkind:goods")
    return _form_page(request, form, _("物资入库：%(name)s") % {"name": point.name}, back="relief_inkind:goods")


@staff_only
def package(request, scheme_id):
    scheme = scheme_get(request.user, scheme_id)
    form = forms.PackageForm(request.POST or None, items=selectors.item_list())
    if request.method == "POST" and form.is_valid():
        try:
            services.package_set(scheme=scheme, lines=form.lines(), actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc, rename={"lines": "item1", "scheme": None})
        else:
            messages.success(request, _("实物发放标准已保存。"))
            return redirect("relief_inkind:goods")
    return _form_page(request, form, _("实物发放标准：%(name)s") % {"name": scheme.name}, back="relief_inkind:goods")


@staff_only
def handover(request, pk):
    line = selectors.distribution_line_get(request.user, pk)
    form = forms.HandoverForm(request.POST or None, request.FILES or None, points=selectors.point_list(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.handover_record(line=line, point=form.points[data["point"]], actor=request.user,
                                     scan=data["scan"], tablet_png=data["tablet_png"], proxy_name=data["proxy_name"],
                                     proxy_id_number=data["proxy_id_number"])
        except ValidationError as exc:
            form_errors(form, exc, rename={"signature": "scan"})
        else:
            messages.success(request, _("已登记领取签收。"))
            return redirect("relief_inkind:goods")
    return render(request, "relief_inkind/handover.html", {"form": form, "line": line})


@staff_only
def signature_download(request, pk):
    """The signed receipt of a hand-over: private, scoped, audited."""
    line = selectors.distribution_line_get(request.user, pk)
    if not line.signature:
        raise Http404
    audit_read(actor=request.user, action=AuditAction.SIGNATURE_DOWNLOAD, obj=line, region_code=line.region_id)
    return FileResponse(line.signature.open("rb"), filename=line.signature.name.rsplit("/", 1)[-1])


# --------------------------------------------------------------------------- heating-fee waivers

company_or_staff = role_required(*CIVIL_STAFF, Role.HEATING_COMPANY)


@company_or_staff
def heating(request):
    """Staff: companies, their waiting lists (export, import of the returned file, statements). A company's
    own user: its waiting lines, confirmed on this page."""
    fs, qs = _filtered(WaiverFilter, request, selectors.waiver_list(request.user))
    return render(request, "relief_inkind/heating.html", {
        "filter": fs, "page": page_of(request, qs.order_by("-id"), PAGE_SIZE),
        "companies": selectors.company_summary(request.user),
        "is_company": request.user.role == Role.HEATING_COMPANY})


@staff_only
def company_create(request):
    form = forms.CompanyForm(request.POST or None, initial={"region": request.user.region_id})
    if form_submit(request, form, functools.partial(services.company_register, actor=request.user), _("供热单位已登记。")):
        return redirect("relief_inkind:heating")
    return _form_page(request, form, _("登记供热单位"), back="relief_inkind:heating")


@staff_only
def heating_account(request):
    form = forms.HeatingAccountForm(request.POST or None, companies=selectors.company_list(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            household = household_get(request.user, form.cleaned_data["household"])
        except Http404:
            form.add_error("household", _("未找到该家庭。"))
        else:
            try:
                services.heating_account_set(household=household, actor=request.user,
                                             company=form.companies[form.cleaned_data["company"]],
                                             customer_number=form.cleaned_data["customer_number"])
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("供热用户号已登记。"))
                return redirect("relief_inkind:heating")
    return _form_page(request, form, _("登记供热用户号"), back="relief_inkind:heating")


@staff_only
def waiver_export(request, pk):
    company = selectors.company_get(request.user, pk)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    data, ext = services.waiver_export(company=company, actor=request.user, fmt=fmt)
    content_type = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if ext == "xlsx"
                    else "text/csv; charset=utf-8")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="waivers-{company.code}.{ext}"'
    return response


@staff_only
def waiver_import(request, pk):
    company = selectors.company_get(request.user, pk)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            n = services.waiver_import(company=company, data=upload.read(), filename=upload.name, actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已确认 %(n)d 户减免。") % {"n": n})
            return redirect("relief_inkind:heating")
    return _form_page(request, form, _("导入供热单位回执：%(name)s") % {"name": company.name},
                      back="relief_inkind:heating", multipart=True)


@role_required(Role.HEATING_COMPANY)
@require_POST
def waiver_confirm(request):
    """The company's user confirms the checked lines: the bills were reduced by the full amount."""
    company = selectors.company_list(request.user).first()
    if company is None:
        raise Http404
    ids = [int(i) for i in request.POST.getlist("line") if i.isdigit()]
    lines = selectors.waiver_list(request.user).filter(pk__in=ids)
    rows = [{"line": w.pk, "customer_number": w.customer_number, "amount": w.amount,
             "bill_number": request.POST.get(f"bill_{w.pk}", "")} for w in lines]
    try:
        n = services.waiver_confirm(company=company, rows=rows, actor=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("已确认 %(n)d 户减免。") % {"n": n})
    return redirect("relief_inkind:heating")


@staff_only
@require_POST
def heating_statement(request, pk):
    company = selectors.company_get(request.user, pk)
    try:
        statement = services.heating_statement_create(company=company, actor=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("relief_inkind:heating")
    messages.success(request, _("结算单已生成。"))
    return redirect("relief_inkind:statement-detail", pk=statement.pk)
