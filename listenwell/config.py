"""config.yaml: the schema, loading, and errors that name the key path.

Everything is validated before anything is opened or written, so a bad config
changes nothing. Secrets never live here: a source names the environment
variable that holds each one (``*_env`` keys).
"""
from __future__ import annotations

import ipaddress
import os
import re
from datetime import date, datetime, time, timezone
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from urllib.parse import urlparse, urlsplit
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

CONFIG_ENV = "LISTENWELL_CONFIG"
DEFAULT_CONFIG = "config.yaml"
MAX_CONFIG_BYTES = 1024 * 1024
from listenwell.config_types import (  # noqa: F401  (re-exported: the schema's building blocks)
    _BIDI, _CONTROL, _LABEL, DAYS_MAX, EARLIEST, ENV_NAME, HOURS_MAX, LATEST, SYSTEM_DIRS, Email, EnvName, HttpUrl,
    SourceBase, Strict, TimezoneName, _email, _env_name, _http_url, _timezone, _valid_host, https_unless_loopback,
)

class ConfigError(Exception):
    """The configuration is missing or invalid. The message names the key path and what is expected."""


from collectors import platforms as _platforms  # noqa: E402  (each platform declares its schema there)


class _HandlesBase(Strict):
    """A person's handles, one list per platform (collectors/platforms/): written with or without '@' / 'u/'."""

    @model_validator(mode="before")
    @classmethod
    def _strip(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: [_platforms.get(key).normalize_handle(v) for v in values if isinstance(v, str) and v.strip()]
                    if key in _platforms.names() and isinstance(values, list) else values
                    for key, values in data.items()}
        return data

    def for_platform(self, platform: str) -> list[str]:
        return list(getattr(self, platform, []))


Handles = create_model("Handles", __base__=_HandlesBase,
                       **{name: (list[str], []) for name in _platforms.names()})


class Me(Strict):
    name: str = Field(min_length=1, max_length=200)
    handles: Handles = Handles()
    blog_urls: list[HttpUrl] = []


class KeyClient(Strict):
    name: str = Field(min_length=1, max_length=200)
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


class FilesSource(SourceBase):
    """Exported or recorded posts on disk (X and Reddit API shapes, CSV): the bundled samples."""

    type: Literal["files"]
    paths: list[str] = Field(min_length=1, description="files or glob patterns, relative to config.yaml")
    format: Literal["auto", "x", "reddit", "csv"] = "auto"


SOURCE_TYPES = ["files", *_platforms.source_types()]
Source = Annotated[Union[(FilesSource, *(st.schema for _p, st in _platforms.source_types().values()))],
                   Field(discriminator="type")]
# the platforms' own models, where callers know them by name
globals().update({st.schema.__name__: st.schema for _p, st in _platforms.source_types().values()})



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

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not _valid_host(value.strip()):
            raise ValueError("expected a mail server's host name such as smtp.example.com")
        return value.strip()

    @field_validator("sender")
    @classmethod
    def _address(cls, value: str) -> str:
        value = value.strip()
        if _CONTROL.search(value) or _BIDI.search(value):
            raise ValueError("the sender may not contain control characters or invisible direction marks")
        name, address = parseaddr(value)
        if not address or (name and not value.endswith(">")):
            raise ValueError("expected an email address such as listening@example.com")
        _email(address)
        return value

    @model_validator(mode="after")
    def _no_cleartext_password(self) -> "Smtp":
        if self.security == "none" and self.password_env and self.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("security 'none' would send the password unencrypted: use starttls or ssl "
                             "(none only for 127.0.0.1/localhost)")
        return self


