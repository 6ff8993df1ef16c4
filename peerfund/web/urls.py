from django.urls import path

from peerfund.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
]
