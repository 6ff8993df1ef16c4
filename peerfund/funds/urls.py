from django.urls import path

from peerfund.funds import views

app_name = "funds"
urlpatterns = [
    path("deposit/", views.deposit, name="deposit"),
    path("deposit/<str:order_no>/", views.deposit_result, name="deposit_result"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("history/", views.history_page, name="history"),
]
