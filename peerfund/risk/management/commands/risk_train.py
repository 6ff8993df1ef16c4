import json

from django.core.management.base import BaseCommand

from peerfund.risk.services import score_model_train


class Command(BaseCommand):
    help = "Train the credit scorecard on the German credit data, cross-validate it and store a new model version."

    def add_arguments(self, parser):
        parser.add_argument("--activate", action="store_true", help="make the new version the active one")
        parser.add_argument("--no-cv", action="store_true", help="skip the 5×5 cross-validation (faster)")

    def handle(self, *args, activate=False, no_cv=False, **options):
        model = score_model_train(cross_validate=not no_cv, activate=activate)
        self.stdout.write(f"Model {model.version} written to {model.artefact_path}{' and activated' if activate else ''}.")
        self.stdout.write(json.dumps(model.metrics, indent=1))