class Digest(Strict):
    out_dir: str = "out/digests"
    recipients: list[Email] = []
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
        z: float = Field(default=3.0, gt=0, le=100, description="how many standard deviations above the baseline")
        min_count: int = Field(default=5, ge=1, le=1_000_000, description="fewer posts (or negative posts) today never spike")

    key_client_negative: bool = True
    key_client_question: bool = True
    key_client_moment: bool = True
    key_client_churn: bool = Field(default=True, description="a key client talks of leaving us, tagged or not")
    key_client_about_us: bool = Field(default=True, description="a key client names us without tagging us")
    key_client_competitor: bool = Field(default=True, description="a key client names a competitor")
    unanswered_question: bool = True
    unanswered_question_hours: int = Field(default=24, ge=1, le=HOURS_MAX, description="a question to us with no reply this long")
    # Deprecated and ignored: "negative" now means the sentiment model's label, defined once in nlp/polarity.py.
    # Still accepted so that existing config files load.
    negative_threshold: float | None = Field(default=None, ge=-1, le=0,
                                             description="deprecated, ignored (see nlp/polarity.py)")
    spike: Spike = Spike()
    channels: list[Literal["console", "email", "webhook"]] = Field(default=["console"], min_length=1)
    email_recipients: list[Email] = []
    smtp: Smtp | None = Field(default=None, description="default: digest.smtp")
    webhook_url_env: EnvName | None = None
    webhook_format: Literal["slack", "json"] = "slack"
    quiet_hours: QuietHours | None = None
    max_per_hour: int = Field(default=20, ge=1, le=100_000)
    max_attempts: int = Field(default=10, ge=1, le=100, description="a channel that failed this often stays failed")
    max_age_hours: int = Field(default=72, ge=1, le=HOURS_MAX, description="older posts never alert (a first backfill stays quiet)")

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    @model_validator(mode="after")
    def _channels_configured(self) -> "Alerts":
        if "email" in self.channels and not self.email_recipients:
            raise ValueError("channel 'email' needs email_recipients (and smtp here or in digest.smtp)")
        if "webhook" in self.channels and not self.webhook_url_env:
            raise ValueError("channel 'webhook' needs webhook_url_env: the NAME of the variable holding the URL")
        return self


class Engagement(Strict):
    reply_window_days: int = Field(default=14, ge=1, le=DAYS_MAX, description="suggest replies to posts this recent")
    unanswered_hours: int = Field(default=24, ge=1, le=HOURS_MAX, description="a question to us is overdue after this")
    quiet_days: list[Annotated[int, Field(ge=1, le=DAYS_MAX)]] = Field(default=[30, 60, 90], min_length=1,
                                                                      max_length=20)
    moment_window_days: int = Field(default=21, ge=1, le=DAYS_MAX,
                                    description="moments this recent go on the reach-out list")

    @field_validator("quiet_days")
    @classmethod
    def _ascending(cls, values: list[int]) -> list[int]:
        return sorted(set(values))


class ReplyLLM(Strict):
    """An OpenAI-compatible chat-completions endpoint (a local Ollama, vLLM or llama.cpp server, or a hosted API)."""

    base_url: HttpUrl = Field(description="the API root, e.g. http://127.0.0.1:11434/v1 (chat/completions is appended)")
    model: str = Field(min_length=1, description="the model name the endpoint serves")
    api_key_env: EnvName | None = Field(
        default=None, description="environment variable holding the API key (none for a local server)")
    timeout_seconds: float = Field(default=20.0, gt=0, le=300, description="a draft slower than this falls back")
    max_tokens: int = Field(default=300, ge=16, le=4000)
    temperature: float = Field(default=0.3, ge=0, le=2)


class Replies(Strict):
    """How reply suggestions are written: the knowledge base they draw on, and the backend that drafts them."""

    knowledge: str | None = Field(
        default=None, description="folder of Markdown files, each '## heading' one entry (relative to config.yaml)")
    backend: Literal["composer", "llm"] = Field(
        default="composer", description="composer: offline and deterministic; llm: drafts checked, composer fallback")
    llm: ReplyLLM | None = None
    learn_from_replies: bool = Field(
        default=True, description="replies the team approved, edited or sent become knowledge too")
    learn_days: int = Field(default=180, ge=1, description="team replies older than this are not used as knowledge")

    @model_validator(mode="after")
    def _llm_configured(self) -> "Replies":
        if self.backend == "llm" and self.llm is None:
            raise ValueError("backend 'llm' needs an llm: section with base_url and model")
        return self




# --- brand and competitors (issue 18) ---------------------------------------------------------------

def _name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("a name must not be empty")
    if sum(ch.isalnum() for ch in value) < 2:
        raise ValueError(f"{value!r} is too short to match on: a name needs at least two letters or digits")
    return value


Name = Annotated[str, AfterValidator(_name)]


