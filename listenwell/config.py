"""config.yaml: the schema, loading, and errors that name the key path.

Everything is validated before anything is opened or written, so a bad config
changes nothing. Secrets never live here: a source names the environment
variable that holds each one (``*_env`` keys).
"""
from __future__ import annotations

import os
import re
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

CONFIG_ENV = "LISTENWELL_CONFIG"
DEFAULT_CONFIG = "config.yaml"
PlatformName = Literal["x", "reddit", "blog"]
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """The configuration is missing or invalid. The message names the key path and what is expected."""


def _http_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("expected an http:// or https:// URL")
    return value


def _env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise ValueError("expected the NAME of an environment variable (letters, digits, _), not its value")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA timezone name such as 'Europe/Lisbon' or 'UTC'") from None
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
EnvName = Annotated[str, AfterValidator(_env_name)]
TimezoneName = Annotated[str, AfterValidator(_timezone)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Handles(Strict):
    x: list[str] = []
    reddit: list[str] = []
    blog: list[str] = []

    @field_validator("x", "reddit", "blog")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        return [v.strip().lstrip("@").removeprefix("u/") for v in values if v.strip()]

    def for_platform(self, platform: str) -> list[str]:
        return list(getattr(self, platform, []))


class Me(Strict):
    name: str
    handles: Handles = Handles()
    blog_urls: list[HttpUrl] = []


class KeyClient(Strict):
    name: str = Field(min_length=1)
    tier: int = Field(ge=1, le=5, description="1 = most important")
    handles: Handles = Handles()
    notes: str = ""


class Topic(Strict):
    keywords: list[str] = []
    phrases: list[str] = []
    hashtags: list[str] = []
    aliases: list[str] = []

    @model_validator(mode="after")
    def _not_empty(self) -> "Topic":
        if not (self.keywords or self.phrases or self.hashtags or self.aliases):
            raise ValueError("a topic needs at least one of keywords, phrases, hashtags, aliases")
        return self


class SourceBase(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="lowercase id")
    enabled: bool = True
    every_minutes: int = Field(default=60, ge=1)
    timeout_seconds: float = Field(default=20.0, gt=0, le=600)


class FeedSource(SourceBase):
    type: Literal["feed"]
    url: HttpUrl | None = None
    path: str | None = None
    comments: bool = True
    comments_url: HttpUrl | None = None
    comments_max_age_days: int = Field(default=45, ge=0)
    max_comment_feeds: int = Field(default=50, ge=0)

    @model_validator(mode="after")
    def _one_location(self) -> "FeedSource":
        if (self.url is None) == (self.path is None):
            raise ValueError("give exactly one of 'url' (http/https) or 'path' (a local file)")
        return self


class FilesSource(SourceBase):
    type: Literal["files"]
    paths: list[str] = Field(min_length=1, description="files or glob patterns, relative to config.yaml")
    format: Literal["auto", "x", "reddit", "csv"] = "auto"


class XSource(SourceBase):
    type: Literal["x"]
    bearer_token_env: EnvName = "X_BEARER_TOKEN"
    consumer_key_env: EnvName = "X_CONSUMER_KEY"
    consumer_secret_env: EnvName = "X_CONSUMER_SECRET"
    access_token_env: EnvName = "X_ACCESS_TOKEN"
    access_token_secret_env: EnvName = "X_ACCESS_TOKEN_SECRET"
    queries: list[str] = []
    mentions: bool = True
    client_timelines: bool = True
    own_posts: bool = True
    followers: bool = Field(
        default=False,
        description="also read who follows our account, on a slower schedule (followers_every_hours)",
    )
    max_pages_per_run: int = Field(default=5, ge=1, description="pages (of up to 100 tweets) per stream per run")
    account: str | None = Field(
        default=None,
        description="our X username whose mentions and posts are read; default: the first of me.handles.x",
    )
    max_wait_seconds: float = Field(
        default=60.0, ge=0, le=900,
        description="on HTTP 429 wait for the rate-limit reset only this long; otherwise stop and retry next run",
    )
    max_retries: int = Field(default=3, ge=0, le=10, description="retries after a 5xx answer or a timeout")
    followers_every_hours: float = Field(
        default=24.0, gt=0, description="with 'followers', re-read the full follower list at most this often",
    )


class RedditSource(SourceBase):
    type: Literal["reddit"]
    client_id_env: EnvName = "REDDIT_CLIENT_ID"
    client_secret_env: EnvName = "REDDIT_CLIENT_SECRET"
    username_env: EnvName | None = "REDDIT_USERNAME"
    password_env: EnvName | None = "REDDIT_PASSWORD"
    user_agent: str = Field(min_length=10, description="a descriptive user agent: 'listenwell:fernhill:0.1 (by u/you)'")
    subreddits: list[str] = []
    queries: list[str] = []
    inbox: bool = True
    client_activity: bool = True
    own_comments: bool = True
    max_items_per_run: int = Field(default=500, ge=1)
    max_wait_seconds: float = Field(
        default=60.0, ge=0, le=600,
        description="when Reddit's rate-limit window is used up and resets later than this, stop and retry then",
    )
    oauth_url: HttpUrl | None = Field(
        default=None,
        description="API endpoint override (default https://oauth.reddit.com); credentials' tokens are sent here",
    )
    reddit_url: HttpUrl | None = Field(
        default=None,
        description="token endpoint override (default https://www.reddit.com); client secret and password are sent here",
    )

    @field_validator("oauth_url", "reddit_url")
    @classmethod
    def _https_unless_loopback(cls, value: str | None) -> str | None:
        if value is not None:
            parsed = urlparse(value)
            if parsed.scheme != "https" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
                raise ValueError("credentials are sent here: use https:// (http:// only for 127.0.0.1/localhost)")
        return value


Source = Annotated[FeedSource | FilesSource | XSource | RedditSource, Field(discriminator="type")]


class Schedule(Strict):
    timezone: TimezoneName = "UTC"
    digest_time: time = time(7, 30)


class Smtp(Strict):
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username_env: EnvName | None = Field(default=None, description="default: log in as the sender address")
    password_env: EnvName | None = None
    sender: str = Field(description="the From address: listening@example.com or 'Listenwell <listening@example.com>'")

    @field_validator("sender")
    @classmethod
    def _address(cls, value: str) -> str:
        if not re.fullmatch(r"(?:[^<>@\r\n]*<)?[^@\s<>]+@[^@\s<>]+>?", value.strip()):
            raise ValueError("expected an email address such as listening@example.com")
        return value.strip()

    @model_validator(mode="after")
    def _no_cleartext_password(self) -> "Smtp":
        if self.security == "none" and self.password_env and self.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("security 'none' would send the password unencrypted: use starttls or ssl "
                             "(none only for 127.0.0.1/localhost)")
        return self


class Digest(Strict):
    out_dir: str = "out/digests"
    recipients: list[str] = []
    top_n: int = Field(default=10, ge=1, le=100)
    smtp: Smtp | None = None


class Alerts(Strict):
    class QuietHours(Strict):
        """A nightly window (schedule.timezone) when alerts wait; they go out when it ends."""

        start: time
        end: time

        @field_validator("start", "end", mode="before")
        @classmethod
        def _hh_mm(cls, value: Any) -> time:
            if isinstance(value, time):
                return value
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value) if isinstance(value, str) else None
            if not match or int(match[1]) > 23 or int(match[2]) > 59:
                raise ValueError('expected a time "HH:MM" in quotes, such as "22:00"')
            return time(int(match[1]), int(match[2]))

        @model_validator(mode="after")
        def _not_empty(self) -> "Alerts.QuietHours":
            if self.start == self.end:
                raise ValueError("start and end are the same time; remove quiet_hours to have none")
            return self

        def contains(self, moment: time) -> bool:
            if self.start < self.end:
                return self.start <= moment < self.end
            return moment >= self.start or moment < self.end  # spans midnight

    class Spike(Strict):
        """Today's volume or negative share, per topic and overall, against the trailing days."""

        enabled: bool = True
        baseline_days: int = Field(default=14, ge=3, le=365)
        z: float = Field(default=3.0, gt=0, description="how many standard deviations above the baseline")
        min_count: int = Field(default=5, ge=1, description="fewer posts (or negative posts) today never spike")

    key_client_negative: bool = True
    key_client_question: bool = True
    key_client_moment: bool = True
    unanswered_question: bool = True
    unanswered_question_hours: int = Field(default=24, ge=1, description="a question to us with no reply this long")
    negative_threshold: float = Field(default=-0.35, ge=-1, le=0)
    spike: Spike = Spike()
    channels: list[Literal["console", "email", "webhook"]] = Field(default=["console"], min_length=1)
    email_recipients: list[str] = []
    smtp: Smtp | None = Field(default=None, description="default: digest.smtp")
    webhook_url_env: EnvName | None = None
    webhook_format: Literal["slack", "json"] = "slack"
    quiet_hours: QuietHours | None = None
    max_per_hour: int = Field(default=20, ge=1)
    max_attempts: int = Field(default=10, ge=1, le=100, description="a channel that failed this often stays failed")
    max_age_hours: int = Field(default=72, ge=1, description="older posts never alert (a first backfill stays quiet)")

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    @field_validator("email_recipients")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+", value.strip()):
                raise ValueError(f"expected email addresses such as ops@example.com (got {value!r})")
        return [v.strip() for v in values]

    @model_validator(mode="after")
    def _channels_configured(self) -> "Alerts":
        if "email" in self.channels and not self.email_recipients:
            raise ValueError("channel 'email' needs email_recipients (and smtp here or in digest.smtp)")
        if "webhook" in self.channels and not self.webhook_url_env:
            raise ValueError("channel 'webhook' needs webhook_url_env: the NAME of the variable holding the URL")
        return self


