from django.urls import path

from peerfund.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.disclosure, name="index"),
    path("reports/<int:year>-<int:month>.pdf", views.report, {"fmt": "pdf"}, name="report_pdf"),
    path("reports/<int:year>-<int:month>.xlsx", views.report, {"fmt": "xlsx"}, name="report_xlsx"),
    path("reports/<int:year>-<int:month>.csv", views.report, {"fmt": "csv"}, name="report_csv"),
    path("liabilities/my-proof.json", views.my_proof, name="my_proof"),
    path("liabilities/merkle.py", views.verifier, name="verifier"),
    path("loans/<int:loan_id>/", views.loan_page, name="loan"),
    path("loans/<int:loan_id>/post-loan/", views.post_loan_page, name="post_loan"),
    path("projects/<int:project_id>/", views.project_page, name="project"),
]
