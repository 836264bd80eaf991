"""Thin web views: parse, call one service or selector, render."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.audit_actions import AuditAction as PortalAudit
from portal.dbrouter import replica_reads
from portal.permissions import allowed
from portal.roles import Role
from portal.scoping import get_scoped_or_404
from portal.services import audit_read
from portal.web import form_errors, role_required

from . import certificates as render_cert
from . import charts, selectors, services
from .filters import AssessmentFilter, CertificateFilter, ClassFilter
from .forms import (
    AssessmentForm,
    AssessorForm,
    AttendanceForm,
    AwardForm,
    CandidateForm,
    CompetitionForm,
    EnrolmentForm,
    EntryForm,
    FollowUpForm,
    InstitutionForm,
    JudgeScoresForm,
    ObjectionForm,
    ObjectionResolveForm,
    PublishForm,
    ReasonForm,
    ReferralForm,
    ScoreSheetForm,
    SittingForm,
    VerifyForm,
)
from .models import (
    Assessment,
    Award,
    Certificate,
    ClassEnrolment,
    Competition,
    CompetitionEntry,
    EmploymentFollowUp,
    Objection,
    Sitting,
    TrainingClass,
)

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# ---------------------------------------------------------------- public verification

def _verify_throttled(request) -> bool:
    """The public page shares the API's "verify" rate (per client address), so names can't be guessed in bulk."""
    rate = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get("verify") or "60/minute"
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    key = f"training-verify:{request.META.get('REMOTE_ADDR', '')}:{int(timezone.now().timestamp()) // seconds}"
    cache.add(key, 0, seconds)
    try:
        hits = cache.incr(key)
    except ValueError:
        hits = 1
    return hits > int(count)


def verify(request):
    """Public (no login): number + name -> the certificate's status, or "not found"."""
    if request.GET and _verify_throttled(request):
        return render(request, "skills_training/verify.html", {"form": VerifyForm(), "throttled": True}, status=429)
    form = VerifyForm(request.GET or None)
    cert = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        cert = selectors.certificate_verify(form.cleaned_data["number"], form.cleaned_data["name"])
    status = 404 if searched and cert is None else 200
    return render(request, "skills_training/verify.html",
                  {"form": form, "cert": cert, "searched": searched, "via_qr": False,
                   "holder_masked": services.mask_name(cert.holder_name) if cert else ""}, status=status)


def verify_qr(request, number):
    """The QR link target: number + HMAC token (no name in the URL); a revoked one shows REVOKED."""
    if _verify_throttled(request):
        return render(request, "skills_training/verify.html", {"form": VerifyForm(), "throttled": True}, status=429)
    cert = selectors.certificate_by_qr(number, request.GET.get("n", ""))
    return render(request, "skills_training/verify.html",
                  {"form": VerifyForm(initial={"number": number}), "cert": cert, "searched": True, "via_qr": True,
                   "holder_masked": services.mask_name(cert.holder_name) if cert else ""},
                  status=200 if cert else 404)


# ---------------------------------------------------------------- assessments

@role_required(Role.TRAINING_STAFF)
def assessment_list(request):
    filterset = AssessmentFilter(request.GET, queryset=selectors.assessment_list(request.user))
    return render(request, "skills_training/assessment_list.html",
                  {"filter": filterset, "page": _page(request, filterset.qs)})


