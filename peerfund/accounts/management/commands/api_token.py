from django.core.management.base import BaseCommand, CommandError

from peerfund.accounts.models import User
from peerfund.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a REST API bearer token for a user and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}")
        _token, plaintext = api_token_create(user=user, name=name)
        self.stdout.write(plaintext)
