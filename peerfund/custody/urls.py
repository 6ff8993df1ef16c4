from django.urls import path

from peerfund.custody import views

app_name = "custody"
urlpatterns = [
    path("callback/", views.bank_callback, name="callback"),
    path("reconciliation/", views.reconciliation_reports, name="reconciliation"),
]
