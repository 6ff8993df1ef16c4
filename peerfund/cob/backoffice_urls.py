from django.urls import path

from peerfund.cob import views

app_name = "cob"
urlpatterns = [path("", views.close_overview, name="overview")]
