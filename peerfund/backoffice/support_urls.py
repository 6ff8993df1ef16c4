from django.urls import path

from peerfund.backoffice import tickets

app_name = "support"
urlpatterns = [
    path("", tickets.my_tickets, name="tickets"),
    path("<int:ticket_id>/", tickets.my_ticket, name="ticket"),
]
