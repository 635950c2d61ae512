"""Public holidays by département, business days, time zones and contact windows.

The holidays are checked day by day against the ``holidays`` package itself, so that dunforce's
mapping of départements to subdivisions is what is under test, not the package.
"""

from __future__ import annotations

import datetime
import warnings
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import AccountState, Charge
from dunforce.calendar import DEFAULT_TIME_ZONE, FRANCE, Calendar, subdivision, time_zone
from dunforce.channels.window import ContactWindow

DAY = datetime.timedelta(days=1)
UTC = datetime.UTC
YEARS = (2026, 2027, 2028)
#: département -> the ``holidays`` subdivision whose days apply there
SUBDIVISIONS = {
    "75": None,
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "975": "PM",
    "976": "976",
}
GOOD_FRIDAYS = (datetime.date(2026, 4, 3), datetime.date(2027, 3, 26), datetime.date(2028, 4, 14))
ALSACE_MOSELLE = ("57", "67", "68")


def ordinal(text: str) -> int:
    return datetime.date.fromisoformat(text).toordinal()


def days_of(year: int):
    day = datetime.date(year, 1, 1)
    while day.year == year:
        yield day
        day += DAY


def package_holidays(subdiv: str | None, year: int) -> holidays.HolidayBase:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return holidays.France(subdiv=subdiv, years=year)


# ------------------------------------------------------------------ subdivisions and holidays


@pytest.mark.parametrize("departement", sorted(SUBDIVISIONS))
def test_subdivision_of_each_departement(departement):
    assert subdivision(departement) == SUBDIVISIONS[departement]
    assert FRANCE.subdivision(departement) == SUBDIVISIONS[departement]


def test_subdivision_ignores_surrounding_spaces_and_defaults_to_the_national_days():
    assert subdivision(" 57 ") == "57"
    assert subdivision(None) is None
    assert subdivision("33") is None
    assert subdivision("2A") is None  # Corse-du-Sud: the national days


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("departement", sorted(SUBDIVISIONS))
def test_every_day_is_a_holiday_exactly_when_the_holidays_package_says_so(departement, year):
    expected = package_holidays(SUBDIVISIONS[departement], year)
    assert len(expected) >= 11  # the 11 national days at least
    subdiv = subdivision(departement)
    for day in days_of(year):
        assert FRANCE.is_holiday(day.toordinal(), subdiv) == (day in expected), (departement, day)
        assert (FRANCE.holiday(day.toordinal(), subdiv) is not None) == (day in expected)


@pytest.mark.parametrize("good_friday", GOOD_FRIDAYS, ids=str)
def test_good_friday_is_a_holiday_in_alsace_moselle_only(good_friday):
    assert good_friday.weekday() == 4
    for departement in ALSACE_MOSELLE:
        assert FRANCE.is_holiday(good_friday.toordinal(), subdivision(departement))
    assert not FRANCE.is_holiday(good_friday.toordinal(), subdivision("75"))
    assert FRANCE.holiday(good_friday.toordinal(), "57") == "Good Friday"


@pytest.mark.parametrize("year", YEARS)
def test_26_december_is_a_holiday_in_alsace_moselle_only(year):
    day = datetime.date(year, 12, 26).toordinal()
    for departement in ALSACE_MOSELLE:
        assert FRANCE.is_holiday(day, subdivision(departement))
    assert not FRANCE.is_holiday(day, subdivision("75"))
    assert FRANCE.is_holiday(datetime.date(year, 12, 25).toordinal(), subdivision("75"))


def test_overseas_departements_have_their_abolition_of_slavery_day():
    # each DOM commemorates the abolition on its own day (loi 83-550)
    abolition = {"971": (5, 27), "972": (5, 22), "973": (6, 10), "974": (12, 20), "976": (4, 27)}
    for departement, (month, day) in abolition.items():
        when = datetime.date(2026, month, day).toordinal()
        assert FRANCE.is_holiday(when, subdivision(departement)), departement
        assert not FRANCE.is_holiday(when, subdivision("75")), departement


def test_sundays_are_not_holidays_in_the_calendar():
    sunday = ordinal("2026-03-08")
    assert not FRANCE.is_holiday(sunday, None)
    assert not FRANCE.is_business_day(sunday, None)


