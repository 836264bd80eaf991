"""Thin pages: parse a form, call one service or selector, render or redirect.

`role_required` says who may open a page at all; whether this user may make this change is the
service's answer (PermissionDenied: 403), reads are scoped by the selectors.
"""

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.dbrouter import replica_reads
from portal.models import Region
from portal.money import yuan_str
from portal.roles import Role
from portal.tabular import csv_writer
from portal.web import form_errors, role_required

from . import forms, importing, selectors, services
from .filters import InsuredFilter
from .fraud import fraud_alert_review
from .models import FraudAlert, FraudRule, Spend

# ---------------------------------------------------------------- insured self-service

def guide(request):
    """A plain explainer for insured workers (who may pool, what it pays for, quota, dissolving, clearing).
    Public: nothing personal on it; linked from every self-service page."""
    return render(request, "medical_pooling/guide.html")


@role_required(Role.INSURED)
def me(request):
    insured = selectors.insured_of_user(request.user)
    ctx = {"insured": insured, "relation_form": forms.RelationForm()}
    if insured is not None:
        ctx["account"] = selectors.account_of(insured)
        ctx["relations_out"], ctx["relations_in"] = selectors.relations_of(insured)
        ctx["to_accept"] = {r.pk for r in selectors.pending_for(insured)}
        ctx["spends"] = Paginator(selectors.spends_of(insured), 20).get_page(request.GET.get("page"))
        ctx["own_spends"] = selectors.own_spends_of(insured)[:20]
    return render(request, "medical_pooling/me.html", ctx)


@role_required(Role.INSURED)
def relation_add(request):
    form = forms.RelationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.relation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("共济申请已发出，等待对方确认；确认后额度才从可用余额中占用。"))
            return redirect("medical_pooling:me")
    insured = selectors.insured_of_user(request.user)
    account = selectors.account_of(insured) if insured is not None else None
    return render(request, "medical_pooling/relation_form.html", {"form": form, "account": account})


@role_required(Role.INSURED)
@require_POST
def relation_quota(request, pk):
    relation = get_object_or_404(selectors.relation_list(request.user), pk=pk)
    form = forms.QuotaForm(request.POST)
    if form.is_valid():
        try:
            services.relation_set_quota(actor=request.user, relation=relation, quota=form.cleaned_data["quota"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("共济额度已调整。"))
    else:
        messages.error(request, "；".join(m for errs in form.errors.values() for m in errs))
    return redirect("medical_pooling:me")


@role_required(Role.INSURED)
@require_POST
def relation_dissolve(request, pk):
    relation = get_object_or_404(selectors.relation_list(request.user), pk=pk)
    form = forms.DissolveForm(request.POST)
    form.is_valid()
    try:
        services.relation_dissolve(actor=request.user, relation=relation, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("共济关系已解除，未使用的额度已返还共济人账户。"))
    return redirect("medical_pooling:me")


@role_required(Role.INSURED)
@require_POST
def relation_accept(request, pk):
    relation = get_object_or_404(selectors.relation_list(request.user), pk=pk)
    try:
        services.relation_accept(actor=request.user, relation=relation)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已确认共济关系，额度已生效。"))
    return redirect("medical_pooling:me")


@role_required(Role.INSURED)
@require_POST
def payment_code(request, pk):
    """出示付款码: a fresh one-time code, big, as a QR code (SVG made here, no outside service) with a
    countdown. POST only, never cached: each visit mints a new code."""
    relation = get_object_or_404(selectors.relation_list(request.user), pk=pk)
    try:
        code, row = services.payment_code_issue(actor=request.user, relation=relation)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("medical_pooling:me")
    qr = segno.make(code, error="m").svg_inline(scale=6, border=2, title=_("共济付款码"))
    response = render(request, "medical_pooling/payment_code.html", {
        "relation": relation, "code": code, "code_groups": [code[i:i + 6] for i in range(0, len(code), 6)],
        "expires_at": row.expires_at, "ttl": services.payment_code_ttl(), "qr": qr})
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.INSURED, Role.INSURANCE_OFFICER)
def premium(request, pk):
    """共济缴费: the beneficiary (or an officer at the counter) pays a resident-insurance or long-term-care
    premium from the quota of an active relation. Not at a hospital: a path of its own."""
    relation = get_object_or_404(selectors.relation_list(request.user), pk=pk)
    form = forms.PremiumForm(request.POST or None, initial={"year": timezone.localdate().year,
                                                            "premium_scheme": "resident"})
    if request.method == "POST" and form.is_valid():
        try:
            services.premium_pay(actor=request.user, relation=relation, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("保费已从共济额度中缴纳。"))
            if request.user.role == Role.INSURED:
                return redirect("medical_pooling:me")
            return redirect("medical_pooling:insured-detail", pk=relation.beneficiary_id)
    return render(request, "medical_pooling/premium.html", {"form": form, "relation": relation})


