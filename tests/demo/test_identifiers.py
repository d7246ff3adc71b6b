"""Demo identifiers pass the same checks real ones do."""

import datetime
import random

import pytest

from salter.clients.identifiers import validate_jmbg, validate_mb, validate_pib
from salter.demo.identifiers import VOJVODINA_REGIONS, jmbg, mb, pib


@pytest.mark.parametrize("seed", range(200))
def test_generated_identifiers_are_valid(seed):
    rng = random.Random(seed)
    born = datetime.date(rng.randrange(1940, 2010), rng.randrange(1, 13), rng.randrange(1, 29))
    female = rng.random() < 0.5
    number = jmbg(rng, born, female=female, region=rng.choice(VOJVODINA_REGIONS))
    assert validate_jmbg(number) == number
    assert number[:7] == born.strftime("%d%m") + f"{born.year % 1000:03}"
    assert (int(number[9:12]) >= 500) == female
    assert validate_pib(pib(rng)) and validate_mb(mb(rng))