def test_a_calendar_of_an_unknown_country_is_refused():
    with pytest.raises(ValueError, match="no country 'XX'"):
        Calendar("XX")


def test_a_calendar_of_another_country_ignores_the_departement():
    belgium = Calendar("BE")
    assert belgium.subdivision("57") is None
    assert belgium.is_holiday(ordinal("2026-07-21"), None)  # Belgian national day
    assert not FRANCE.is_holiday(ordinal("2026-07-21"), None)


# ------------------------------------------------------------------ business days


def test_business_days_are_monday_to_friday_without_holidays():
    assert FRANCE.is_business_day(ordinal("2026-12-24"), "57")  # a Thursday
    assert not FRANCE.is_business_day(ordinal("2026-12-25"), None)  # Christmas, a Friday
    assert not FRANCE.is_business_day(ordinal("2026-12-26"), None)  # a Saturday
    assert not FRANCE.is_business_day(ordinal("2026-12-27"), None)  # a Sunday
    assert FRANCE.is_business_day(ordinal("2026-04-03"), None)  # Good Friday in Paris
    assert not FRANCE.is_business_day(ordinal("2026-04-03"), "57")  # and in Moselle


@pytest.mark.parametrize("departement", ["75", "57"])
def test_one_business_day_after_christmas_eve_2026_is_the_monday(departement):
    # 25 December 2026 is a Friday, 26 December a Saturday: no difference between Paris and Metz
    subdiv = subdivision(departement)
    assert FRANCE.add_business_days(ordinal("2026-12-24"), 1, subdiv) == ordinal("2026-12-28")
    assert FRANCE.add_business_days(ordinal("2026-12-28"), -1, subdiv) == ordinal("2026-12-24")


@pytest.mark.parametrize(
    ("departement", "after", "before"),
    [("75", "2028-12-26", "2028-12-26"), ("57", "2028-12-27", "2028-12-22")],
)
def test_26_december_2028_a_tuesday_is_skipped_in_moselle_only(departement, after, before):
    subdiv = subdivision(departement)
    # Friday 22 December 2028 + 1: Monday 25 is Christmas everywhere, Tuesday 26 only in Moselle
    assert FRANCE.add_business_days(ordinal("2028-12-22"), 1, subdiv) == ordinal(after)
    # Wednesday 27 December 2028 - 1
    assert FRANCE.add_business_days(ordinal("2028-12-27"), -1, subdiv) == ordinal(before)


def test_easter_2026_in_moselle_skips_good_friday_and_easter_monday():
    thursday = ordinal("2026-04-02")
    assert FRANCE.add_business_days(thursday, 1, "57") == ordinal("2026-04-07")
    assert FRANCE.add_business_days(thursday, 1, None) == ordinal("2026-04-03")


def test_zero_business_days_keep_the_day_even_on_a_holiday():
    christmas = ordinal("2026-12-25")
    assert FRANCE.add_business_days(christmas, 0, None) == christmas


@settings(max_examples=150, deadline=None)
@given(
    st.dates(datetime.date(2026, 1, 1), datetime.date(2028, 11, 30)),
    st.integers(-40, 40),
    st.sampled_from(sorted(SUBDIVISIONS)),
)
def test_add_business_days_counts_exactly_the_business_days(start, count, departement):
    subdiv = subdivision(departement)
    day = start.toordinal()
    result = FRANCE.add_business_days(day, count, subdiv)
    if count == 0:
        assert result == day
        return
    assert FRANCE.is_business_day(result, subdiv)
    low, high = (day + 1, result) if count > 0 else (result, day - 1)
    assert sum(FRANCE.is_business_day(d, subdiv) for d in range(low, high + 1)) == abs(count)
    if FRANCE.is_business_day(day, subdiv):  # from a business day, the way back is the same
        assert FRANCE.add_business_days(result, -count, subdiv) == day


# ------------------------------------------------------------------ time zones


@pytest.mark.parametrize(
    ("departement", "zone"),
    [
        ("971", "America/Guadeloupe"),
        ("972", "America/Martinique"),
        ("973", "America/Cayenne"),
        ("974", "Indian/Reunion"),
        ("975", "America/Miquelon"),
        ("976", "Indian/Mayotte"),
        ("75", "Europe/Paris"),
        ("57", "Europe/Paris"),
        ("67", "Europe/Paris"),
        (None, "Europe/Paris"),
        (" 974 ", "Indian/Reunion"),
    ],
)
def test_time_zone_of_each_departement(departement, zone):
    assert time_zone(departement) == zone
    ZoneInfo(zone)  # an IANA name the platform knows


