"""Post-loan information pages, included by backoffice/urls.py into the console's
namespace (`backoffice:post_loan_loans`, `backoffice:post_loan_loan`)."""
from django.urls import path

from peerfund.disclosure import backoffice_views as views

urlpatterns = [
    path("", views.post_loan_loans, name="post_loan_loans"),
    path("<int:loan_id>/", views.post_loan_loan, name="post_loan_loan"),
]
