from django.core.management.base import BaseCommand

from peerfund.demo.simulation import DEMO_PASSWORD, DEMO_TRADE_PASSWORD, PEOPLE


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}; trade password: {DEMO_TRADE_PASSWORD}):")
        for person in PEOPLE:
            self.stdout.write(f"  {person.username:<11} {person.display_name:<8} {person.role}")
        self.stdout.write("Sign-up SMS codes appear in the back office: /backoffice/outbox/ (log in as admin or ops).")