class Exclusion(Strict):
    """What keeps a name's other meanings out: a phrase ("Fernhill Park"), an author, or a subreddit.

    In the file an exclusion is a string: ``"Fernhill Park"`` (a phrase), ``"@fernhillpark"`` or
    ``"u/fernhillpark"`` (an author, any platform), ``"r/fernhillpark"`` (a subreddit); or a mapping with
    one of ``phrase``, ``author``, ``subreddit`` (``{author: "Fernhill Park Trust"}`` for a blog name)."""

    phrase: str | None = None
    author: str | None = None
    subreddit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("@") or text.lower().startswith(("u/", "/u/")):
                return {"author": text}
            if text.lower().startswith(("r/", "/r/")):
                return {"subreddit": text}
            return {"phrase": text}
        return value

    @field_validator("phrase", "author", "subreddit")
    @classmethod
    def _clean(cls, value: str | None, info) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if info.field_name == "author":
            value = re.sub(r"^(@|/?u/)", "", value, flags=re.I)
        elif info.field_name == "subreddit":
            value = re.sub(r"^/?r/", "", value, flags=re.I)
        if sum(ch.isalnum() for ch in value) < 2:
            raise ValueError("an exclusion needs at least two letters or digits")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> "Exclusion":
        if sum(v is not None for v in (self.phrase, self.author, self.subreddit)) != 1:
            raise ValueError("an exclusion is a phrase, an @author, or an r/subreddit: give exactly one")
        return self


def _unique_names(values: list[str], what: str) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        key = value.casefold()
        if key in seen:
            raise ValueError(f"{value!r} is listed twice{what} (names match case-insensitively)")
        seen[key] = value
    return values


class Brand(Strict):
    """Our names: the company, its products, and the aliases people use. Posts that name one of them,
    outside the exclusions, are *about us* whether or not they tag our handles."""

    names: list[Name] = Field(min_length=1, description="the brand, its products and aliases")
    exclude: list[Exclusion] = Field(default=[], description="phrases, @authors or r/subreddits that use a name "
                                                             "for something else")

    @field_validator("names")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        return _unique_names(values, "")


class Competitor(Strict):
    name: Name
    aliases: list[Name] = []
    exclude: list[Exclusion] = []

    @model_validator(mode="after")
    def _no_repeats(self) -> "Competitor":
        _unique_names([self.name, *self.aliases], f" for {self.name}")
        return self

    @property
    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]


_COMMON_WORDS: frozenset[str] | None = None


def common_words() -> frozenset[str]:
    """English words common enough that a brand named after one is mostly matched where people mean the
    word (nlp/data/common_words_en.txt, shipped; see nlp/data/make_common_words.py)."""
    global _COMMON_WORDS
    if _COMMON_WORDS is None:
        import nlp

        path = Path(nlp.__file__).resolve().parent / "data" / "common_words_en.txt"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        _COMMON_WORDS = frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))
    return _COMMON_WORDS


class Sending(Strict):
    enabled: bool = Field(default=False, description="false = `queue send` only shows what it would post")


