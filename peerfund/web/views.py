"""Site pages: home, my account, health check, the public project images and the
styled error pages."""
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from peerfund.accounts.selectors import cards_of
from peerfund.accounts.services.identity import verified_identity
from peerfund.accounts.services.risk import user_risk_level
from peerfund.cms.models import Article
from peerfund.cms.services import published
from peerfund.crowdfunding.content import SERVED_IMAGE_TYPES
from peerfund.crowdfunding.models import Project
from peerfund.custody.models import CustodyAccount
from peerfund.disclosure.services.statistics import latest_snapshot
from peerfund.funds.selectors import asset_overview, history
from peerfund.lending.models import Loan


def home(request):
    """The platform's figures from the last daily close, what is open now, the latest
    announcements."""
    return render(request, "web/home.html", {
        "snapshot": latest_snapshot(),
        "loans": Loan.objects.filter(status=Loan.Status.LISTED).order_by("-listed_at")[:4],
        "projects": Project.objects.filter(status=Project.Status.FUNDING).order_by("-raised_fen")[:4],
        "announcements": published(Article.Kind.ANNOUNCEMENT)[:4],
    })


@login_required
def account(request):
    """My assets (我的资产): balances, what later capabilities add, recent movements."""
    context = {
        "overview": asset_overview(request.user),
        "postings": history(request.user)[:20],
        "identity": verified_identity(request.user),
        "has_card": cards_of(request.user).exists(),
        "risk_level": user_risk_level(request.user),
        "has_trade_password": bool(request.user.trade_password),
        "custody_account": CustodyAccount.objects.filter(owner=request.user).first(),
    }
    return render(request, "web/account.html", context)


@require_GET
@never_cache
def healthz(request):
    """Database and task queue reachable: 200, else 503 with what failed."""
    from huey.contrib.djhuey import HUEY

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report any failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        HUEY.pending_count()
        checks["queue"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["queue"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


@require_GET
def project_media(request, path: str):
    """A public project image (cover or story image) under media/projects/. Only the
    image suffixes we store are served, each with its own content type, inline with a
    file name and nosniff: a file of any other name is a 404, so nothing under media/
    is ever served as HTML or script on our origin."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or "\\" in path:
        raise SuspiciousFileOperation("path outside media/projects/")  # a 400
    content_type = SERVED_IMAGE_TYPES.get(relative.suffix.lower())
    if content_type is None:
        raise Http404("not a project image")
    root = (Path(settings.MEDIA_ROOT) / "projects").resolve()
    file_path = (root / relative).resolve()
    if not file_path.is_relative_to(root) or not file_path.is_file():
        raise Http404("no such image")
    response = FileResponse(file_path.open("rb"), content_type=content_type, filename=file_path.name, as_attachment=False)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400"
    return response


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