class Engagement(Strict):
    reply_window_days: int = Field(default=14, ge=1, description="suggest replies to posts this recent")
    unanswered_hours: int = Field(default=24, ge=1, description="a question to us is overdue after this")
    quiet_days: list[int] = Field(default=[30, 60, 90], min_length=1)
    moment_window_days: int = Field(default=21, ge=1, description="moments this recent go on the reach-out list")


class Sending(Strict):
    enabled: bool = Field(default=False, description="false = `queue send` only shows what it would post")


_MEMORY_SIZE = re.compile(r"^[1-9][0-9]*(\.[0-9]+)? ?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")


def _memory_size(value: str) -> str:
    if not _MEMORY_SIZE.match(value):
        raise ValueError("must be a size such as 768MB, 1.5GB or 2GiB")
    return value


class Storage(Strict):
    path: str = "data/listenwell.duckdb"
    memory_limit: Annotated[str, AfterValidator(_memory_size)] = Field(
        default="768MB",
        description="how much memory DuckDB may use for its buffers before it spills to disk, e.g. 768MB or 2GB",
    )


class Web(Strict):
    password_hash_env: EnvName = Field(
        default="LISTENWELL_WEB_PASSWORD_HASH",
        description="environment variable holding the login password's hash (`listenwell serve --hash-password`); "
                    "when it is unset, `serve` generates a login token at first start and prints it once",
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="a login lasts this long")


