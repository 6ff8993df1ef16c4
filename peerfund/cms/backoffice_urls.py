from django.urls import path

from peerfund.cms import views

app_name = "cms_backoffice"
urlpatterns = [
    path("", views.content_list, name="list"),
    path("new/", views.content_edit, name="new"),
    path("<int:article_id>/", views.content_edit, name="edit"),
    path("<int:article_id>/publish/", views.content_publish, name="publish"),
]
