"""Load the sourced GST/HST/PST/QST table shipped with the app: the calculator cannot work without
it, so it arrives with the schema rather than with demo data. Later changes come by admin or a
new migration, each with its source."""

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.db import migrations

TABLE = Path(__file__).resolve().parent.parent / "data" / "sales_tax_rates.csv"


def load(apps, schema_editor):
    SalesTaxRate = apps.get_model("tariff", "SalesTaxRate")
    with TABLE.open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            SalesTaxRate.objects.update_or_create(
                jurisdiction=record["jurisdiction"].strip().upper(),
                kind=record["kind"].strip().upper(),
                valid_from=dt.date.fromisoformat(record["valid_from"].strip()),
                defaults={
                    "rate_percent": Decimal(record["rate_percent"].strip()),
                    "valid_to": dt.date.fromisoformat(record["valid_to"].strip())
                    if record["valid_to"].strip()
                    else None,
                    "source": record["source"].strip()[:300],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("tariff", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
