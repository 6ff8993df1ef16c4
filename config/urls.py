from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api
from peerfund.accounts import signup as signup_views
from peerfund.accounts import views as account_views
from peerfund.web import views as web_views

urlpatterns = [
    path("", include("peerfund.web.urls")),
    path("healthz", web_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/signup/", signup_views.signup, name="account_signup"),  # allauth's, plus the risk rules
    path("accounts/", include("allauth.urls")),
    path("me/support/", include("peerfund.backoffice.support_urls")),
    path("me/", include("peerfund.accounts.urls")),
    path("invite/<str:code>/", account_views.invite_landing, name="invite_landing"),
    path("funds/", include("peerfund.funds.urls")),
    path("loans/", include("peerfund.lending.urls")),
    path("projects/", include("peerfund.crowdfunding.urls")),
    path("disclosure/", include("peerfund.disclosure.urls")),
    path("legal/", include("peerfund.legal.urls")),
    path("", include("peerfund.cms.urls")),
    path("backoffice/", include("peerfund.backoffice.urls")),
    path("backoffice/risk/", include("peerfund.risk.urls")),
    path("backoffice/lending/", include("peerfund.lending.backoffice_urls")),
    path("backoffice/close/", include("peerfund.cob.backoffice_urls")),
    path("backoffice/crowdfunding/", include("peerfund.crowdfunding.backoffice_urls")),
    path("backoffice/content/", include("peerfund.cms.backoffice_urls")),
    path("backoffice/legal/", include("peerfund.legal.backoffice_urls")),
    path("api/v1/", api.urls),
    path("custody/", include("peerfund.custody.urls")),
    path("django-admin/", admin.site.urls),
]

if apps.is_installed("peerfund.sandbox"):
    # The simulated bank and payment channel: demo and tests only (never installed in
    # production, where peerfund.web.checks refuses a routed /sandbox/).
    urlpatterns.append(path("sandbox/", include("peerfund.sandbox.urls")))

if settings.PEERFUND_SERVE_PROJECT_MEDIA:
    urlpatterns.append(
        re_path(r"^media/projects/(?P<path>.+)$", web_views.project_media, name="project_media")
    )

handler403 = "peerfund.web.views.error_403"
handler404 = "peerfund.web.views.error_404"
handler500 = "peerfund.web.views.error_500"
