import pytest
from django.utils import translation

from tests.factories import make_municipality

pytestmark = pytest.mark.django_db


def test_municipality_is_named_in_the_language_of_the_page():
    subotica = make_municipality("subotica", name="Subotica", name_cyrl="Суботица",
                                 minority_names={"hu": "Szabadka", "hr": "Subotica"})
    expected = {"sr-latn": "Subotica", "sr": "Суботица", "hu": "Szabadka", "en": "Subotica"}
    for language, name in expected.items():
        with translation.override(language):
            assert subotica.display_name == name
