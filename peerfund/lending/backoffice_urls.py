from django.urls import path

from peerfund.lending import backoffice_views as views

app_name = "lending_backoffice"
urlpatterns = [
    path("products/", views.products, name="products"),
    path("products/new/", views.product_edit, name="product_new"),
    path("products/<int:product_id>/", views.product_edit, name="product_edit"),
    path("applications/", views.applications, name="applications"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("disbursements/", views.disbursements, name="disbursements"),
    path("collection/", views.collection_tasks, name="collection"),
    path("claims/", views.claims, name="claims"),
    path("collection/<int:task_id>/", views.collection_task, name="collection_task"),
]
