from django.urls import path

from peerfund.crowdfunding import views

app_name = "crowdfunding"
urlpatterns = [
    path("", views.discover, name="discover"),
    path("<int:project_id>/", views.project_detail, name="project"),
    path("<int:project_id>/qr.svg", views.project_qr, name="qr"),
    path("<int:project_id>/follow/", views.follow, name="follow"),
    path("<int:project_id>/pledge/", views.pledge, name="pledge_no_reward"),
    path("<int:project_id>/pledge/<int:tier_id>/", views.pledge, name="pledge"),
    path("<int:project_id>/messages/", views.conversation, name="messages"),
    path("pledges/", views.my_pledges, name="my_pledges"),
    path("pledges/<int:pledge_id>/<str:action>/", views.pledge_action, name="pledge_action"),
    path("mine/", views.my_projects, name="my_projects"),
    path("mine/<int:project_id>/edit/<str:step>/", views.project_edit, name="edit"),
    path("mine/<int:project_id>/tiers/<int:tier_id>/remove/", views.tier_remove, name="tier_remove"),
    path("mine/<int:project_id>/submit/", views.project_submit, name="submit"),
    path("<int:project_id>/dashboard/", views.dashboard, name="dashboard"),
    path("ship/<int:pledge_id>/", views.ship, name="ship"),
]
