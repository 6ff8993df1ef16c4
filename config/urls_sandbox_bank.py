"""The sandbox bank server's only pages: the signed custody API (no pay page, no admin)."""
from django.urls import path

from peerfund.sandbox import views

urlpatterns = [path("bank/api/<str:op>", views.bank_api, name="bank_api")]
