from django.urls import path

from peerfund.accounts import data_rights_views, views

app_name = "accounts"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/enterprise/", views.verify_enterprise, name="verify_enterprise"),
    path("cards/", views.cards, name="cards"),
    path("cards/<int:card_id>/<str:action>/", views.card_action, name="card_action"),
    path("addresses/", views.addresses, name="addresses"),
    path("addresses/<int:address_id>/remove/", views.address_remove, name="address_remove"),
    path("risk/", views.risk, name="risk"),
    path("security/", views.security, name="security"),
    path("invite/", views.invite, name="invite"),
    path("messages/", views.message_list, name="messages"),
    path("messages/preferences/", views.message_preferences, name="message_preferences"),
    path("personal/", data_rights_views.personal, name="personal"),
    path("personal/download/", data_rights_views.data_download, name="data_download"),
    path("personal/close/", data_rights_views.account_closure, name="closure"),
]
