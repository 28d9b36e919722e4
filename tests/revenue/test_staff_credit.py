"""Staff apply an account's credit to a debt at the client's request ("apply credit as payment")."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from longroom.revenue.models import ClearingApplication, ClearingRule, EntryKind
from longroom.revenue.services import ledger_post

from .conftest import at, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def debt_not_yet_due(importer):
    ledger_post(account=importer, kind=EntryKind.PAYMENT, amount=D("100.00"), effective_date=day("2026-03-10"),
                now=at("2026-03-10"))  # fmt: skip
    return ledger_post(
        account=importer, kind=EntryKind.DUTIES_TAXES, amount=D("80.00"), effective_date=day("2026-03-10"),
        due_date=day("2099-12-31"), now=at("2026-03-10"), reference="12345000000017",
    )  # fmt: skip


def test_an_officer_applies_the_accounts_credit_to_a_debt_not_yet_due(
    officer_client, importer, debt_not_yet_due
):
    page = f"/en/revenue/accounts/{importer.number}/entries/{debt_not_yet_due.pk}/"
    shown = officer_client.get(page).content.decode()
    assert 'id="apply-credit-form"' in shown and "$100.00 of unused credit" in shown
    response = officer_client.post(page + "apply-credit/", follow=True)
    assert "$80.00 of the account&#x27;s credit was applied to this debt." in response.content.decode()
    application = ClearingApplication.objects.get(debit=debt_not_yet_due)
    assert (application.amount, application.rule) == (D("80.00"), ClearingRule.CREDIT_APPLIED)
    assert 'id="apply-credit-form"' not in officer_client.get(page).content.decode()  # paid now


def test_staff_who_may_not_post_cannot_apply_credit(
    client, settings, revenue_reader, importer, debt_not_yet_due
):
    settings.LONGROOM_DEMO = True
    client.force_login(revenue_reader)
    page = f"/en/revenue/accounts/{importer.number}/entries/{debt_not_yet_due.pk}/"
    assert 'id="apply-credit-form"' not in client.get(page).content.decode()
    assert client.post(page + "apply-credit/").status_code == 404
    assert not ClearingApplication.objects.exists()
