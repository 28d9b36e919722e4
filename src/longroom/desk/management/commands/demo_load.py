from typing import Any

from django.core.management.base import BaseCommand

from longroom.desk.demo import DEMO_PASSWORD, load_demo
from longroom.revenue.demo import load_revenue_demo
from longroom.tariff.demo import load_tariff_demo


class Command(BaseCommand):
    help = (
        "Load the demo installation (offices, inboxes, stamps, staff, requests, sample tariff, revenue). "
        "Safe to run twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for email, role in logins:
            self.stdout.write(f"  {email:38} {role}")
        for line in load_tariff_demo():
            self.stdout.write(f"Loaded {line}.")
        revenue_logins, loaded = load_revenue_demo(DEMO_PASSWORD)
        for email, role in revenue_logins:
            self.stdout.write(f"  {email:38} {role}")
        for line in loaded:
            self.stdout.write(f"Loaded {line}.")
