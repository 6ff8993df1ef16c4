from django.urls import path

from peerfund.sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("bank/api/<str:op>", views.bank_api, name="bank_api"),
    path("pay/", views.pay, name="pay"),
]
