from django.urls import include, path

from peerfund.backoffice import approvals_views, audit, dashboard, finance, switches, tickets, views

app_name = "backoffice"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("alerts/<int:alert_id>/acknowledge/", dashboard.alert_acknowledge, name="alert_acknowledge"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/freeze/", views.user_action, name="user_action"),
    path("requests/<int:request_id>/", views.user_action_decision, name="user_action_decision"),
    path("verifications/", views.verifications, name="verifications"),
    path("withdrawals/", views.withdrawals, name="withdrawals"),
    path("outbox/", views.outbox, name="outbox"),
    path("audit/", audit.audit_log, name="audit"),
    path("finance/", finance.reports, name="finance"),
    path("tickets/", tickets.ticket_queue, name="tickets"),
    path("tickets/<int:ticket_id>/", tickets.ticket_detail, name="ticket"),
    path("approvals/", approvals_views.approvals, name="approvals"),
    path("approvals/<int:request_id>/", approvals_views.approval_decision, name="approval_decision"),
    path("switches/", switches.switches, name="switches"),
    path("switches/<int:request_id>/", switches.switch_decision, name="switch_decision"),
    path("post-loan/", include("peerfund.disclosure.backoffice_urls")),  # post-loan information (贷后信息)
]
