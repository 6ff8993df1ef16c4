from django.urls import path

from peerfund.legal import views

app_name = "legal"
urlpatterns = [
    path("", views.document_index, name="index"),
    path("accept/", views.accept, name="accept"),
    path("mine/", views.my_acceptances, name="mine"),
    path("<slug:kind>/", views.document, name="document"),
    path("<slug:kind>/v<int:number>/", views.version, name="version"),
]