@role_required(Role.TRAINING_STAFF)
def assessment_create(request):
    institutions = selectors.institution_list(request.user)
    form = AssessmentForm(request.POST or None, institutions=institutions, sittings=selectors.sitting_list(request.user),
                          initial={"sat_on": timezone.localdate(), "rule_template": "2023"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.assessment_record(
                candidate_id_number=data["candidate_id_number"], candidate_name=data["candidate_name"],
                level=data["level"], years_in_trade=data["years_in_trade"], theory_score=data["theory_score"],
                practical_scores=form.practical_scores(), review_score=data["review_score"],
                rule_template=data["rule_template"], diploma=data["diploma"], title=data["title"],
                institution=data["institution"], sat_on=data["sat_on"], sitting=data["sitting"], actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc, rename={"practical_scores": "practical_1", "region": "institution"})
        else:
            if assessment.passed:
                messages.success(request, _("成绩已录入，考生通过评价，证书已颁发。"))
                return redirect("skills_training:certificate-detail", number=assessment.certificate.number)
            messages.warning(request, _("成绩已录入，考生未通过评价。"))
            return redirect("skills_training:assessment-list")
    return render(request, "skills_training/assessment_form.html", {"form": form})


# ---------------------------------------------------------------- certificates

@role_required(Role.TRAINING_STAFF)
def certificate_list(request):
    filterset = CertificateFilter(request.GET, queryset=selectors.certificate_list(request.user))
    return render(request, "skills_training/certificate_list.html",
                  {"filter": filterset, "page": _page(request, filterset.qs)})


@role_required(Role.TRAINING_STAFF)
def certificate_detail(request, number):
    cert = get_scoped_or_404(Certificate.objects.select_related("level", "holder"), request.user, number=number)
    url = render_cert.verify_url(cert, request)
    return render(request, "skills_training/certificate_detail.html",
                  {"cert": cert, "verify_url": url, "qr_svg": render_cert.qr_svg(url),
                   "revoke_form": ReasonForm(prefix="revoke"), "reissue_form": ReasonForm(prefix="reissue")})


@role_required(Role.TRAINING_STAFF)
def certificate_pdf(request, number):
    cert = get_scoped_or_404(Certificate.objects.select_related("level"), request.user, number=number)
    if cert.status == Certificate.Status.REVOKED:  # a revoked certificate no longer offers its PDF
        return HttpResponse(_("该证书已撤销，不再提供证书文件。"), status=410, content_type="text/plain; charset=utf-8")
    pdf = render_cert.certificate_pdf(cert, render_cert.verify_url(cert, request))
    audit_read(actor=request.user, action=PortalAudit.CERTIFICATE_PDF, obj=cert, region_code=cert.region_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
    return response


def _certificate_action(request, number, prefix, service, done):
    cert = get_scoped_or_404(Certificate.objects.all(), request.user, number=number)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(number=cert.number, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, done)
    else:
        messages.error(request, _("请填写原因。"))
    return redirect("skills_training:certificate-detail", number=cert.number)


@role_required(Role.TRAINING_STAFF)
@require_POST
def certificate_revoke(request, number):
    return _certificate_action(request, number, "revoke", services.certificate_revoke, _("证书已撤销。"))


@role_required(Role.TRAINING_STAFF)
@require_POST
def certificate_reissue(request, number):
    return _certificate_action(request, number, "reissue", services.certificate_reissue, _("已登记补发。"))


# ---------------------------------------------------------------- institutions, classes, enrolments

@role_required(Role.TRAINING_STAFF)
def institution_list(request):
    form = InstitutionForm(request.POST or None, initial={"region_code": request.user.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("培训评价机构已登记。"))
            return redirect("skills_training:institution-list")
    return render(request, "skills_training/institution_list.html",
                  {"form": form, "page": _page(request, selectors.institution_list(request.user).order_by("code"))})


# ---------------------------------------------------------------- sittings: tickets, score sheets, notice, issuing

@role_required(Role.TRAINING_STAFF)
def sitting_list(request):
    form = SittingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = selectors.institution_list(request.user).filter(code=data["institution"]).first()
        if institution is None:
            form.add_error("institution", _("评价机构不存在或不在您的管辖范围内。"))
        else:
            try:
                sitting = services.sitting_create(level=data["level"], sat_on=data["sat_on"],
                                                  invigilators=form.names(data["invigilators"]),
                                                  assessors=form.names(data["assessors"]),
                                                  institution=institution, actor=request.user)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("考试场次已安排。"))
                return redirect("skills_training:sitting-detail", pk=sitting.pk)
    return render(request, "skills_training/sitting_list.html",
                  {"form": form, "page": _page(request, selectors.sitting_list(request.user))})


def _sitting_context(request, sitting, **forms):
    assessments = (sitting.assessments.select_related("candidate", "certificate")
                   .prefetch_related("assessor_scores", "objections").order_by("id"))
    return {"sitting": sitting, "candidates": sitting.candidates.select_related("person"),
            "assessments": assessments, "today": timezone.localdate(),
            "candidate_form": forms.get("candidate_form") or CandidateForm(),
            "sheet_form": forms.get("sheet_form") or ScoreSheetForm(),
            "publish_form": forms.get("publish_form") or PublishForm(initial={
                "notice_working_days": sitting.notice_working_days}),
            "objection_form": ObjectionForm(), "resolve_form": ObjectionResolveForm(),
            "sheet_report": forms.get("sheet_report") or []}


@role_required(Role.TRAINING_STAFF)
def sitting_detail(request, pk):
    sitting = get_scoped_or_404(Sitting.objects.select_related("level", "institution"), request.user, pk=pk)
    ctx = {}
    action = request.POST.get("action") if request.method == "POST" else None
    done = None
    try:
        if action == "admit":
            form = ctx["candidate_form"] = CandidateForm(request.POST)
            if form.is_valid():
                services.candidate_admit(sitting=sitting, actor=request.user, **form.cleaned_data)
                done = _("考生已报名，准考证号已生成。")
        elif action == "import":
            form = ctx["sheet_form"] = ScoreSheetForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                rows = services.score_sheet_rows(upload.read(), upload.name, sitting)
                n = services.sitting_results_import(sitting=sitting, rows=rows, actor=request.user)
                done = _("已导入 %(n)s 名考生的成绩。") % {"n": n}
        elif action == "publish":
            form = ctx["publish_form"] = PublishForm(request.POST)
            if form.is_valid():
                services.sitting_results_publish(sitting=sitting, actor=request.user, **form.cleaned_data)
                done = _("成绩已公示。")
        elif action == "objection":
            form = ObjectionForm(request.POST)
            if form.is_valid():
                assessment = get_scoped_or_404(Assessment.objects.all(), request.user,
                                               pk=form.cleaned_data["assessment"], sitting=sitting)
                services.objection_record(assessment=assessment, raised_by=form.cleaned_data["raised_by"],
                                          reason=form.cleaned_data["reason"], actor=request.user)
                done = _("异议已登记，该考生的证书暂缓颁发。")
            else:
                messages.error(request, _("请填写异议提出人和异议内容。"))
        elif action == "resolve":
            form = ObjectionResolveForm(request.POST)
            objection = get_scoped_or_404(Objection.objects.all(), request.user, pk=request.POST.get("objection"),
                                          assessment__sitting=sitting)
            if form.is_valid():
                services.objection_resolve(objection=objection, actor=request.user, **form.cleaned_data)
                done = _("异议已处理。")
            else:
                messages.error(request, _("请填写处理意见。"))
        elif action == "issue":
            issued = services.sitting_certificates_issue(sitting=sitting, actor=request.user)
            done = _("已颁发 %(n)s 本证书。") % {"n": len(issued)}
    except ValidationError as exc:
        if action == "import":
            ctx["sheet_report"] = exc.messages
        else:
            target = ctx.get({"admit": "candidate_form", "publish": "publish_form"}.get(action, ""))
            if target is not None:
                form_errors(target, exc)
            else:
                messages.error(request, "；".join(exc.messages))
    if done:
        messages.success(request, done)
        return redirect("skills_training:sitting-detail", pk=sitting.pk)
    sitting.refresh_from_db()
    return render(request, "skills_training/sitting_detail.html", _sitting_context(request, sitting, **ctx),
                  status=400 if ctx.get("sheet_report") else 200)


@role_required(Role.TRAINING_STAFF)
def sitting_tickets(request, pk):
    """Printable admission tickets (准考证), one per candidate."""
    sitting = get_scoped_or_404(Sitting.objects.select_related("level", "institution", "region"), request.user, pk=pk)
    return render(request, "skills_training/sitting_tickets.html",
                  {"sitting": sitting, "candidates": sitting.candidates.select_related("person")})


def _score_grid(sitting, data=None) -> list[dict]:
    """One row per admitted candidate: the typed-in values (or blanks), one box per assessor of the sitting."""
    rows = []
    for c in sitting.candidates.select_related("person").order_by("seat", "id"):
        get = (lambda key, c=c: (data.get(f"{key}-{c.pk}", "") or "").strip()) if data is not None else (lambda key: "")
        rows.append({"candidate": c, "years": get("years"), "theory": get("theory"), "review": get("review"),
                     "scores": [get(f"score{i}") for i in range(len(sitting.assessors))], "errors": []})
    return rows


@role_required(Role.TRAINING_STAFF)
def sitting_scores(request, pk):
    """The whole sitting's scores on one screen: a row per candidate, a column per named assessor of the
    sitting's assessor group; saved all together or not at all (through sitting_results_import)."""
    sitting = get_scoped_or_404(Sitting.objects.select_related("level", "institution", "region"), request.user, pk=pk)
    grid = _score_grid(sitting, request.POST if request.method == "POST" else None)
    errors = []
    if request.method == "POST":
        filled = [r for r in grid if r["theory"] or r["years"] or r["review"] or any(r["scores"])]
        rows = [{"id_number": r["candidate"].person.id_number, "name": r["candidate"].person.name,
                 "years_in_trade": r["years"], "theory_score": r["theory"], "review_score": r["review"],
                 "scores": dict(zip(sitting.assessors, r["scores"], strict=True))} for r in filled]
        try:
            n = services.sitting_results_import(sitting=sitting, rows=rows, actor=request.user, by_row=True)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, messages_ in exc.message_dict.items():
                    if key.isdigit() and int(key) < len(filled):
                        filled[int(key)]["errors"] = messages_
                    else:
                        errors.extend(messages_)
            else:
                errors.extend(exc.messages)
            if not errors and not any(r["errors"] for r in grid):
                errors.append(_("成绩未保存。"))
        else:
            messages.success(request, _("已保存 %(n)s 名考生的成绩。") % {"n": n})
            return redirect("skills_training:sitting-detail", pk=sitting.pk)
    register = {a.name: a for a in selectors.assessors_named(sitting)}
    return render(request, "skills_training/sitting_scores.html", {
        "sitting": sitting, "grid": grid, "errors": errors, "needs_review": sitting.level.number <= 2,
        "assessors": [{"name": n, "register": register.get(n)} for n in sitting.assessors],
        "failed_rows": sum(1 for r in grid if r["errors"]),
    }, status=400 if request.method == "POST" else 200)


@role_required(Role.TRAINING_STAFF)
def assessor_list(request):
    form = AssessorForm(request.POST or None, initial={"region_code": request.user.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.assessor_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("考评员已入册。"))
            return redirect("skills_training:assessor-list")
    return render(request, "skills_training/assessor_list.html",
                  {"form": form, "page": _page(request, selectors.assessor_list(request.user)),
                   "today": timezone.localdate()})


@role_required(Role.TRAINING_STAFF)
def class_list(request):
    filterset = ClassFilter(request.GET, queryset=selectors.class_list(request.user))
    return render(request, "skills_training/class_list.html", {"filter": filterset, "page": _page(request, filterset.qs)})


@role_required(Role.TRAINING_STAFF)
def class_detail(request, pk):
    klass = get_scoped_or_404(TrainingClass.objects.select_related("institution", "level"), request.user, pk=pk)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_create(training_class=klass, id_number=form.cleaned_data["id_number"],
                                      name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("学员已报名。"))
            return redirect("skills_training:class-detail", pk=klass.pk)
    enrolments = klass.enrolments.select_related("person").order_by("id")
    return render(request, "skills_training/class_detail.html",
                  {"klass": klass, "form": form, "page": _page(request, enrolments),
                   "referred": selectors.referred_person_ids(request.user)})


@role_required(Role.TRAINING_STAFF)
@require_POST
def enrolment_update(request, pk):
    enrolment = get_scoped_or_404(ClassEnrolment.objects.select_related("training_class"), request.user, pk=pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            services.enrolment_update(enrolment=enrolment, attendance=form.cleaned_data["attendance"],
                                      completed=form.cleaned_data["completed"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已更新出勤与结业情况。"))
    else:
        messages.error(request, _("出勤课时无效。"))
    return redirect("skills_training:class-detail", pk=enrolment.training_class_id)


# ---------------------------------------------------------------- competitions

@role_required(Role.TRAINING_STAFF)
def competition_list(request):
    form = CompetitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            competition = services.competition_create(name=data["name"], edition=data["edition"], tier=data["tier"],
                                                      region_code=data["region"], held_on=data["held_on"],
                                                      actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            return redirect("skills_training:competition-detail", pk=competition.pk)
    return render(request, "skills_training/competition_list.html",
                  {"form": form, "page": _page(request, selectors.competition_list(request.user))})


@role_required(Role.TRAINING_STAFF)
def competition_detail(request, pk):
    competition = get_scoped_or_404(Competition.objects.select_related("region"), request.user, pk=pk)
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_create(competition=competition, id_number=form.cleaned_data["id_number"],
                                  name=form.cleaned_data["name"], dish_name=form.cleaned_data["dish_name"],
                                  actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("选手已报名。"))
            return redirect("skills_training:competition-detail", pk=competition.pk)
    entries = competition.entries.select_related("person", "certificate__level").prefetch_related("judge_scores")
    return render(request, "skills_training/competition_detail.html", {
        "competition": competition, "form": form, "entries": entries, "award_choices": Award.choices})


@role_required(Role.TRAINING_STAFF)
def entry_detail(request, pk):
    entry = get_scoped_or_404(CompetitionEntry.objects.select_related("competition", "person"), request.user, pk=pk)
    form = JudgeScoresForm(request.POST or None, initial={
        **{f"judge_{i}": s.judge for i, s in enumerate(entry.judge_scores.all(), start=1)},
        **{f"score_{i}": s.score for i, s in enumerate(entry.judge_scores.all(), start=1)}})
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_score(entry=entry, scores=form.scores(), actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("评分已保存。"))
            return redirect("skills_training:competition-detail", pk=entry.competition_id)
    return render(request, "skills_training/entry_detail.html", {"entry": entry, "form": form})


@role_required(Role.TRAINING_STAFF)
@require_POST
def entry_award(request, pk):
    entry = get_scoped_or_404(CompetitionEntry.objects.all(), request.user, pk=pk)
    form = AwardForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("奖项无效。"))
        services.entry_award(entry=entry, award=form.cleaned_data["award"], actor=request.user)
        messages.success(request, _("奖项已保存。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("skills_training:competition-detail", pk=entry.competition_id)


@role_required(Role.TRAINING_STAFF)
@require_POST
def entry_promote(request, pk):
    entry = get_scoped_or_404(CompetitionEntry.objects.all(), request.user, pk=pk)
    try:
        cert = services.promotion_apply(entry=entry, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("skills_training:competition-detail", pk=entry.competition_id)
    messages.success(request, _("已按竞赛晋升规则颁发证书。"))
    return redirect("skills_training:certificate-detail", number=cert.number)


# ---------------------------------------------------------------- employment follow-up and dashboard

@role_required(Role.TRAINING_STAFF)
def followup_list(request):
    form = FollowUpForm(request.POST or None, initial={"followed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cert = selectors.certificate_list(request.user).filter(number=data["certificate_number"].strip().upper()).first()
        if cert is None:
            form.add_error("certificate_number", _("证书不存在或不在您的管辖范围内。"))
        else:
            try:
                services.followup_record(certificate=cert, followed_on=data["followed_on"], outcome=data["outcome"],
                                         brand=data["brand"], employer=data["employer"],
                                         income_before=data["income_before"], income_after=data["income_after"],
                                         jobs_created=data["jobs_created"], actor=request.user)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("回访已记录。"))
                return redirect("skills_training:followup-list")
    return render(request, "skills_training/followup_list.html",
                  {"form": form, "page": _page(request, selectors.followup_list(request.user))})


@role_required(Role.TRAINING_STAFF)
@replica_reads
def dashboard(request):
    stats = selectors.brand_dashboard(request.user)
    level_labels = {5: "五级", 4: "四级", 3: "三级", 2: "二级", 1: "一级"}
    outcome_labels = dict(EmploymentFollowUp.Outcome.choices)
    return render(request, "skills_training/dashboard.html", {
        "stats": stats, "brand_figures": selectors.brand_figures(request.user),
        "chart_levels": charts.certificates_by_level(stats["by_level"], level_labels),
        "chart_rates": charts.pass_rates(stats["pass_rates"]) if stats["pass_rates"] else "",
        "chart_outcomes": charts.outcomes(stats["outcomes"], outcome_labels) if stats["outcomes"] else "",
    })


# ---------------------------------------------------------------- 就业帮扶 referrals (caseworkers)

@role_required(Role.CASEWORKER, Role.APPROVER, Role.TRAINING_STAFF)
def referral_list(request):
    """Everyone concerned sees the referrals of their region; who may refer is the service's rule (the form is
    shown to those it would accept)."""
    user = request.user
    form = None
    if request.method == "POST" or allowed(user, roles={Role.CASEWORKER}):
        form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已转介至技能培训。"))
            return redirect("skills_training:referral-list")
    page = _page(request, selectors.referral_list(user))
    outcomes = selectors.referral_outcomes(r.person_id for r in page)
    rows = [(r, outcomes[r.person_id]) for r in page]
    return render(request, "skills_training/referral_list.html", {"form": form, "page": page, "rows": rows})


# ---------------------------------------------------------------- the labour brand 亳州养生

def _form_page(request, *, form, title, back, save, success, back_args=()):
    """One form page (create or edit): the service's ValidationError lands under the fields; success goes
    back to `back` (a URL name) — or to what `save` returns when it returns a URL."""
    from django.urls import reverse

    back_url = reverse(back, args=back_args)
    if request.method == "POST" and form.is_valid():
        try:
            target = save(form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(target if isinstance(target, str) else back_url)
    return render(request, "skills_training/form.html", {"form": form, "title": title, "back_url": back_url})




@role_required(Role.TRAINING_STAFF)
def brand(request):
    """亳州养生: its trades (each with its standard), events, pilot regions, with links to add and edit."""
    from django.urls import reverse

    return render(request, "skills_training/brand.html", {
        "figures": selectors.brand_figures(request.user),
        "events": _page(request, selectors.brand_event_list(request.user)),
        "dashboard_url": reverse("skills_training:dashboard"),
    })


@role_required(Role.TRAINING_STAFF)
def brand_trade_edit(request, pk=None):
    from .forms import BrandTradeForm
    from .models import BrandTrade

    trade = get_scoped_or_404(BrandTrade.objects.select_related("standard"), request.user, pk=pk) if pk else None
    initial = {"region_code": request.user.region_id or "", "position": 0}
    if trade is not None:
        initial = {"code": trade.code, "name": trade.name, "occupation": trade.occupation,
                   "region_code": trade.region_id, "standard_code": trade.standard.code if trade.standard else "",
                   "standard_note": trade.standard_note, "description": trade.description, "position": trade.position}
    form = BrandTradeForm(request.POST or None, initial=initial)
    return _form_page(
        request, form=form, title=_("修改品牌板块") if trade else _("新增品牌板块"), back="skills_training:brand",
        save=lambda d: services.brand_trade_save(trade=trade, actor=request.user, **d),
        success=_("品牌板块已保存。"))


@role_required(Role.TRAINING_STAFF)
def brand_event_edit(request, pk=None):
    from .forms import BrandEventForm
    from .models import BrandEvent

    event = get_scoped_or_404(BrandEvent.objects.all(), request.user, pk=pk) if pk else None
    initial = {"region_code": request.user.region_id or "", "participants": 0, "deals_signed": 0,
               "deal_amount": "0", "jobs_offered": 0}
    if event is not None:
        from portal.money import yuan_str

        initial = {"kind": event.kind, "name": event.name, "held_on": event.held_on, "place": event.place,
                   "region_code": event.region_id, "trades": [t.code for t in event.trades.all()],
                   "participants": event.participants, "deals_signed": event.deals_signed,
                   "deal_amount": yuan_str(event.deal_amount), "jobs_offered": event.jobs_offered, "note": event.note}
    form = BrandEventForm(request.POST or None, initial=initial, trades=selectors.brand_trade_list(request.user))
    return _form_page(
        request, form=form, title=_("修改品牌活动") if event else _("登记品牌活动"), back="skills_training:brand",
        save=lambda d: services.brand_event_save(event=event, actor=request.user, **d),
        success=_("品牌活动已保存。"))


@role_required(Role.TRAINING_STAFF)
def pilot_region_edit(request, pk=None):
    from .forms import PilotRegionForm
    from .models import PilotRegion

    pilot = get_scoped_or_404(PilotRegion.objects.all(), request.user, pk=pk) if pk else None
    initial = {"region_code": request.user.region_id or "", "approved_by": _("人力资源社会保障部")}
    if pilot is not None:
        initial = {"region_code": pilot.region_id, "standard_code": pilot.standard.code,
                   "approved_by": pilot.approved_by, "approved_on": pilot.approved_on, "note": pilot.note}
    form = PilotRegionForm(request.POST or None, initial=initial)
    return _form_page(
        request, form=form, title=_("修改试点地区") if pilot else _("登记标准先行试点地区"), back="skills_training:brand",
        save=lambda d: services.pilot_region_save(pilot=pilot, actor=request.user, **d),
        success=_("试点地区已保存。"))


# ---------------------------------------------------------------- institutions and classes, run in the portal

@role_required(Role.TRAINING_STAFF)
def institution_edit(request, pk):
    from .forms import InstitutionEditForm
    from .models import TrainingInstitution

    inst = get_scoped_or_404(TrainingInstitution.objects.all(), request.user, pk=pk)
    form = InstitutionEditForm(request.POST or None, initial={
        "name": inst.name, "evaluator_code": inst.evaluator_code, "evaluator_type": inst.evaluator_type,
        "address": inst.address})
    return _form_page(
        request, form=form, title=_("修改培训评价机构：%(code)s") % {"code": inst.code},
        back="skills_training:institution-list",
        save=lambda d: services.institution_update(institution=inst, actor=request.user, **d),
        success=_("培训评价机构已保存。"))


@role_required(Role.TRAINING_STAFF)
def class_create(request):
    from django.urls import reverse

    from .forms import ClassForm

    form = ClassForm(request.POST or None, institutions=selectors.institution_list(request.user).order_by("code"),
                     initial={"capacity": 40, "sessions": 40, "level": 5})

    def save(d):
        klass = services.class_create(actor=request.user, **d)
        return reverse("skills_training:class-detail", args=[klass.pk])

    return _form_page(request, form=form, title=_("开设培训班"), back="skills_training:class-list", save=save,
                      success=_("培训班已开设。"))


@role_required(Role.TRAINING_STAFF)
def class_edit(request, pk):
    from .forms import ClassForm

    klass = get_scoped_or_404(TrainingClass.objects.select_related("institution", "level"), request.user, pk=pk)
    form = ClassForm(request.POST or None, institutions=None, editing=True, initial={
        "name": klass.name, "level": klass.level.number, "starts_on": klass.starts_on, "ends_on": klass.ends_on,
        "teacher": klass.teacher, "capacity": klass.capacity, "sessions": klass.sessions})
    return _form_page(
        request, form=form, title=_("修改培训班：%(name)s") % {"name": klass.name},
        back="skills_training:class-detail", back_args=[klass.pk],
        save=lambda d: services.class_update(training_class=klass, actor=request.user, **d),
        success=_("培训班已保存。"))
