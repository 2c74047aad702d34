"""The team's roster, entered as lines a lead can type fast, and the people on duty at each
hour of the week (issue 23: the staffing plan is compared with it).

One shift a line: the days, the hours and the people on, e.g.::

    Mon-Fri 09-18 3
    Sat,Sun 10-16 1
    월-금 18-22 2

Days are English (``Mon``) or Korean (``월``) names, a range (``Mon-Fri``) or a list
(``Sat,Sun``); hours are whole hours of the store's day, ``00`` to ``24``, the end after the
start (a night shift is two lines, one each side of midnight); lines that say the same hour
add up. ``#`` starts a comment."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from stay.core.errors import InvalidInput

DAY_NAMES = (
    ("mon", "월"),
    ("tue", "화"),
    ("wed", "수"),
    ("thu", "목"),
    ("fri", "금"),
    ("sat", "토"),
    ("sun", "일"),
)
_DAYS = {name: n for n, names in enumerate(DAY_NAMES) for name in names}
_LINE = re.compile(r"^(?P<days>\S+)\s+(?P<starts>\d{1,2})(?::00)?\s*-\s*(?P<ends>\d{1,2})(?::00)?\s+(?P<people>\d+)$")
MAX_PEOPLE = 1000


@dataclass(frozen=True)
class Shift:
    weekdays: tuple[int, ...]  # 0 = Monday
    starts: int  # hour, 0-23
    ends: int  # hour, 1-24: the shift ends as this hour starts
    people: int


def _weekdays(text: str) -> tuple[int, ...]:
    days: list[int] = []
    for part in text.split(","):
        ends = part.split("-")
        if not part or len(ends) > 2 or any(end.lower()[:3] not in _DAYS and end not in _DAYS for end in ends):
            raise ValueError(_("days: Mon-Fri, Sat,Sun or 월-금"))
        first, last = (_DAYS.get(end, _DAYS.get(end.lower()[:3], 0)) for end in (ends[0], ends[-1]))
        if last < first:
            raise ValueError(_("days: a range runs Monday to Sunday, e.g. Mon-Fri"))
        days.extend(range(first, last + 1))
    return tuple(sorted(set(days)))


def parse(text: str) -> list[Shift]:
    """The shifts in ``text``; the first line that is not one is refused by its number."""
    shifts = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            found = _LINE.match(line)
            if found is None:
                raise ValueError(_("a shift is days, hours and people, e.g. Mon-Fri 09-18 3"))
            starts, ends, people = (int(found[name]) for name in ("starts", "ends", "people"))
            if not 0 <= starts < ends <= 24:
                raise ValueError(
                    _("hours: from 00 to 24, the end after the start (a night shift is two lines: 22-24 and 00-06)")
                )
            if not 1 <= people <= MAX_PEOPLE:
                raise ValueError(_("people: 1 to %(most)s") % {"most": MAX_PEOPLE})
            shifts.append(Shift(_weekdays(found["days"]), starts, ends, people))
        except ValueError as exc:
            raise InvalidInput(_("line %(number)s: %(problem)s") % {"number": number, "problem": exc}) from None
    return shifts


def text_of(shifts: list[Shift]) -> str:
    """The shifts as lines ``parse`` reads back."""
    lines = []
    for shift in shifts:
        days = shift.weekdays
        if len(days) > 1 and list(days) == list(range(days[0], days[-1] + 1)):
            named = f"{DAY_NAMES[days[0]][0].title()}-{DAY_NAMES[days[-1]][0].title()}"
        else:
            named = ",".join(DAY_NAMES[day][0].title() for day in days)
        lines.append(f"{named} {shift.starts:02d}-{shift.ends:02d} {shift.people}")
    return "\n".join(lines)


def on_duty(shifts: list[Shift]) -> dict[tuple[int, int], int]:
    """People on at each (weekday, hour) of the week the shifts cover."""
    duty: dict[tuple[int, int], int] = {}
    for shift in shifts:
        for day in shift.weekdays:
            for hour in range(shift.starts, shift.ends):
                duty[(day, hour)] = duty.get((day, hour), 0) + shift.people
    return duty
