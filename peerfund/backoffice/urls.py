from django.urls import path

from peerfund.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.index, name="index"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/freeze/", views.user_action, name="user_action"),
    path("requests/<int:request_id>/", views.user_action_decision, name="user_action_decision"),
    path("verifications/", views.verifications, name="verifications"),
    path("withdrawals/", views.withdrawals, name="withdrawals"),
    path("outbox/", views.outbox, name="outbox"),
]
