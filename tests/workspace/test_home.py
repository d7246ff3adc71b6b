"""Signing in, the staff home and the navigation bar."""

import pytest
from django.urls import reverse

from salter.tenancy.models import ProvincialRole
from salter.tenancy.roles import Role
from tests.factories import PASSWORD, make_member, make_municipality
from tests.workspace.conftest import url

pytestmark = pytest.mark.django_db


def test_login_page_has_labelled_fields(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label class="form-label" for="id_username">' in html
    assert 'autocomplete="current-password"' in html


def test_logging_in_with_one_membership_lands_in_the_inbox(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == url("inbox", clerk)


def test_wrong_password_shows_an_error_and_stays_out(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_anonymous_staff_pages_send_to_login(client, clerk):
    for target in (reverse("workspace:home"), url("inbox", clerk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_home_lists_every_active_membership(login, clerk, other_municipality):
    make_member(other_municipality, Role.OFFICER, user=clerk.user)
    inactive = make_municipality("kanjiza", active=False)
    make_member(inactive, Role.OFFICER, user=clerk.user)
    response = login(clerk).get(reverse("workspace:home"))
    assert response.status_code == 200
    assert [m.municipality.slug for m in response.context["memberships"]] == [
        "sombor", "subotica"]
    html = response.content.decode()
    assert url("inbox", clerk) in html and "kanjiza" not in html


@pytest.mark.urls("tests.workspace.province_urls")
def test_provincial_supervisor_without_membership_goes_to_the_province(client, django_user_model):
    user = django_user_model.objects.create_user("pokrajina", password=PASSWORD)
    ProvincialRole.objects.create(user=user)
    client.force_login(user)
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302
    assert response.url == reverse("dashboards:province")


def test_user_without_any_role_is_told_so(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("niko", password=PASSWORD))
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 200
    assert response.context["memberships"] == []


def test_navbar_offers_other_municipalities_languages_search_and_logout(login, clerk,
                                                                        other_municipality):
    make_member(other_municipality, Role.OFFICER, user=clerk.user)
    html = login(clerk).get(url("inbox", clerk)).content.decode()
    assert reverse("workspace:inbox", kwargs={"municipality": "sombor"}) in html
    assert f'action="{reverse("set_language")}"' in html
    for code in ("sr-latn", "sr", "hu", "en"):
        assert f'value="{code}"' in html
    assert f'action="{url("search", clerk)}"' in html
    assert f'<form method="post" action="{reverse("logout")}">' in html


def test_logout_is_a_post(login, clerk):
    web = login(clerk)
    web.post(reverse("logout"))
    assert "_auth_user_id" not in web.session


def test_language_switch_changes_the_interface_language(login, clerk):
    web = login(clerk)
    response = web.post(reverse("set_language"), {"language": "hu", "next": url("inbox", clerk)})
    assert response.status_code == 302
    response = web.get(url("inbox", clerk))
    assert response.context["LANGUAGE_CODE"] == "hu"
    assert '<html lang="hu">' in response.content.decode()


def test_other_municipality_slug_is_not_found(login, clerk, other_municipality):
    response = login(clerk).get(reverse("workspace:inbox",
                                        kwargs={"municipality": other_municipality.slug}))
    assert response.status_code == 404
