"""Public holidays, business days and time zones, from the ``holidays`` package.

A tenant's holidays depend on where the dwelling lies: Alsace-Moselle adds Good Friday and
26 December, each overseas département has its own days. The ``holidays`` package knows them,
under subdivision codes of its own: ``"57"`` for Moselle, ``"6AE"`` for Alsace (67 and 68, for
which it has no code of their own), ``"971"`` to ``"976"`` overseas. :func:`subdivision` maps the
tenant's ``departement`` attribute to them.

Everything here is pure: the holidays of a year are computed once per subdivision and cached
(the same question always has the same answer), no clock is read.
"""

from __future__ import annotations

import datetime
import functools
import warnings

import attrs
import holidays

__all__ = [
    "DEFAULT_TIME_ZONE",
    "FRANCE",
    "Calendar",
    "subdivision",
    "time_zone",
]

DEFAULT_TIME_ZONE = "Europe/Paris"

#: départements whose public holidays differ from the national ones, by ``holidays`` subdivision
_SUBDIVISIONS = {
    "57": "57",  # Moselle
    "67": "6AE",  # Bas-Rhin
    "68": "6AE",  # Haut-Rhin
    "971": "971",  # Guadeloupe
    "972": "972",  # Martinique
    "973": "973",  # Guyane
    "974": "974",  # La Réunion
    "975": "PM",  # Saint-Pierre-et-Miquelon
    "976": "976",  # Mayotte
    "977": "BL",  # Saint-Barthélemy
    "978": "MF",  # Saint-Martin
}

#: where the local time is not Paris's
_TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
}


def subdivision(departement: str | None) -> str | None:
    """The ``holidays`` subdivision of a département code, or ``None`` for the national days.

    >>> subdivision("67"), subdivision("57"), subdivision("974"), subdivision("75")
    ('6AE', '57', '974', None)
    """
    if departement is None:
        return None
    return _SUBDIVISIONS.get(departement.strip())


def time_zone(departement: str | None) -> str:
    """The IANA time zone of a département (Paris's for metropolitan France).

    >>> time_zone("974"), time_zone("33")
    ('Indian/Reunion', 'Europe/Paris')
    """
    if departement is None:
        return DEFAULT_TIME_ZONE
    return _TIME_ZONES.get(departement.strip(), DEFAULT_TIME_ZONE)


@functools.lru_cache(maxsize=1024)
def _holidays_of(country: str, subdiv: str | None, year: int) -> dict[int, str]:
    """The public holidays of one year, by day ordinal, with their names."""
    with warnings.catch_warnings():  # deprecated aliases are the caller's choice, not ours
        warnings.simplefilter("ignore", DeprecationWarning)
        days = holidays.country_holidays(country, subdiv=subdiv, years=year)
    return {day.toordinal(): name for day, name in days.items()}


@attrs.frozen
class Calendar:
    """The public holidays of one country, by subdivision; Sundays are not holidays here.

    >>> calendar = Calendar()
    >>> calendar.holiday(datetime.date(2026, 12, 26).toordinal(), "6AE")
    "Saint Stephen's Day"
    >>> calendar.holiday(datetime.date(2026, 12, 26).toordinal(), None) is None
    True
    """

    country: str = "FR"

    def __attrs_post_init__(self) -> None:
        if self.country not in holidays.list_supported_countries():
            raise ValueError(f"the holidays package knows no country {self.country!r}")

    def subdivision(self, departement: str | None) -> str | None:
        """The subdivision whose holidays apply to a dwelling in ``departement``."""
        return subdivision(departement) if self.country == "FR" else None

    def holiday(self, ordinal: int, subdiv: str | None) -> str | None:
        """The name of the public holiday on a day, or ``None`` on any other day."""
        year = datetime.date.fromordinal(ordinal).year
        return _holidays_of(self.country, subdiv, year).get(ordinal)

    def is_holiday(self, ordinal: int, subdiv: str | None) -> bool:
        year = datetime.date.fromordinal(ordinal).year
        return ordinal in _holidays_of(self.country, subdiv, year)

    def is_business_day(self, ordinal: int, subdiv: str | None) -> bool:
        """Monday to Friday, and not a public holiday (ordinal 1, 1 January 1, is a Monday)."""
        return (ordinal - 1) % 7 < 5 and not self.is_holiday(ordinal, subdiv)

    def add_business_days(self, ordinal: int, count: int, subdiv: str | None) -> int:
        """The day ``count`` business days after ``ordinal`` (before it when negative)."""
        step = 1 if count >= 0 else -1
        day = ordinal
        for _ in range(abs(count)):
            day += step
            while not self.is_business_day(day, subdiv):
                day += step
        return day


FRANCE = Calendar("FR")
