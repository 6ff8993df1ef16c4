from django.urls import path

from peerfund.risk import views

app_name = "risk"
urlpatterns = [
    path("", views.models_page, name="models"),
    path("rules/", views.rules_page, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("blacklist/", views.blacklist_page, name="blacklist"),
    path("decisions/", views.evaluations_page, name="evaluations"),
    path("aml/", views.aml_page, name="aml"),
    path("aml/<int:alert_id>/", views.aml_update, name="aml_update"),
]
