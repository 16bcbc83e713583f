from django.core.management.base import BaseCommand

from demo.loader import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo school (idempotent: does nothing if it is already there)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=2026, help="Start year of the current school year.")

    def handle(self, *args, **options):
        summary = seed_demo(current_start_year=options["year"])
        if not summary.created:
            self.stdout.write("The demo school is already loaded; nothing changed.")
            return
        counts = ", ".join(f"{k}: {v}" for k, v in summary.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Demo school loaded ({counts}). Password of every demo account: {DEMO_PASSWORD}")
        )
