"""Appeal and verification pages: thin views over the same services and selectors as the API."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assistance import selectors as assistance_selectors
from portal.pagination import page_of
from portal.roles import CIVIL_STAFF, Role
from portal.web import form_errors, role_required

from . import forms, selectors, services, subjects
from .filters import AppealFilter, CheckFilter

PAGE_SIZE = 30
APPEAL_ROLES = (*CIVIL_STAFF, Role.INSURANCE_OFFICER, Role.INSURED)
appeal_page = role_required(*APPEAL_ROLES, message=gettext_lazy("您的角色无权访问申诉复核。"))
staff_only = role_required(*CIVIL_STAFF, message=gettext_lazy("您的角色无权访问回访核查。"))


@appeal_page
def appeal_list(request):
    fs = AppealFilter(request.GET, queryset=selectors.appeal_list(request.user))
    qs = fs.qs.order_by("review_due", "id") if request.GET.get("overdue") else fs.qs.order_by("-id")
    return render(request, "appeals/appeal_list.html", {
        "filter": fs, "page": page_of(request, qs, PAGE_SIZE), "counts": selectors.appeal_counts(request.user)})


@appeal_page
def appeal_create(request):
    citizen = request.user.role == Role.INSURED
    initial = {"kind": request.GET.get("kind"), "subject": request.GET.get("subject")}
    form = forms.AppealForm(request.POST or None, initial=initial, citizen=citizen)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            subject = subjects.subject_get(request.user, d["kind"], d["subject"])
            appeal = services.appeal_file(actor=request.user, kind=d["kind"], subject=subject, grounds=d["grounds"],
                                          requested_amount=d["requested_amount"], filed_on=d.get("filed_on"))
        except Http404:
            form.add_error("subject", _("找不到该决定，或不在您可申诉的范围内。"))
        except ValidationError as exc:
            form_errors(form, exc, rename={"application": "subject", "household_enrolment": "subject",
                                           "spend": "subject", "detail": None})
        else:
            messages.success(request, _("申诉已受理，复核时限 %(d)s。") % {"d": appeal.review_due.isoformat()})
            return redirect("appeals:appeal-detail", pk=appeal.pk)
    return render(request, "appeals/appeal_form.html", {
        "form": form, "own": subjects.own_decisions(request.user) if citizen else None})


@appeal_page
def appeal_detail(request, pk):
    appeal = selectors.appeal_get(request.user, pk)
    return render(request, "appeals/appeal_detail.html", {
        "appeal": appeal, "decide_form": forms.DecideForm(), "withdraw_form": forms.WithdrawForm()})


@require_POST
@appeal_page
def appeal_review_start(request, pk):
    appeal = selectors.appeal_get(request.user, pk)
    try:
        services.appeal_review_start(appeal=appeal, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已开始复核。"))
    return redirect("appeals:appeal-detail", pk=appeal.pk)


@appeal_page
def appeal_decide(request, pk):
    appeal = selectors.appeal_get(request.user, pk)
    form = forms.DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_decide(appeal=appeal, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc, rename={"detail": None})
        else:
            messages.success(request, _("复核决定已作出，并已通知申诉人。"))
            return redirect("appeals:appeal-detail", pk=appeal.pk)
    return render(request, "appeals/appeal_detail.html", {
        "appeal": appeal, "decide_form": form, "withdraw_form": forms.WithdrawForm()},
        status=400 if request.method == "POST" else 200)


@require_POST
@appeal_page
def appeal_withdraw(request, pk):
    appeal = selectors.appeal_get(request.user, pk)
    form = forms.WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.appeal_withdraw(appeal=appeal, actor=request.user, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("申诉已撤回。"))
    return redirect("appeals:appeal-detail", pk=appeal.pk)


# --------------------------------------------------------------------------- verification


@staff_only
def round_list(request):
    form = forms.DrawForm(initial={"batch": request.GET.get("batch")})
    qs = selectors.round_list(request.user).order_by("-id")
    return render(request, "appeals/round_list.html", {"page": page_of(request, qs, PAGE_SIZE), "form": form})


@staff_only
def round_draw(request):
    form = forms.DrawForm(request.POST or None, initial={"batch": request.GET.get("batch")})
    if request.method == "POST" and form.is_valid():
        try:
            batch = assistance_selectors.batch_get(request.user, form.cleaned_data["batch"])
            rnd = services.verification_draw(batch=batch, actor=request.user, seed=form.cleaned_data["seed"])
        except Http404:
            form.add_error("batch", _("批次不存在或不在您的管辖范围内。"))
        except ValidationError as exc:
            form_errors(form, exc, rename={"detail": None})
        else:
            messages.success(request, _("已抽取 %(n)d 个回访对象。") % {"n": rnd.sample_size})
            return redirect("appeals:round-detail", pk=rnd.pk)
    return render(request, "appeals/form.html", {"form": form, "title": _("抽取回访核查样本"),
                                                 "back": "appeals:round-list"},
                  status=400 if request.method == "POST" else 200)


@staff_only
def round_detail(request, pk):
    rnd = selectors.round_get(request.user, pk)
    fs = CheckFilter(request.GET, queryset=selectors.check_list(request.user, rnd))
    return render(request, "appeals/round_detail.html", {
        "round": rnd, "summary": selectors.round_summary(request.user, rnd), "filter": fs,
        "page": page_of(request, fs.qs.order_by("region_id", "rank"), PAGE_SIZE)})


@staff_only
def check_record(request, pk):
    check = selectors.check_get(request.user, pk)
    form = forms.RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verification_record(check=check, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc, rename={"detail": None})
        else:
            messages.success(request, _("回访结果已登记。"))
            return redirect("appeals:round-detail", pk=check.round_id)
    return render(request, "appeals/check_form.html", {"form": form, "check": check},
                  status=400 if request.method == "POST" else 200)
