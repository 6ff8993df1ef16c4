from django.urls import path

from peerfund.legal import views

app_name = "legal_backoffice"
urlpatterns = [
    path("", views.console_list, name="list"),
    path("<slug:kind>/edit/", views.console_edit, name="edit"),
    path("versions/<int:version_id>/", views.console_version, name="version"),
    path("versions/<int:version_id>/submit/", views.console_submit, name="submit"),
    path("versions/<int:version_id>/publish/", views.console_publish, name="publish"),
    path("versions/<int:version_id>/reject/", views.console_reject, name="reject"),
]
