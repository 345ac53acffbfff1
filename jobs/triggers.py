"""When the scheduler's jobs fire: a collect job every ``every_minutes`` (with a misfire grace of half of
it), the digest once per local day at ``schedule.digest_time`` whatever DST does."""
from __future__ import annotations

from datetime import date, datetime, time as dtime, timedelta, timezone

from apscheduler.triggers.cron import CronTrigger

COLLECT_GRACE_MIN = 30  # seconds: misfire grace of a collect job is half its interval, within these bounds
COLLECT_GRACE_MAX = 30 * 60
DIGEST_GRACE = 6 * 3600  # a machine that slept through digest_time still sends it within six hours


def local_wall_time(day: date, at: dtime, tz) -> datetime:
    """``at`` on local ``day``, in UTC: inside a spring-forward gap, the same offset after it; when the hour
    repeats, its first occurrence.

    UTC, because aware datetimes sharing one zone compare and subtract by wall time, ignoring ``fold``:
    inside the repeated hour that is off by an hour.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None))
    return naive.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)


class DailyTrigger(CronTrigger):
    """A CronTrigger at one local time of day that fires exactly once per local day across DST changes.

    APScheduler 3.11's CronTrigger fires twice on a fall-back day when the time is in the repeated hour
    (and can return the same time again for ``now`` inside it); this one never fires twice on a local date.
    """

    def __init__(self, at: dtime, timezone):
        super().__init__(hour=at.hour, minute=at.minute, second=at.second, timezone=timezone)
        self.at = at.replace(tzinfo=None, microsecond=0)

    def get_next_fire_time(self, previous_fire_time, now):
        start = now.astimezone(timezone.utc)
        if previous_fire_time is not None:
            fired_on = previous_fire_time.astimezone(self.timezone).date()
            next_midnight = local_wall_time(fired_on + timedelta(days=1), dtime(0), self.timezone)
            start = max(now, next_midnight)
        day = start.astimezone(self.timezone).date()
        for offset in range(0, 3):
            candidate = local_wall_time(day + timedelta(days=offset), self.at, self.timezone)
            if candidate >= start:
                if self.end_date and candidate > self.end_date:
                    return None
                return candidate
        raise AssertionError("unreachable: a local time of day recurs within three days")  # pragma: no cover

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} {self.timezone}"

    def __repr__(self) -> str:
        return f"<DailyTrigger ({self.at:%H:%M}, timezone='{self.timezone}')>"


def collect_grace(every_minutes: int) -> int:
    return int(min(max(every_minutes * 60 // 2, COLLECT_GRACE_MIN), COLLECT_GRACE_MAX))