def test_the_default_time_zone_is_paris():
    assert DEFAULT_TIME_ZONE == "Europe/Paris"


def test_overseas_offsets_differ_from_paris():
    noon = datetime.datetime(2026, 1, 15, 12, 0)
    offsets = {
        departement: noon.replace(tzinfo=ZoneInfo(time_zone(departement))).utcoffset()
        for departement in ("75", "971", "973", "974", "976")
    }
    assert offsets == {
        "75": datetime.timedelta(hours=1),
        "971": datetime.timedelta(hours=-4),
        "973": datetime.timedelta(hours=-3),
        "974": datetime.timedelta(hours=4),
        "976": datetime.timedelta(hours=3),
    }


# ------------------------------------------------------------------ contact windows

WINDOW_TEXTS = [
    "mon-fri 10:00-13:00, 14:00-20:00",
    "mon-sat and holidays 08:00-20:00",
    "mon-sat 08:00-20:00",
    "mon-sat",
    "sat",
    "mon-sun 00:00-24:00",
    "tue-thu and holidays 09:30-12:00, 13:00-17:45",
]


@pytest.mark.parametrize("text", WINDOW_TEXTS)
def test_a_window_prints_as_it_is_written_and_reads_back_the_same(text):
    window = ContactWindow.parse(text)
    assert str(window) == text
    assert ContactWindow.parse(str(window)) == window


def test_a_window_parses_to_weekdays_and_minutes():
    window = ContactWindow.parse("mon-fri and holidays 10:00-13:00, 14:00-20:00")
    assert window.days == frozenset(range(5))
    assert window.hours == ((600, 780), (840, 1200))
    assert window.holidays
    assert window.allows(4) and not window.allows(5)


@st.composite
def windows(draw):
    first = draw(st.integers(0, 6))
    last = draw(st.integers(first, 6))
    bounds = sorted(draw(st.sets(st.integers(0, 24 * 4), max_size=6)))
    if len(bounds) % 2:
        bounds = bounds[:-1]
    hours = tuple((15 * bounds[i], 15 * bounds[i + 1]) for i in range(0, len(bounds), 2))
    return ContactWindow(range(first, last + 1), hours, draw(st.booleans()))


@settings(max_examples=60, deadline=None)
@given(windows())
def test_any_window_round_trips_through_its_text(window):
    assert ContactWindow.parse(str(window)) == window


@pytest.mark.parametrize(
    ("days", "hours", "message"),
    [
        ((), (), "needs weekdays"),
        ((7,), (), "needs weekdays"),
        ((0,), ((600, 600),), "do not make a range"),
        ((0,), ((600, 1500),), "do not make a range"),
        ((0,), ((600, 800), (700, 900)), "do not overlap"),
    ],
)
def test_a_bad_window_built_from_python_is_refused(days, hours, message):
    with pytest.raises(ValueError, match=message):
        ContactWindow(days, hours)


def test_windows_of_a_day_are_aware_in_the_zone_asked():
    window = ContactWindow.parse("mon-fri 10:00-13:00, 14:00-20:00")
    day = datetime.date(2026, 1, 15)
    paris = window.on(day, "Europe/Paris")
    reunion = window.on(day, "Indian/Reunion")
    assert [(s.time(), e.time()) for s, e in paris] == [
        (datetime.time(10), datetime.time(13)),
        (datetime.time(14), datetime.time(20)),
    ]
    for start, end in (*paris, *reunion):
        assert start.tzinfo is not None and end.tzinfo is not None
        assert start.date() == end.date() == day
    assert paris[0][0].utcoffset() == datetime.timedelta(hours=1)
    assert reunion[0][0].utcoffset() == datetime.timedelta(hours=4)
    # 10:00 in Saint-Denis is 07:00 in Paris: three hours earlier in absolute time
    assert paris[0][0] - reunion[0][0] == datetime.timedelta(hours=3)
    assert reunion[0][0].astimezone(UTC) == datetime.datetime(2026, 1, 15, 6, tzinfo=UTC)


