"""The agency's registry: businesses (BN9), import accounts (BN15 RM), customs brokers (ASEC)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from longroom.core.importing import SourceRejected
from longroom.core.models import AuditEvent, User
from longroom.registry.models import Business, CustomsBroker, ProgramAccount
from longroom.registry.numbers import bn9_problem, bn15_problem, luhn_valid
from longroom.registry.selectors import program_accounts_matching
from longroom.registry.services import (
    RegistryError,
    business_register,
    business_update,
    customs_broker_register,
    program_account_open,
    registry_import,
)

pytestmark = pytest.mark.django_db

ADDRESS = {
    "address_line1": "100 Queen St., Suite 4",
    "city": "Ottawa",
    "province": "ON",
    "postal_code": "K1A 0L5",
}
HEADER = "bn9,legal_name,address_line1,address_line2,city,province,postal_code,country,contact_email,program_accounts,asec\n"
GOOD_FILE = (
    HEADER
    + '123456782,"Maple Leaf Imports Ltd.",100 Queen St.,,Ottawa,ON,K1A 0L5,CA,ap@mapleleaf.test,RM0001 RM0002,\n'
    + '111111118,"Borealis Customs Brokers Inc.",1 Rue du Port,,Montréal,QC,H2Y 1C6,CA,,RM0001,12345\n'
    + "046454286,Harbour Goods (US) LLC,1 Main Street,,Buffalo,,14201,US,,RM0001,\n"
)


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("registry-clerk@longroom.test", "a-long-test-password", is_staff=True)


def test_bn9_check_digit_catches_a_mistyped_digit():
    assert luhn_valid("123456782")
    assert bn9_problem("123456782") is None
    assert "check digit" in (bn9_problem("123456789") or "")
    assert "9 digits" in (bn9_problem("12345678") or "")
    assert bn15_problem("123456782RM0001") is None
    assert "RM" in (bn15_problem("123456782RT0001") or "")
    assert "does not belong" in (bn15_problem("111111118RM0001", "123456782") or "")


def test_business_is_stored_exactly_as_on_file_and_registering_it_is_audited(staff):
    business = business_register(
        actor=staff, bn9="123 456 782", legal_name="  Maple Leaf Imports Ltd. ", **ADDRESS
    )
    assert business.bn9 == "123456782"
    # Punctuation and case kept (activation compares to the character); only outer spaces trimmed.
    assert business.legal_name == "Maple Leaf Imports Ltd."
    assert business.address_line1 == "100 Queen St., Suite 4"
    event = AuditEvent.objects.get(verb="business.registered")
    assert event.actor_id == staff.pk and event.data["legal_name"] == "Maple Leaf Imports Ltd."


def test_registering_refuses_a_bad_number_a_duplicate_and_a_missing_address(staff):
    with pytest.raises(RegistryError) as refused:
        business_register(actor=staff, bn9="123456789", legal_name="X", **ADDRESS)
    assert set(refused.value.problems) == {"bn9"}
    business_register(actor=staff, bn9="123456782", legal_name="Maple Leaf Imports Ltd.", **ADDRESS)
    with pytest.raises(RegistryError) as refused:
        business_register(actor=staff, bn9="123456782", legal_name="Someone else", **ADDRESS)
    assert "already registered" in refused.value.problems["bn9"]
    with pytest.raises(RegistryError) as refused:
        business_register(
            actor=staff, bn9="111111118", legal_name="", city="", address_line1="", province="XX"
        )
    assert {"legal_name", "address_line1", "city", "province", "postal_code"} <= set(refused.value.problems)
    assert Business.objects.count() == 1


def test_changing_an_address_records_before_and_after(staff):
    business = business_register(
        actor=staff, bn9="123456782", legal_name="Maple Leaf Imports Ltd.", **ADDRESS
    )
    business_update(actor=staff, business=business, address_line1="200 King St. W.")
    event = AuditEvent.objects.get(verb="business.updated")
    assert event.data == {
        "before": {"address_line1": "100 Queen St., Suite 4"},
        "after": {"address_line1": "200 King St. W."},
    }
    business_update(actor=staff, business=business, address_line1="200 King St. W.")
    assert AuditEvent.objects.filter(verb="business.updated").count() == 1  # no change, no event


def test_a_program_account_belongs_to_its_business_and_is_an_rm_account(staff):
    business = business_register(
        actor=staff, bn9="123456782", legal_name="Maple Leaf Imports Ltd.", **ADDRESS
    )
    account = program_account_open(actor=staff, business=business, number="123456782 rm 0001")
    assert account.number == "123456782RM0001"
    assert str(account) == "123456782 RM 0001"
    for wrong in ("111111118RM0001", "123456782RT0001", "123456782RM0000", "RM0001"):
        with pytest.raises(RegistryError):
            program_account_open(actor=staff, business=business, number=wrong)
    with pytest.raises(RegistryError):
        program_account_open(actor=staff, business=business, number="123456782RM0001")
    assert AuditEvent.objects.filter(verb="program_account.opened").count() == 1


def test_an_asec_belongs_to_one_broker(staff):
    broker_business = business_register(actor=staff, bn9="111111118", legal_name="Borealis Inc.", **ADDRESS)
    other = business_register(actor=staff, bn9="123456782", legal_name="Maple Leaf Imports Ltd.", **ADDRESS)
    broker = customs_broker_register(actor=staff, business=broker_business, asec="12345")
    assert broker.asec == "12345"
    with pytest.raises(RegistryError) as refused:
        customs_broker_register(actor=staff, business=other, asec="12345")
    assert "belongs to" in refused.value.problems["asec"]
    with pytest.raises(RegistryError):
        customs_broker_register(actor=staff, business=other, asec="1234")


def test_import_creates_businesses_accounts_and_brokers(staff):
    report = registry_import(actor=staff, data=GOOD_FILE.encode(), source_name="registry.csv")
    assert (report.rows, report.businesses_created, report.accounts_opened, report.brokers_registered) == (
        3,
        3,
        4,
        1,
    )
    assert set(ProgramAccount.objects.values_list("number", flat=True)) == {
        "123456782RM0001",
        "123456782RM0002",
        "111111118RM0001",
        "046454286RM0001",
    }
    assert CustomsBroker.objects.get().business.legal_name == "Borealis Customs Brokers Inc."
    assert Business.objects.get(bn9="046454286").country == "US"  # no province or Canadian postal code needed


def test_the_same_file_twice_changes_nothing(staff):
    registry_import(actor=staff, data=GOOD_FILE, source_name="registry.csv")
    events = AuditEvent.objects.count()
    report = registry_import(actor=staff, data=GOOD_FILE, source_name="registry.csv")
    assert (report.businesses_created, report.businesses_updated, report.businesses_unchanged) == (0, 0, 3)
    assert (report.accounts_opened, report.brokers_registered, report.brokers_updated) == (0, 0, 0)
    assert AuditEvent.objects.count() == events


def test_a_file_with_bad_rows_is_refused_whole_with_every_row_named(staff):
    bad = (
        HEADER
        + "123456782,Maple Leaf Imports Ltd.,100 Queen St.,,Ottawa,ON,K1A 0L5,CA,,RM0001,\n"
        + "123456789,Typo Ltd.,1 Main St.,,Ottawa,ON,K1A 0L5,CA,,,\n"  # check digit
        + "111111118,,1 Main St.,,Ottawa,ZZ,K1A 0L5,CA,not-an-email,RT0001,1234\n"
        + "123456782,Maple Leaf again,100 Queen St.,,Ottawa,ON,K1A 0L5,CA,,,\n"  # twice in the file
    )
    with pytest.raises(SourceRejected) as rejected:
        registry_import(actor=staff, data=bad)
    found = {(e.row, e.field) for e in rejected.value.errors}
    assert {
        (3, "bn9"),
        (4, "legal_name"),
        (4, "province"),
        (4, "contact_email"),
        (4, "program_accounts"),
        (4, "asec"),
        (5, "bn9"),
    } <= found
    assert (2, "bn9") not in found
    assert not Business.objects.exists()  # the good first row was not loaded either
    assert not ProgramAccount.objects.exists()


def test_a_file_without_the_needed_columns_says_which(staff):
    with pytest.raises(SourceRejected) as rejected:
        registry_import(actor=staff, data="bn9,name\n123456782,X\n")
    assert "legal_name" in str(rejected.value.errors[0])


def test_french_spreadsheet_with_semicolons_imports(staff):
    data = (
        HEADER.replace(",", ";") + "123456782;Érable Inc.;1, rue Principale;;Québec;QC;G1R 4P5;CA;;RM0001;\n"
    )
    registry_import(actor=staff, data=data.encode("utf-8-sig"))
    assert Business.objects.get().address_line1 == "1, rue Principale"


def test_staff_find_an_account_by_number_or_name(staff):
    registry_import(actor=staff, data=GOOD_FILE)
    assert [a.number for a in program_accounts_matching("123 456 782 RM")] == [
        "123456782RM0001",
        "123456782RM0002",
    ]
    assert [a.number for a in program_accounts_matching("borealis customs")] == ["111111118RM0001"]
    assert list(program_accounts_matching("")) == []


def test_command_imports_refuses_and_exports_the_same_layout(tmp_path):
    good = tmp_path / "registry.csv"
    good.write_text(GOOD_FILE, encoding="utf-8")
    out = io.StringIO()
    call_command("registry", "import", str(good), stdout=out)
    assert "3 businesses created" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "123456789,Typo,1 Main,,Ottawa,ON,K1A 0L5,CA,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("registry", "import", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    exported = tmp_path / "export.csv"
    call_command("registry", "export", str(exported))
    report = registry_import(actor=None, data=exported.read_bytes())
    assert report.businesses_unchanged == 3 and report.accounts_opened == 0


def test_staff_import_a_file_in_the_admin_and_see_the_refused_rows(staff, client, settings):
    settings.LONGROOM_DEMO = True  # staff may use the admin without a second factor here
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "bad.csv", (HEADER + "123456789,Typo,1 Main,,Ottawa,ON,K1A 0L5,CA,,,\n").encode()
    )
    response = client.post("/en/admin/registry/business/import/", {"file": bad})
    assert response.status_code == 200
    assert "row 2, bn9" in response.content.decode()
    good = SimpleUploadedFile("registry.csv", GOOD_FILE.encode())
    response = client.post("/en/admin/registry/business/import/", {"file": good})
    assert response.status_code == 302
    assert Business.objects.count() == 3
    assert AuditEvent.objects.filter(verb="business.registered", actor=staff).count() == 3
    NO_INLINES = {"program_accounts-TOTAL_FORMS": "0", "program_accounts-INITIAL_FORMS": "0"}
    response = client.post(
        "/en/admin/registry/business/add/",
        {"bn9": "222222226", "legal_name": "New Co.", "address_line1": "1 A St.", "city": "Ottawa",
         "province": "ON", "postal_code": "K1A0L5", "country": "CA", **NO_INLINES},
    )  # fmt: skip
    assert response.status_code == 302
    response = client.post(
        "/en/admin/registry/business/add/",
        {"bn9": "222222227", "legal_name": "Typo Co.", "address_line1": "1 A St.", "city": "Ottawa",
         "province": "ON", "postal_code": "K1A0L5", "country": "CA", **NO_INLINES},
    )  # fmt: skip
    assert response.status_code == 200 and "check digit" in response.content.decode()
