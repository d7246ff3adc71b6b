"""Department and procedure names in the language of the page: Hungarian staff see
Hungarian names wherever names are shown."""

import pytest

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.tenancy import actions as department_actions
from salter.tenancy.roles import Role
from tests.factories import make_member, make_municipality, make_procedure

pytestmark = pytest.mark.django_db


def test_hungarian_interface_shows_hungarian_department_and_procedure_names(client):
    municipality = make_municipality("subotica", name="Subotica")
    admin = make_member(municipality, Role.ADMIN, username="admin")
    department = department_actions.create_department(
        actor=admin, name="Odeljenje za urbanizam", kind="department",
        translations={"hu": "Városrendezési Osztály", "en": "Urban Planning Department"})
    procedure = make_procedure(municipality, "Ulična rasveta", code="rasveta",
                               translations={"hu": {"name": "Közvilágítás"}})
    case = create_case(actor=admin, subject="Ne radi lampa", channel=Channel.EMAIL,
                       case_type=procedure, department=department)
    client.force_login(admin.user)
    client.post("/i18n/setlang/", {"language": "hu", "next": "/"})
    page = client.get(f"/staff/{municipality.slug}/cases/{case.pk}/").content.decode()
    assert "Városrendezési Osztály" in page and "Közvilágítás" in page
    inbox = client.get(f"/staff/{municipality.slug}/", {"queue": "all"}).content.decode()
    assert "Városrendezési Osztály" in inbox
    client.post("/i18n/setlang/", {"language": "sr", "next": "/"})
    page = client.get(f"/staff/{municipality.slug}/cases/{case.pk}/").content.decode()
    assert "Одељење за урбанизам" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/staff/{municipality.slug}/administration/departments/").content
    assert "Urban Planning Department" in page.decode()
