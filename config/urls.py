from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from peerfund.web import views as web_views

urlpatterns = [
    path("", include("peerfund.web.urls")),
    path("healthz", web_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", api.urls),
    path("custody/", include("peerfund.custody.urls")),
    path("sandbox/", include("peerfund.sandbox.urls")),
    path("django-admin/", admin.site.urls),
]

handler403 = "peerfund.web.views.error_403"
handler404 = "peerfund.web.views.error_404"
handler500 = "peerfund.web.views.error_500"