class Config(Strict):
    me: Me
    key_clients: list[KeyClient] = []
    topics: dict[str, Topic] = {}
    sources: list[Source] = []
    schedule: Schedule = Schedule()
    digest: Digest = Digest()
    alerts: Alerts = Alerts()
    engagement: Engagement = Engagement()
    sending: Sending = Sending()
    storage: Storage = Storage()
    web: Web = Web()
    reference_time: datetime | None = Field(
        default=None,
        description="pins 'now' (for the bundled samples and tests); leave unset in real use",
    )

    # set by load_config, not by the file
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("reference_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> "Config":
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        return self

    # --- derived -------------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.timezone)

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def db_path(self) -> Path:
        return self.resolve(self.storage.path)

    def now(self) -> datetime:
        return self.reference_time or datetime.now(timezone.utc)

    def our_handles(self) -> dict[str, set[str]]:
        return {p: {h.lower() for h in self.me.handles.for_platform(p)} for p in ("x", "reddit", "blog")}


def find_config_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path(DEFAULT_CONFIG)


def load_config(path: str | os.PathLike | None = None) -> Config:
    config_path = find_config_path(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{config_path}: file not found; pass --config PATH or set {CONFIG_ENV}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{config_path}:{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{config_path}: expected a mapping of settings at the top level")
    data.pop("base_dir", None)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(config_path, exc, data)) from None
    return config.model_copy(update={"base_dir": config_path.resolve().parent})


def _key_path(loc: tuple[Any, ...], data: Any) -> str:
    """Turn pydantic's loc into 'sources[1].url', dropping the tagged-union tag it inserts."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        if isinstance(node, dict) and item not in node and item in ("feed", "files", "x", "reddit"):
            continue  # discriminator tag, not a key in the file
        if str(item).startswith("function-") or item in ("tagged-union", "list"):
            continue
        parts.append(("." if parts else "") + str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _explain(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see the documented config.yaml)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return "'type' must be one of feed, files, x, reddit"
    if kind == "union_tag_not_found":
        return "each source needs a 'type': feed, files, x or reddit"
    message = error["msg"]
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def format_validation_error(path: Path, exc: ValidationError, data: Any) -> str:
    lines = []
    for error in exc.errors():
        where = _key_path(error["loc"], data)
        given = error.get("input")
        shown = ""
        if error["type"] not in ("missing", "extra_forbidden") and isinstance(given, (str, int, float, bool)):
            shown = f" (got {given!r})"
        lines.append(f"{where}: {_explain(error)}{shown}")
    head = f"{path}: invalid configuration"
    if len(lines) == 1:
        return f"{head}: {lines[0]}"
    return head + "\n  " + "\n  ".join(lines)


def read_secret(env_name: str | None, what: str) -> str | None:
    """Secrets come only from the environment; the error names the variable, never a value."""
    if not env_name:
        return None
    value = os.environ.get(env_name) or None
    if value and not any(public in what.lower() for public in ("username", "client id")):
        from collectors.redact import register

        register(value)  # every later message in this process masks it
    return value