def test_windows_on_summer_time_days_follow_the_clock_change():
    window = ContactWindow.parse("mon-sun 08:00-20:00")
    winter = window.on(datetime.date(2026, 3, 28), "Europe/Paris")[0][0]
    change = window.on(datetime.date(2026, 3, 29), "Europe/Paris")[0][0]  # last Sunday of March
    assert winter.utcoffset() == datetime.timedelta(hours=1)
    assert change.utcoffset() == datetime.timedelta(hours=2)
    assert change.astimezone(UTC).hour == 6
    # no summer time in La Réunion
    reunion = window.on(datetime.date(2026, 3, 29), "Indian/Reunion")[0][0]
    assert reunion.utcoffset() == datetime.timedelta(hours=4)


@pytest.mark.parametrize(("day", "hours"), [("2026-03-29", 23), ("2026-10-25", 25)])
def test_a_whole_day_window_lasts_the_day_of_the_clock_change(day, hours):
    on = datetime.date.fromisoformat(day)
    ((start, end),) = ContactWindow.parse("mon-sun").on(on, "Europe/Paris")
    assert start.time() == end.time() == datetime.time(0)
    assert end.date() - start.date() == DAY
    assert end.astimezone(UTC) - start.astimezone(UTC) == datetime.timedelta(hours=hours)


def test_a_window_up_to_midnight_ends_at_the_next_day():
    ((start, end),) = ContactWindow.parse("mon-sun 18:00-24:00").on(
        datetime.date(2026, 6, 1), "Europe/Paris"
    )
    assert start == datetime.datetime(2026, 6, 1, 18, tzinfo=ZoneInfo("Europe/Paris"))
    assert end == datetime.datetime(2026, 6, 2, 0, tzinfo=ZoneInfo("Europe/Paris"))


# ------------------------------------------------------------------ bd offsets in a scenario

BD_PROGRAM = dunforce.compile(
    'profile late: in_case\nscenario s for late:\n    sms "relance" at D+1bd\n'
    '    letter "relance_2" at D+2bd\n'
)


def issued_by(program, departement: str, due: datetime.date, days: int = 20):
    state = AccountState(
        account_id="T",
        attributes={"phone_mobile": "+33612345678", "departement": departement},
        ledger=(Charge(amount="500.00", due=due),),
    )
    issued = []
    for n in range(days):
        actions = program.step(state, due + n * DAY)
        state = state.record(actions)
        issued.extend(actions)
    return {a.template: a for a in issued}


def test_bd_offsets_skip_weekends():
    # D = Friday 6 March 2026: D+1bd is Monday 9, D+2bd Tuesday 10
    issued = issued_by(BD_PROGRAM, "75", datetime.date(2026, 3, 6))
    assert issued["relance"].scheduled_for == datetime.date(2026, 3, 9)
    assert issued["relance_2"].scheduled_for == datetime.date(2026, 3, 10)
    assert issued["relance"].emitted_on == datetime.date(2026, 3, 9)


@pytest.mark.parametrize(
    ("departement", "sms_day", "letter_day"),
    [("75", "2026-04-03", "2026-04-07"), ("57", "2026-04-07", "2026-04-08")],
)
def test_bd_offsets_skip_the_public_holidays_of_the_tenants_departement(
    departement, sms_day, letter_day
):
    # D = Thursday 2 April 2026; Good Friday (3 April) is a holiday in Moselle only, Easter Monday
    # (6 April) everywhere: a business day is one of the tenant's calendar
    issued = issued_by(BD_PROGRAM, departement, datetime.date(2026, 4, 2))
    sms, letter = issued["relance"], issued["relance_2"]
    assert sms.scheduled_for == sms.emitted_on == datetime.date.fromisoformat(sms_day)
    assert letter.scheduled_for == letter.emitted_on == datetime.date.fromisoformat(letter_day)
    assert sms.policy_note == letter.policy_note == ""  # nothing for the policy to move


def test_bd_offsets_over_christmas_2026():
    # D = Thursday 24 December 2026: Friday 25 is Christmas, then a weekend
    for departement in ("75", "57"):
        issued = issued_by(BD_PROGRAM, departement, datetime.date(2026, 12, 24))
        assert issued["relance"].scheduled_for == datetime.date(2026, 12, 28)
        assert issued["relance_2"].scheduled_for == datetime.date(2026, 12, 29)
