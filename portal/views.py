from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from .dashboard import widgets_for
from .dbrouter import replica_reads
from .models import Job
from .navigation import nav_for


@login_required
@replica_reads
def dashboard(request):
    user = request.user
    cards, widgets = nav_for(user), widgets_for(user)
    primary = [c for c in cards if not c["secondary"]]
    if len(primary) == 1 and not widgets:
        # one function and nothing to watch (the insured: their account; a hospital: the payment desk):
        # land on it rather than on a workbench of one card
        return redirect(primary[0]["url"])
    return render(request, "portal/dashboard.html", {"cards": cards, "region": user.region, "widgets": widgets})


@login_required
def job_progress(request, pk):
    """Progress of a background job, for the htmx progress bar (only the job's creator or an admin)."""
    qs = Job.objects.all() if request.user.is_portal_admin else Job.objects.filter(created_by=request.user)
    job = get_object_or_404(qs, pk=pk)
    if request.headers.get("HX-Request"):
        return render(request, "portal/_job_progress.html", {"job": job})
    return JsonResponse({"id": job.pk, "status": job.status, "progress": job.progress, "error": job.error})


@require_GET
def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@login_required
@require_GET
def region_children(request):
    """JSON for the cascading region pickers: the children of `?parent=` within the user's region."""
    from django.utils.translation import gettext as _

    from .selectors import region_children_in_scope

    label, children = region_children_in_scope(request.user, request.GET.get("parent", ""))
    return JsonResponse({"label": label, "all_label": _("全部%(level)s") % {"level": label} if label else "",
                         "children": children})
