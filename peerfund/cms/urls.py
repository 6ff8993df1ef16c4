from django.urls import path

from peerfund.cms import views

app_name = "cms"
urlpatterns = [
    path("news/", views.news, name="news"),
    path("help/", views.help_centre, name="help"),
    path("guide/", views.guide, name="guide"),
    path("articles/<int:article_id>/", views.article, name="article"),
]