_MEMORY_SIZE = re.compile(r"^([0-9]{1,12})(\.[0-9]{1,6})? ?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
_UNITS = {"KB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3, "TB": 1000 ** 4,
          "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3, "TiB": 1024 ** 4}
MEMORY_MIN = 256 * 1024 ** 2
MEMORY_MAX = 64 * 1024 ** 4


def _memory_size(value: str) -> str:
    """A size DuckDB can use, normalised to whole KiB (DuckDB reads '1.5GB' as 1 GB and '0.5GB' as 0)."""
    match = _MEMORY_SIZE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError("must be a size such as 768MB, 1.5GB or 2GiB")
    size = float(match[1] + (match[2] or "")) * _UNITS[match[3]]
    if not MEMORY_MIN <= size <= MEMORY_MAX:
        raise ValueError("must be between 256MiB and 64TiB")
    return f"{int(size // 1024)}KiB"


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
    trusted_hosts: list[str] = Field(
        default=["127.0.0.1", "localhost", "::1"],
        description="host names the web app answers to (the Host header); anything else gets 400. Add the name "
                    "you reach it by behind a proxy, e.g. listen.example.com or *.example.com",
    )

    @field_validator("trusted_hosts")
    @classmethod
    def _hosts(cls, values: list[str]) -> list[str]:
        out = []
        for value in values:
            host = value.strip().lower().strip("[]")
            if host != "*" and not _valid_host(host.removeprefix("*.")):
                raise ValueError(f"expected host names such as listen.example.com or *.example.com (got {value!r})")
            out.append(host)
        return out


class _ConfigBody(Strict):
    me: Me
    key_clients: list[KeyClient] = []
    topics: dict[str, Topic] = {}
    sources: list[Source] = []
    schedule: Schedule = Schedule()
    digest: Digest = Digest()
    alerts: Alerts = Alerts()
    engagement: Engagement = Engagement()
    sending: Sending = Sending()
    replies: Replies = Replies()
    storage: Storage = Storage()
    web: Web = Web()
    brand: Brand | None = Field(default=None, description="our names, matched in posts that do not tag us")
    competitors: list[Competitor] = []
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
        if value is not None and not EARLIEST <= value <= LATEST:
            raise ValueError(f"expected a time between {EARLIEST.year} and {LATEST.year}")
        return value

    @model_validator(mode="after")
    def _names_belong_to_one_owner(self) -> "Config":
        owner: dict[str, str] = {}
        places = [(f"brand.names[{i}]", n) for i, n in enumerate(self.brand.names)] if self.brand else []
        for c, comp in enumerate(self.competitors):
            places.append((f"competitors[{c}].name", comp.name))
            places += [(f"competitors[{c}].aliases[{i}]", n) for i, n in enumerate(comp.aliases)]
        for where, name in places:
            first = owner.setdefault(name.casefold(), where)
            if first != where and first.split(".")[0] != where.split(".")[0]:
                raise ValueError(f"{where}: {name!r} is already {first}; a name belongs to one brand")
        return self

    def warnings(self) -> list[str]:
        """Things that load but deserve a word: brand or competitor names that are common English words."""
        out = []
        common = common_words()
        names = [(f"brand.names[{i}]", n) for i, n in enumerate(self.brand.names)] if self.brand else []
        for c, comp in enumerate(self.competitors):
            names.append((f"competitors[{c}].name", comp.name))
            names += [(f"competitors[{c}].aliases[{i}]", n) for i, n in enumerate(comp.aliases)]
        for where, name in names:
            if name.casefold() in common:
                excl = where.split(".")[0] + ".exclude"
                out.append(f"{where}: {name!r} is a common English word: posts that use the word "
                           f"(not the name) will count as mentions unless {excl} lists their phrases")
        return out

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
        return {p: {h.lower() for h in self.me.handles.for_platform(p)} for p in _platforms.names()}



# each platform with settings of its own (x: price_per_read, monthly_budget …) adds a top-level section
Config = create_model("Config", __base__=_ConfigBody, __module__=__name__,
                      **{p.name: (p.settings, p.settings()) for p in _platforms.all_platforms() if p.settings})
Config.__doc__ = _ConfigBody.__doc__

def find_config_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path(DEFAULT_CONFIG)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML where a key given twice in one mapping is an error, not 'the last one wins'."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    first: dict[Any, int] = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            seen = key in first
        except TypeError:  # an unhashable key (a list as a key): the schema rejects it later
            continue
        if seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is given twice in one section (first on line {first[key]}); remove one",
                key_node.start_mark)
        first[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line_col(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f" line {line}, column {column}"


def _read_yaml(config_path: Path) -> Any:
    try:
        if config_path.is_dir():
            raise ConfigError(f"{config_path}: is a folder, not a config file; pass --config PATH")
        with open(config_path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: file not found; pass --config PATH or set {CONFIG_ENV}") from None
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{config_path}: larger than {MAX_CONFIG_BYTES // 1024} KB; is this the right file?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = _line_col(raw.decode("utf-8", "replace"), len(raw[: exc.start].decode("utf-8", "replace")))
        raise ConfigError(f"{config_path}:{where}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file "
                          "as UTF-8") from None
    bad = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if bad:
        raise ConfigError(f"{config_path}:{_line_col(text, bad.start())}: a control character "
                          f"(U+{ord(bad.group()):04X}) is not allowed in the config; remove it")
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if not mark and getattr(exc, "position", None) is not None:
            where = _line_col(text, exc.position)
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "invalid YAML"
        raise ConfigError(f"{config_path}:{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{config_path}: nested too deeply to read") from None


def load_config(path: str | os.PathLike | None = None) -> Config:
    config_path = find_config_path(path)
    data = _read_yaml(config_path)
    if not isinstance(data, dict):
        raise ConfigError(f"{config_path}: expected a mapping of settings at the top level")
    data.pop("base_dir", None)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(config_path, exc, data)) from None
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(f"{config_path}: invalid configuration: {type(exc).__name__}: {exc}") from None
    config = config.model_copy(update={"base_dir": config_path.resolve().parent})
    problem = _cross_check(config)
    if problem:
        raise ConfigError(f"{config_path}: invalid configuration: {problem}")
    return config


def _cross_check(config: Config) -> str | None:
    """What one key cannot tell alone: names unique across the file, and paths that can be written."""
    first: dict[str, int] = {}
    for i, source in enumerate(config.sources):
        if source.name in first:
            return (f"sources[{i}].name: {source.name!r} is already the name of sources[{first[source.name]}]; "
                    "source names must be unique")
        first[source.name] = i
    from storage.writes import key_client_person_id

    ids: dict[str, int] = {}
    for i, client in enumerate(config.key_clients):
        pid = key_client_person_id(client.name)
        if pid in ids:
            other = config.key_clients[ids[pid]].name
            return (f"key_clients[{i}].name: {client.name!r} and key_clients[{ids[pid]}].name {other!r} both become "
                    f"{pid}; key clients' names must differ by more than case, spaces and punctuation")
        ids[pid] = i
    problem = check_file_path(config, config.storage.path, "a database file")
    if problem:
        return f"storage.path: {problem}"
    problem = check_output_dir(config.resolve(config.digest.out_dir) if config.digest.out_dir.strip() else None)
    if problem:
        return f"digest.out_dir: {problem}"
    return None


def _system_path(path: Path) -> bool:
    resolved = Path(os.path.abspath(path))
    return any(resolved == d or d in resolved.parents for d in SYSTEM_DIRS)


def _nearest_existing(path: Path) -> Path:
    probe = Path(os.path.abspath(path))
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return probe


def check_file_path(config: Config, value: str, what: str) -> str | None:
    """Why ``value`` (relative to the config) cannot be ``what``, or None."""
    if not value or not value.strip():
        return f"must name {what}, such as data/listenwell.duckdb (got an empty path)"
    path = config.resolve(value)
    if _system_path(path):
        return f"{path} is a system path (/dev, /proc, /sys), not {what}"
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "a device or special file"
        return f"{path} is {kind}, not {what}"
    parent = _nearest_existing(path.parent)
    if not parent.is_dir():
        return f"{parent} is a file, so {path} cannot be created"
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create {path}: {parent} is not writable"
    return None


def check_output_dir(path: Path | None) -> str | None:
    """Why ``path`` cannot be a folder to write files into, or None."""
    if path is None:
        return "must name a folder such as out/digests (got an empty path)"
    if _system_path(path):
        return f"{path} is a system path (/dev, /proc, /sys), not a folder to write into"
    if path.exists() and not path.is_dir():
        return f"{path} exists and is not a folder"
    existing = _nearest_existing(path)
    if not existing.is_dir():
        return f"{existing} is a file, so {path} cannot be created"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def check_day(day: date) -> str | None:
    """Why a day cannot be digested, or None: dates stay within the years every date sum can reach."""
    if not EARLIEST.date() <= day <= LATEST.date():
        return f"expected a date between {EARLIEST.date()} and {LATEST.date()} (got {day.isoformat()})"
    return None


def _key_path(loc: tuple[Any, ...], data: Any) -> str:
    """Turn pydantic's loc into 'sources[1].url', dropping the tagged-union tag it inserts."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        if isinstance(node, dict) and item not in node and item in SOURCE_TYPES:
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
        return f"'type' must be one of {', '.join(sorted(SOURCE_TYPES))}"
    if kind == "union_tag_not_found":
        return f"each source needs a 'type': {', '.join(sorted(SOURCE_TYPES))}"
    message = error["msg"]
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


_OWN_PATH = re.compile(r"^[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*: ")


def format_validation_error(path: Path, exc: ValidationError, data: Any) -> str:
    lines = []
    for error in exc.errors():
        where = _key_path(error["loc"], data)
        given = error.get("input")
        shown = ""
        if error["type"] not in ("missing", "extra_forbidden") and isinstance(given, (str, int, float, bool)):
            shown = f" (got {given!r})"
        explained = _explain(error)
        if where == "(top level)" and _OWN_PATH.match(explained):
            where, explained = explained.split(": ", 1)
        lines.append(f"{where}: {explained}{shown}")
    head = f"{path}: invalid configuration"
    if len(lines) == 1:
        return f"{head}: {lines[0]}"
    return head + "\n  " + "\n  ".join(lines)


from collectors.secrets import read_secret  # noqa: E402,F401  (moved: secrets are read by the caller)
