from django.urls import path

from peerfund.crowdfunding import backoffice_views as views

app_name = "crowdfunding_backoffice"
urlpatterns = [
    path("", views.project_list, name="projects"),
    path("review/", views.review_queue, name="review"),
    path("<int:project_id>/", views.project_view, name="project"),
    path("<int:project_id>/manage/", views.project_manage, name="manage"),
    path("categories/", views.categories, name="categories"),
    path("complaints/", views.complaints, name="complaints"),
]
