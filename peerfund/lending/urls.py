from django.urls import path

from peerfund.lending import views

app_name = "lending"
urlpatterns = [
    path("", views.hall, name="hall"),
    path("<int:loan_id>/", views.loan_detail, name="loan"),
    path("my-bids/", views.my_bids, name="my_bids"),
    path("auto-invest/", views.auto_invest, name="auto_invest"),
    path("apply/", views.apply, name="apply"),
    path("quote/", views.quote, name="quote"),
    path("my-applications/", views.my_applications, name="my_applications"),
    path("my-investments/", views.my_investments, name="my_investments"),
    path("my-investments/<int:investment_id>/sell/", views.sell_claim, name="sell_claim"),
    path("claims/", views.claims_market, name="claims"),
    path("claims/<int:listing_id>/buy/", views.buy_claim, name="buy_claim"),
    path("my-loans/", views.my_loans, name="my_loans"),
    path("my-loans/<int:loan_id>/repay/", views.repay, {"kind": "repay"}, name="repay"),
    path("my-loans/<int:loan_id>/prepay/", views.repay, {"kind": "prepay"}, name="prepay"),
    path("contracts/<int:contract_id>.pdf", views.contract_pdf, name="contract"),
]
