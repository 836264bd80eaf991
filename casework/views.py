"""Casework pages: thin views over the same services and selectors as the API."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assistance.selectors import household_get
from portal import charts
from portal.audit_actions import AuditAction as PortalAudit
from portal.dbrouter import replica_reads
from portal.models import Region
from portal.money import to_decimal, yuan_display
from portal.roles import CIVIL_STAFF
from portal.scoping import region_in_scope, region_q
from portal.services import audit_read
from portal.web import form_errors, role_required

from . import forms, reports, selectors, services
from .filters import ApplicationFilter, DiscoveryFilter, TemporaryAidFilter
from .models import Encounter, Shelter

PAGE_SIZE = 30

# Who may open casework pages at all; what each write allows is the service's gate (portal.permissions).
staff_only = role_required(*CIVIL_STAFF, message=gettext_lazy("您的角色无权访问救助业务经办。"))


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(request, form, title, *, back=None, multipart=False):
    return render(request, "casework/form.html", {"form": form, "title": title, "back": back, "multipart": multipart})


# --------------------------------------------------------------------------- applications


@staff_only
def application_list(request):
    fs = ApplicationFilter(request.GET, queryset=selectors.application_list(request.user), request=request)
    qs = fs.qs.order_by("-late", "due_on", "id")
    return render(request, "casework/application_list.html", {"filter": fs, "page": _page(request, qs)})


@staff_only
def application_create(request):
    form = forms.ApplicationForm(request.POST or None, request.FILES or None,
                                 initial={"region": request.user.region_id})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                app = services.application_intake(
                    id_number=d["id_number"], name=d["name"], region=d["region"], category=d["category"],
                    requested_amount=d["requested_amount"], reason=d["reason"], actor=request.user)
                if d.get("document"):
                    services.application_document_add(application=app, upload=d["document"],
                                                      kind=d.get("document_kind") or "other", actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc, rename={"file": "document", "kind": "document_kind"})
        else:
            messages.success(request, _("申请已受理，办结时限 %(due)s。") % {"due": app.due_on.isoformat()})
            return redirect("casework:application-detail", pk=app.pk)
    return _form_page(request, form, _("受理救助申请"), back="casework:application-list", multipart=True)


@staff_only
def application_detail(request, pk):
    app = selectors.application_get(request.user, pk)
    return render(request, "casework/application_detail.html", {
        "app": app, "documents": app.documents.all(),
        "sms": selectors.sms_list(request.user).filter(application=app), "review_form": forms.ReviewForm(),
        "confirm_form": forms.ConfirmForm(initial={"approved_amount": to_decimal(app.requested_amount)}),
        "reject_form": forms.RejectForm(), "document_form": forms.DocumentForm()})


@staff_only
def application_document_download(request, pk, doc_pk):
    """A supporting document, only to staff whose scope holds the application (else 404); each read is
    audited. The files live under PRIVATE_ROOT, which nothing else serves."""
    app = selectors.application_get(request.user, pk)
    doc = app.documents.filter(pk=doc_pk).first()
    if doc is None:
        raise Http404
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_read(actor=request.user, action=PortalAudit.DOCUMENT_DOWNLOAD, obj=doc, region_code=app.region_id,
               after={"application": app.pk, "kind": doc.kind})
    response = FileResponse(handle, as_attachment=True, filename=doc.original_name, content_type=doc.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def _app_action(request, pk, form_class, call, done):
    app = selectors.application_get(request.user, pk)
    form = form_class(request.POST, request.FILES or None)
    if form.is_valid():
        try:
            call(app, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(m for m in (exc.messages)))
        else:
            messages.success(request, done)
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("casework:application-detail", pk=pk)


@staff_only
@require_POST
def application_review(request, pk):
    return _app_action(request, pk, forms.ReviewForm, lambda a, d: services.application_review(
        application=a, actor=request.user, note=d["note"]), _("已审核。"))


@staff_only
@require_POST
def application_confirm(request, pk):
    return _app_action(request, pk, forms.ConfirmForm, lambda a, d: services.application_confirm(
        application=a, actor=request.user, approved_amount=d["approved_amount"] or None), _("已确认。"))


@staff_only
@require_POST
def application_reject(request, pk):
    return _app_action(request, pk, forms.RejectForm, lambda a, d: services.application_reject(
        application=a, actor=request.user, reason=d["reason"]), _("已作出不予认定决定。"))


@staff_only
@require_POST
def application_document(request, pk):
    return _app_action(request, pk, forms.DocumentForm, lambda a, d: services.application_document_add(
        application=a, upload=d["file"], kind=d["kind"], actor=request.user), _("材料已上传。"))


# --------------------------------------------------------------------------- temporary aid


@staff_only
def aid_list(request):
    fs = TemporaryAidFilter(request.GET, queryset=selectors.temporary_aid_list(request.user), request=request)
    return render(request, "casework/aid_list.html", {
        "filter": fs, "page": _page(request, fs.qs.order_by("-id")),
        "notices": selectors.home_notices(request.user)[:20]})


@staff_only
def aid_create(request):
    form = forms.TemporaryAidForm(request.POST or None, initial={"region": request.user.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            aid = services.temporary_aid_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("临时救助已登记：%(s)s。") % {"s": aid.get_status_display()})
            return redirect("casework:aid-detail", pk=aid.pk)
    return _form_page(request, form, _("登记临时救助"), back="casework:aid-list")


@staff_only
def aid_detail(request, pk):
    aid = selectors.temporary_aid_get(request.user, pk)
    return render(request, "casework/aid_detail.html", {
        "aid": aid, "payment": getattr(aid, "payment", None) if hasattr(aid, "payment") else None,
        "sms": selectors.sms_list(request.user).filter(aid=aid),
        "review_form": forms.PostReviewForm(), "reject_form": forms.RejectForm()})


def _aid_action(request, pk, call, done, form_class=None):
    aid = selectors.temporary_aid_get(request.user, pk)
    data = {}
    if form_class:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
            return redirect("casework:aid-detail", pk=pk)
        data = form.cleaned_data
    try:
        call(aid, data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("casework:aid-detail", pk=pk)


@staff_only
@require_POST
def aid_approve(request, pk):
    return _aid_action(request, pk, lambda a, d: services.temporary_aid_approve(aid=a, actor=request.user),
                       _("已审批并发放。"))


@staff_only
@require_POST
def aid_reject(request, pk):
    return _aid_action(request, pk, lambda a, d: services.temporary_aid_reject(
        aid=a, actor=request.user, reason=d["reason"]), _("已不予批准。"), forms.RejectForm)


@staff_only
@require_POST
def aid_review(request, pk):
    return _aid_action(request, pk, lambda a, d: services.temporary_aid_post_review(
        aid=a, actor=request.user, **d), _("已复核。"), forms.PostReviewForm)


# --------------------------------------------------------------------------- street relief


@staff_only
def patrol_list(request):
    today = timezone.localdate()
    region = request.user.region_id
    return render(request, "casework/patrol_list.html", {
        "page": _page(request, selectors.patrol_list(request.user).order_by("-started_at")),
        "alerts": selectors.alert_list(request.user).filter(ends_on__gte=today)[:10],
        "expected": selectors.expected_patrols(region, today) if region else None,
        "compliance": selectors.patrol_compliance(request.user, region=region, start=today - dt.timedelta(days=6),
                                                  end=today) if region else [],
        "unidentified": selectors.unidentified_list(request.user).filter(person__isnull=True)[:20]})


@staff_only
def patrol_create(request):
    form = forms.PatrolForm(request.POST or None, inventories=selectors.inventory_list(request.user),
                            staff=selectors.staff_choices(request.user), initial={"region": request.user.region_id, "started_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        try:
            patrol = services.patrol_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("巡查已登记。"))
            return redirect("casework:patrol-detail", pk=patrol.pk)
    return _form_page(request, form, _("登记巡查"), back="casework:patrol-list")


@staff_only
def patrol_detail(request, pk):
    patrol = selectors.patrol_get(request.user, pk)
    shelters = selectors.shelter_list(request.user).filter(active=True)
    form = forms.EncounterForm(request.POST or None, shelters=shelters, initial={"at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            services.encounter_create(patrol=patrol, actor=request.user, **d)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("救助记录已保存。"))
            return redirect("casework:patrol-detail", pk=pk)
    encounters = Encounter.objects.filter(patrol=patrol).select_related("person", "unidentified", "shelter")
    return render(request, "casework/patrol_detail.html", {"patrol": patrol, "encounters": encounters, "form": form})


@staff_only
def unidentified_link(request, pk):
    u = selectors.unidentified_get(request.user, pk)
    form = forms.LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unidentified_link(unidentified=u, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已查明身份，救助记录已归入该人员。"))
            return redirect("casework:patrol-list")
    return _form_page(request, form, _("查明身份：%(d)s") % {"d": u.description[:30]}, back="casework:patrol-list")


@staff_only
def shelter_list(request):
    qs = selectors.shelter_list(request.user)
    kind = request.GET.get("kind", "")
    if kind in Shelter.Kind.values:
        qs = qs.filter(kind=kind)
    return render(request, "casework/shelter_list.html", {"page": _page(request, qs), "kinds": Shelter.Kind.choices,
                                                          "kind": kind})


@staff_only
def shelter_create(request):
    form = forms.ShelterForm(request.POST or None, initial={"region": request.user.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            shelter = services.shelter_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("救助场所已设立。"))
            return redirect("casework:shelter-detail", pk=shelter.pk)
    return _form_page(request, form, _("设立救助场所"), back="casework:shelter-list")


@staff_only
def shelter_detail(request, pk):
    shelter = selectors.shelter_get(request.user, pk)
    form = forms.CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            services.shelter_check_in(shelter=shelter, actor=request.user, **d)
        except ValidationError as exc:
            form_errors(form, exc, rename={"shelter": None})
        else:
            messages.success(request, _("已办理入住。"))
            return redirect("casework:shelter-detail", pk=pk)
    stays = selectors.stay_list(request.user).filter(shelter=shelter)
    return render(request, "casework/shelter_detail.html", {
        "shelter": shelter, "form": form, "open_stays": stays.filter(checked_out_at__isnull=True),
        "past_stays": stays.filter(checked_out_at__isnull=False)[:50],
        "history": selectors.occupancy_history(shelter), "checkout_form": forms.CheckOutForm()})


@staff_only
def shelter_edit(request, pk):
    shelter = selectors.shelter_get(request.user, pk)
    form = forms.ShelterEditForm(request.POST or None, initial={
        "name": shelter.name, "address": shelter.address, "capacity": shelter.capacity, "phone": shelter.phone,
        "active": shelter.active})
    if request.method == "POST" and form.is_valid():
        try:
            services.shelter_update(shelter=shelter, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("救助场所已更新。"))
            return redirect("casework:shelter-detail", pk=pk)
    return _form_page(request, form, _("修改救助场所：%(n)s") % {"n": shelter.name}, back="casework:shelter-list")


@staff_only
@require_POST
def stay_checkout(request, pk):
    stay = selectors.stay_get(request.user, pk)
    form = forms.CheckOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            services.shelter_check_out(stay=stay, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已办理离站。"))
    return redirect("casework:shelter-detail", pk=stay.shelter_id)


@staff_only
def manage(request):
    """The region's policy, fast-track periods and cold-wave alerts, and its shelters (审批人员维护)."""
    return render(request, "casework/manage.html", {
        "policies": selectors.policy_list(request.user), "periods": selectors.fast_track_list(request.user)[:20],
        "alerts": selectors.alert_list(request.user)[:20],
        "policy": selectors.region_policy(request.user.region_id) if request.user.region_id else None})


