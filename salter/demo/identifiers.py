"""Valid-looking JMBG, PIB and MB for demo clients.

Each generator builds the digits and then computes the check digit with the same rule
as `salter.clients.identifiers`, skipping the combinations the rules declare invalid, so
the numbers pass validation without belonging to anybody real.
"""

import datetime
import random

_JMBG_WEIGHTS = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_MB_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
# Registration regions of Vojvodina (the RR digits of a JMBG).
VOJVODINA_REGIONS = (80, 81, 82, 83, 84, 85, 86, 87, 88, 89)


def jmbg(rng: random.Random, born: datetime.date, *, female: bool, region: int) -> str:
    while True:
        serial = rng.randrange(500, 1000) if female else rng.randrange(0, 500)
        body = (f"{born.day:02}{born.month:02}{born.year % 1000:03}{region:02}{serial:03}")
        remainder = sum(int(d) * w for d, w in zip(body, _JMBG_WEIGHTS, strict=True)) % 11
        if remainder == 1:  # would need a check digit of 10: no such JMBG is issued
            continue
        return body + str(0 if remainder == 0 else 11 - remainder)


def pib(rng: random.Random) -> str:
    body = "1" + "".join(str(rng.randrange(10)) for _ in range(7))
    product = 10
    for d in body:
        total = (int(d) + product) % 10 or 10
        product = (2 * total) % 11
    return body + str((11 - product) % 10)


def mb(rng: random.Random) -> str:
    while True:
        body = "2" + "".join(str(rng.randrange(10)) for _ in range(6))
        remainder = sum(int(d) * w for d, w in zip(body, _MB_WEIGHTS, strict=True)) % 11
        if remainder == 1:  # ambiguous check digit; real registries skip these numbers
            continue
        return body + str(0 if remainder == 0 else 11 - remainder)