@role_required(Role.INSURED)
@require_POST
def own_payment_code(request):
    """出示本人付款码: a one-time code for spending from one's own account (what is not reserved)."""
    try:
        code, row = services.own_payment_code_issue(actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("medical_pooling:me")
    qr = segno.make(code, error="m").svg_inline(scale=6, border=2, title=_("本人付款码"))
    response = render(request, "medical_pooling/payment_code.html", {
        "relation": None, "own": True, "code": code,
        "code_groups": [code[i:i + 6] for i in range(0, len(code), 6)],
        "expires_at": row.expires_at, "ttl": services.payment_code_ttl(), "qr": qr})
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- institutions

@role_required(Role.INSTITUTION)
def spend(request):
    form = forms.SpendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.spend_create(actor=request.user, payment_code=form.cleaned_data["payment_code"],
                                  category=form.cleaned_data["category"], amount=form.cleaned_data["amount"],
                                  occurred_at=form.cleaned_data["occurred_at"])
        except services.SpendThrottled as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("共济支付已登记。"))
            return redirect("medical_pooling:spend")
    spends = Paginator(selectors.spend_list(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "medical_pooling/spend.html", {
        "form": form, "spends": spends, "institution": selectors.institution_of_user(request.user)})


@role_required(Role.INSTITUTION)
def own_spend(request):
    """个人账户支付登记: the insured person's own spending, by their own payment code."""
    form = forms.OwnSpendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.own_spend_create(actor=request.user, **form.cleaned_data)
        except services.SpendThrottled as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("个人账户支付已登记。"))
            return redirect("medical_pooling:own-spend")
    spends = Paginator(selectors.own_spend_list(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "medical_pooling/own_spend.html", {
        "form": form, "spends": spends, "institution": selectors.institution_of_user(request.user)})


# ---------------------------------------------------------------- officers

@role_required(Role.INSURANCE_OFFICER)
def insured_list(request):
    filterset = InsuredFilter(request.GET or None, queryset=selectors.insured_list(request.user).order_by("-id"))
    page = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    return render(request, "medical_pooling/insured_list.html", {"filter": filterset, "page": page})


@role_required(Role.INSURANCE_OFFICER)
def insured_create(request):
    form = forms.InsuredForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["balance"] = data.get("balance") or 0
        try:
            insured = services.insured_create(actor=request.user, **data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("参保登记完成。"))
            return redirect("medical_pooling:insured-detail", pk=insured.pk)
    return render(request, "medical_pooling/insured_form.html", {"form": form})


@role_required(Role.INSURANCE_OFFICER)
def insured_detail(request, pk):
    insured = get_object_or_404(selectors.insured_list(request.user), pk=pk)
    form = forms.StatusForm(request.POST or None, initial={"status": insured.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.insured_set_status(actor=request.user, insured=insured, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("参保状态已更新。"))
            return redirect("medical_pooling:insured-detail", pk=pk)
    account = selectors.account_of(insured)
    out, inn = selectors.relations_of(insured)
    return render(request, "medical_pooling/insured_detail.html", {
        "insured": insured, "account": account, "relations_out": out, "relations_in": inn, "form": form,
        "ledger": selectors.ledger_of(request.user, account)[:50] if account else [],
        "history": insured.status_changes.select_related("actor")[:20],
    })


@role_required(Role.INSURANCE_OFFICER)
def settlements(request):
    may_run = services.may_run_settlement(request.user)  # shows the button; settlement_enqueue decides
    if request.method == "POST":
        form = forms.MonthForm(request.POST)
        if form.is_valid():
            month = form.cleaned_data["month"]
            try:
                job = services.settlement_enqueue(month=month, actor=request.user)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("已提交 %(month)s 的月度清算（任务 #%(job)s）。") % {"month": month, "job": job.pk})
                return redirect(f"{request.path}?month={month}")
    else:
        form = forms.MonthForm(request.GET or {"month": services.previous_month()})
    month = form.data.get("month") if form.is_valid() else services.previous_month()
    lines = list(selectors.settlement_lines(request.user, month))
    names = dict(Region.objects.filter(code__in={c for x in lines for c in (x.payer_region, x.payee_region)})
                 .values_list("code", "name"))
    for line in lines:
        line.payer_name, line.payee_name = names.get(line.payer_region, ""), names.get(line.payee_region, "")
    return render(request, "medical_pooling/settlements.html", {
        "form": form, "month": month, "lines": lines, "run": selectors.settlement_run_get(month),
        "month_status": services.clearing_month_status(month) if month else "",
        "total_count": sum(x.count for x in lines), "total_amount": sum(x.amount for x in lines),
        "may_run": may_run, "months": selectors.settlement_months(),
    })


@role_required(Role.INSURANCE_OFFICER)
def rules(request):
    """各地共济规则: the officer's regions' rules, and a form to set one (new or existing)."""
    code = request.GET.get("region") or request.POST.get("region") or ""
    rule = selectors.region_rules(request.user).filter(region_id=code).first() if code else None
    initial = {"region": code, "categories": list(Spend.Category.values)}
    if rule is not None:
        initial = {"region": rule.region_id, "categories": rule.categories,
                   "cap_per_spend": yuan_str(rule.cap_per_spend) if rule.cap_per_spend else "",
                   "cap_per_month": yuan_str(rule.cap_per_month) if rule.cap_per_month else "",
                   "wallet_opened_on": rule.wallet_opened_on, "claim_window_days": rule.claim_window_days}
    form = forms.RegionRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.region_rule_set(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("统筹地区 %(region)s 的共济规则已保存。") % {"region": form.cleaned_data["region"]})
            return redirect("medical_pooling:rules")
    return render(request, "medical_pooling/rules.html", {
        "form": form, "rules": selectors.region_rules(request.user),
        "default_window": services.claim_window_days(""), "categories": Spend.Category.choices})


@role_required(Role.INSURANCE_OFFICER)
def fraud_queue(request):
    status = request.GET.get("status", FraudAlert.Status.OPEN)
    alerts = selectors.fraud_alerts(request.user, status=status or None, rule=request.GET.get("rule") or None)
    return render(request, "medical_pooling/fraud_queue.html", {
        "page": Paginator(alerts, 25).get_page(request.GET.get("page")), "status": status,
        "statuses": FraudAlert.Status.choices, "rules": FraudRule.objects.order_by("code"),
        "rule": request.GET.get("rule", ""),
    })


@role_required(Role.INSURANCE_OFFICER)
@require_POST
def fraud_review(request, pk):
    alert = get_object_or_404(selectors.fraud_alerts(request.user), pk=pk)
    try:
        fraud_alert_review(actor=request.user, alert=alert, status=request.POST.get("status", ""),
                           note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("核查结论已保存。"))
    return redirect("medical_pooling:fraud")


@role_required(Role.INSURANCE_OFFICER)
def insured_import(request):
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = importing.insured_import(actor=request.user, rows=importing.read_rows(form.cleaned_data["file"]))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已导入 %(n)s 名参保人。") % {"n": count})
            return redirect("medical_pooling:insured-list")
    return render(request, "medical_pooling/insured_import.html", {"form": form})


@role_required(Role.INSURANCE_OFFICER)
@replica_reads
def settlements_export(request):
    """The month's statements as CSV (UTF-8 with BOM so spreadsheet software reads the Chinese)."""

    form = forms.MonthForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("月份格式应为 YYYY-MM，例如 2026-01。"), status=400, content_type="text/plain; charset=utf-8")
    month = form.cleaned_data["month"]
    lines = list(selectors.settlement_lines(request.user, month))
    names = dict(Region.objects.filter(code__in={c for x in lines for c in (x.payer_region, x.payee_region)})
                 .values_list("code", "name"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pooling-settlement-{month}.csv"'
    response.write("\ufeff")
    writer = csv_writer(response)
    writer.writerow([_("清算月份"), _("支付方统筹地区代码"), _("支付方统筹地区"), _("收款方统筹地区代码"),
                     _("收款方统筹地区"), _("笔数"), _("金额（元）")])
    for x in lines:
        writer.writerow([x.month, x.payer_region, names.get(x.payer_region, ""), x.payee_region,
                         names.get(x.payee_region, ""), x.count, yuan_str(x.amount)])
    run = selectors.settlement_run_get(month)
    if run is not None:
        writer.writerow([])
        writer.writerow([_("对账"), _("跨地区支付笔数"), run.spend_count, _("跨地区支付金额（元）"),
                         yuan_str(run.spend_amount), _("对账一致") if run.reconciled else _("对账不符")])
    return response


# ---------------------------------------------------------------- statistics for officers

def _statistics_filters(request):
    from . import stats

    form = forms.StatisticsForm(request.GET or None, user=request.user)
    if not request.GET:
        return form, stats.default_filters()
    return form, (form.cleaned_data["filters"] if form.is_valid() else None)


@role_required(Role.INSURANCE_OFFICER)
def statistics(request):
    """共济统计: regions opened, relations, person-times and amounts per month, within and across provinces,
    cleared and pending, by region pair; filters, charts and export."""
    from portal import charts

    from . import stats

    form, f = _statistics_filters(request)
    if f is None:
        return render(request, "medical_pooling/statistics.html", {"form": form}, status=400)
    data = stats.statistics(request.user, f)
    months = [m["month"] for m in data["spends"]["by_month"]]
    s, r, o = data["spends"], data["relations"], data["regions_opened"]
    ctx = {
        "form": form, "f": f, "data": data, "query": request.GET.urlencode(),
        "rows": [{**sm, **{"created": rm["created"], "rel_within": rm["within_province"],
                           "rel_across": rm["across_provinces"]}, "opened": om["opened"],
                  "cumulative": om["cumulative"]}
                 for sm, rm, om in zip(s["by_month"], r["by_month"], o["by_month"], strict=True)],
        "amount_chart": charts.bar(_("共济支付金额（元）按月"), months, {
            _("省内共济"): [charts.whole_yuan(x["within_amount"]) for x in s["by_month"]],
            _("跨省共济"): [charts.whole_yuan(x["across_amount"]) for x in s["by_month"]]}),
        "count_chart": charts.line(_("共济支付人次按月"), months, {
            _("省内"): [x["within_count"] for x in s["by_month"]],
            _("跨省"): [x["across_count"] for x in s["by_month"]]}),
        "relation_chart": charts.bar(_("新建共济关系按月"), months, {
            _("省内"): [x["within_province"] for x in r["by_month"]],
            _("跨省"): [x["across_provinces"] for x in r["by_month"]]}),
        "regions_chart": charts.line(_("已开通个人医保钱包的统筹地区（累计）"), months, {
            _("累计开通"): [x["cumulative"] for x in o["by_month"]]}),
        "clearing_chart": charts.pie(_("跨地区支付清算情况（元）"), {
            _("已清算"): charts.whole_yuan(data["clearing"]["cleared_amount"]),
            _("待清算"): charts.whole_yuan(data["clearing"]["pending_amount"])}),
    }
    return render(request, "medical_pooling/statistics.html", ctx)


def statistics_table(data: dict, pairs: list[dict]) -> tuple[list[list], list[list]]:
    """The two export sheets: per month, and per region pair (amounts as yuan strings)."""
    months = [[_("月份"), _("当月开通统筹地区"), _("累计开通统筹地区"), _("新建共济关系"), _("其中省内"), _("其中跨省"),
               _("支付人次"), _("支付金额（元）"), _("省内人次"), _("省内金额（元）"), _("跨省人次"), _("跨省金额（元）")]]
    for o, r, s in zip(data["regions_opened"]["by_month"], data["relations"]["by_month"], data["spends"]["by_month"],
                       strict=True):
        months.append([s["month"], o["opened"], o["cumulative"], r["created"], r["within_province"],
                       r["across_provinces"], s["count"], yuan_str(s["amount"]), s["within_count"],
                       yuan_str(s["within_amount"]), s["across_count"], yuan_str(s["across_amount"])])
    sp, c = data["spends"], data["clearing"]
    months.append([_("合计"), "", data["regions_opened"]["total"], data["relations"]["created"],
                   data["relations"]["within_province"], data["relations"]["across_provinces"], sp["count"],
                   yuan_str(sp["amount"]), sp["within_count"], yuan_str(sp["within_amount"]), sp["across_count"],
                   yuan_str(sp["across_amount"])])
    months.append([])
    months.append([_("跨地区已清算人次"), c["cleared_count"], _("已清算金额（元）"), yuan_str(c["cleared_amount"]),
                   _("待清算人次"), c["pending_count"], _("待清算金额（元）"), yuan_str(c["pending_amount"])])
    pair_sheet = [[_("支付方统筹地区代码"), _("支付方统筹地区"), _("收款方统筹地区代码"), _("收款方统筹地区"), _("省内/跨省"),
                   _("人次"), _("金额（元）"), _("已清算（元）"), _("待清算（元）")]]
    for p in pairs:
        pair_sheet.append([p["payer_region"], p["payer_name"], p["payee_region"], p["payee_name"],
                           _("跨省") if p["across"] else _("省内"), p["count"], yuan_str(p["amount"]),
                           yuan_str(p["cleared_amount"]), yuan_str(p["pending_amount"])])
    return months, pair_sheet


@role_required(Role.INSURANCE_OFFICER)
def statistics_export(request):
    """The statistics as CSV (UTF-8 with BOM) or XLSX (`?format=xlsx`), with the page's filters."""
    import io

    from portal.tabular import xlsx_bytes

    from . import stats

    form, f = _statistics_filters(request)
    if f is None:
        return HttpResponse("；".join(m for errs in form.errors.values() for m in errs), status=400,
                            content_type="text/plain; charset=utf-8")
    data = stats.statistics(request.user, f, pairs=0)
    pairs = stats.name_pairs(list(stats.pair_rows(request.user, f)))
    month_sheet, pair_sheet = statistics_table(data, pairs)
    name = f"pooling-statistics-{f.month_from}-{f.month_to}{('-' + f.province) if f.province else ''}"
    if request.GET.get("format") == "xlsx":
        body = xlsx_bytes([(_("按月统计"), month_sheet), (_("按地区对"), pair_sheet)])
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerows(month_sheet)
    writer.writerow([])
    writer.writerows(pair_sheet)
    response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