def _manage_form(request, form_class, call, title, done, initial=None):
    form = form_class(request.POST or None, initial=initial or {"region": request.user.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("casework:manage")
    return _form_page(request, form, title, back="casework:manage")


@staff_only
def policy_edit(request):
    initial = {"region": request.user.region_id}
    if request.user.region_id:
        p = selectors.region_policy(request.user.region_id)
        initial.update(normal_days=p.normal_days, fast_track_days=p.fast_track_days, patrols_per_day=p.patrols_per_day,
                       small_aid_threshold=to_decimal(p.small_aid_threshold), yearly_cap=to_decimal(p.yearly_cap))
    return _manage_form(request, forms.PolicyForm, lambda d: services.policy_set(actor=request.user, **d),
                        _("设置区域救助政策"), _("区域救助政策已保存。"), initial)


@staff_only
def fast_track_new(request):
    return _manage_form(request, forms.FastTrackForm, lambda d: services.fast_track_create(actor=request.user, **d),
                        _("设立快速通道期"), _("快速通道期已设立，期间受理的申请按快速时限办理。"))


@staff_only
def alert_new(request):
    return _manage_form(request, forms.AlertForm, lambda d: services.cold_wave_alert_create(actor=request.user, **d),
                        _("发布寒潮预警"), _("寒潮预警已发布，巡查要求相应提高。"))


# --------------------------------------------------------------------------- hand-over between regions


@staff_only
def handover_list(request):
    qs = selectors.handover_list(request.user)
    region = request.user.region_id
    side = request.GET.get("side", "")
    if region and side == "in":
        qs = qs.filter(region_q("to_region_id", region))
    elif region and side == "out":
        qs = qs.filter(region_q("from_region_id", region))
    if request.GET.get("overdue"):
        qs = qs.filter(is_overdue=True)
    return render(request, "casework/handover_list.html", {
        "page": _page(request, qs.order_by("-is_overdue", "-created_at")), "side": side,
        "overdue": selectors.handover_overdue_counts(request.user)})


@staff_only
def handover_create(request):
    form = forms.HandoverForm(request.POST or None, initial={"region": request.user.region_id,
                                                            "depart_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            if d.get("unidentified"):
                d["unidentified"] = selectors.unidentified_get(request.user, d["unidentified"])
            else:
                d.pop("unidentified", None)
            h = services.handover_create(actor=request.user, **d)
        except Http404:
            form.add_error("unidentified", _("身份不明人员不存在或不在您的管辖范围内。"))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已发起转送，接收地须在 %(t)s 前签收。") % {
                "t": timezone.localtime(h.ack_due_at).strftime("%Y-%m-%d %H:%M")})
            return redirect("casework:handover-detail", pk=h.pk)
    return _form_page(request, form, _("发起跨区域转送（接送返乡）"), back="casework:handover-list")


@staff_only
def handover_detail(request, pk):
    h = selectors.handover_get(request.user, pk)
    return render(request, "casework/handover_detail.html", {
        "h": h, "note_form": forms.NoteForm(), "can_receive": region_in_scope(request.user, h.to_region_id)})


def _handover_action(request, pk, call, done):
    h = selectors.handover_get(request.user, pk)
    form = forms.NoteForm(request.POST)
    form.is_valid()
    try:
        call(h, form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("casework:handover-detail", pk=pk)


@staff_only
@require_POST
def handover_acknowledge(request, pk):
    return _handover_action(request, pk, lambda h, note: services.handover_acknowledge(
        handover=h, actor=request.user, note=note), _("已签收。"))


@staff_only
@require_POST
def handover_complete(request, pk):
    return _handover_action(request, pk, lambda h, note: services.handover_complete(
        handover=h, actor=request.user, note=note), _("已确认接收。"))


@staff_only
def notice_list(request):
    qs = selectors.home_notices(request.user).select_related("region", "acknowledged_by")
    return render(request, "casework/notice_list.html", {"page": _page(request, qs.order_by("acknowledged_at", "-id"))})


@staff_only
def notice_acknowledge(request, pk):
    notice = selectors.home_notice_get(request.user, pk)
    form = forms.NoticeAckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.home_notice_acknowledge(notice=notice, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("通报已签收。"))
            return redirect("casework:notice-list")
    return _form_page(request, form, _("签收异地救助通报：%(n)s 在 %(r)s 获救助 %(a)s") % {
        "n": notice.person.name, "r": notice.from_region.name, "a": yuan_display(notice.amount)},
        back="casework:notice-list")


# --------------------------------------------------------------------------- disaster-victim relief


@staff_only
def disaster_list(request):
    return render(request, "casework/disaster_list.html", {
        "page": _page(request, selectors.disaster_list(request.user).order_by("-occurred_on", "-id")),
        "reviews": selectors.affected_list(request.user).filter(review="open").order_by("review_opened_on", "id")[:50]})


@staff_only
def disaster_create(request):
    form = forms.DisasterEventForm(request.POST or None, initial={"region": request.user.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.disaster_event_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("灾害事件已登记。"))
            return redirect("casework:disaster-detail", pk=event.pk)
    return _form_page(request, form, _("登记灾害事件"), back="casework:disaster-list")


@staff_only
def disaster_detail(request, pk):
    event = selectors.disaster_get(request.user, pk)
    form = forms.AffectedForm(request.POST if request.POST.get("do") == "add" else None)
    import_form = forms.ImportForm(request.POST if request.POST.get("do") == "import" else None,
                                   request.FILES or None)
    report = None
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.disaster_household_add(event=event, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("受灾家庭已登记。"))
            return redirect("casework:disaster-detail", pk=pk)
    if request.method == "POST" and import_form.is_bound and import_form.is_valid():
        try:
            report = services.disaster_households_import(event=event, upload=import_form.cleaned_data["file"],
                                                         actor=request.user)
        except ValidationError as exc:
            form_errors(import_form, exc)
    households = selectors.affected_list(request.user).filter(event=event)
    return render(request, "casework/disaster_detail.html", {
        "event": event, "form": form, "import_form": import_form, "report": report,
        "page": _page(request, households.order_by("id")), "aid_form": forms.DisasterAidForm(),
    })


@staff_only
@require_POST
def disaster_aid(request, pk):
    affected = selectors.affected_get(request.user, pk)
    form = forms.DisasterAidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            aid = services.disaster_aid_pay(affected=affected, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已登记%(k)s %(a)s（%(s)s）。") % {
                "k": aid.get_kind_display(), "a": yuan_display(aid.amount), "s": aid.get_status_display()})
    return redirect("casework:disaster-detail", pk=affected.event_id)


@staff_only
def disaster_review(request, pk):
    affected = selectors.affected_get(request.user, pk)
    form = forms.DisasterReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disaster_review_resolve(affected=affected, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("复核结论已保存。"))
            return redirect("casework:disaster-detail", pk=affected.event_id)
    return _form_page(request, form, _("过渡期后复核：%(n)s（%(e)s）") % {"n": affected.person.name,
                                                                   "e": affected.event.name},
                      back="casework:disaster-list")


# --------------------------------------------------------------------------- a household's casework page


@staff_only
def household(request, pk):
    hh = household_get(request.user, pk)
    form = forms.HeatingAidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            aid = services.heating_aid_grant(household=hh, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc, rename={"household": None})
        else:
            messages.success(request, _("取暖临时救助已登记：%(s)s。") % {"s": aid.get_status_display()})
            return redirect("casework:household", pk=pk)
    return render(request, "casework/household.html", {
        "hh": hh, "form": form, **selectors.household_casework(request.user, hh)})


@staff_only
@require_POST
def sms_resend(request, pk):
    notice = selectors.sms_get(request.user, pk)
    try:
        services.notice_resend(notice=notice, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已重新发送。"))
    return redirect(request.POST.get("next") or "casework:application-list") if url_has_allowed_host_and_scheme(
        request.POST.get("next"), allowed_hosts={request.get_host()}) else redirect("casework:application-list")


# --------------------------------------------------------------------------- visits, discovery


@staff_only
def visit_list(request):
    return render(request, "casework/visit_list.html",
                  {"page": _page(request, selectors.visit_list(request.user))})


@staff_only
def visit_create(request):
    form = forms.VisitForm(request.POST or None, initial={"household": request.GET.get("household"),
                                                          "visited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            household = household_get(request.user, d.pop("household"))
            services.visit_create(household=household, actor=request.user, **d)
        except Http404:
            form.add_error("household", _("家庭不存在或不在您的管辖范围内。"))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("走访记录已保存。"))
            return redirect("casework:visit-list")
    return _form_page(request, form, _("登记走访慰问"), back="casework:visit-list")


@staff_only
def discovery_list(request):
    data = request.GET.copy()
    data.setdefault("status", "open")
    fs = DiscoveryFilter(data, queryset=selectors.discovery_list(request.user), request=request)
    return render(request, "casework/discovery_list.html", {"filter": fs, "page": _page(request, fs.qs)})


@staff_only
def discovery_resolve(request, pk):
    task = selectors.discovery_get(request.user, pk)
    form = forms.ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.discovery_resolve(task=task, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("任务已处理。"))
            return redirect("casework:discovery-list")
    return render(request, "casework/discovery_resolve.html", {"task": task, "form": form})


# --------------------------------------------------------------------------- reports


def _report(request):
    form = forms.ReportForm(request.GET or None)
    start, end = reports.default_period()
    region = request.user.region_id
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
        region = form.cleaned_data["region"] or region
    if not region:
        region = "610000"
    if not Region.objects.filter(code=region).exists() or not region_in_scope(request.user, region):
        raise Http404
    return form, selectors.report(request.user, region=region, start=start, end=end)


@staff_only
@replica_reads
def report(request):
    form, data = _report(request)
    aid_chart = charts.bar(_("临时救助金额（元）分区域"), [r["name"] for r in data["aid_by_region"]],
                           {_("金额"): [charts.whole_yuan(r["amount"]) for r in data["aid_by_region"]]})
    t = data["temporary_aid"]
    form_chart = charts.pie(_("临时救助形式（元）"), {_("现金"): charts.whole_yuan(t["cash"]),
                                                  _("实物"): charts.whole_yuan(t["in_kind"])})
    s = data["street"]
    items_chart = charts.bar(_("街面救助发放物资"), [_("食品"), _("衣物"), _("被褥")],
                             {_("数量"): [s["food"], s["clothing"], s["bedding"]]})
    return render(request, "casework/report.html", {
        "form": form, "data": data, "rows": reports.rows(data), "region": Region.objects.get(code=data["region"]),
        "charts": [aid_chart, form_chart, items_chart], "query": request.GET.urlencode()})


@staff_only
@replica_reads
def report_export(request, fmt):
    _form, data = _report(request)
    name = Region.objects.get(code=data["region"]).name
    filename = f"casework-{data['region']}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(reports.to_csv(data, name), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(reports.to_xlsx(data, name),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    raise Http404


