"""The opt-in online fallback: a geopy geocoder (Nominatim by default) behind a cache and a rate limit.

Used only when a :class:`~gazetteer.core.Gazetteer` is given ``online=OnlineFallback(...)`` and only for names that
no offline tier matched. Nominatim's usage policy asks for a user agent that identifies the application and at most
one request per second; both are enforced here (the rate through geopy's ``RateLimiter``). Answers (including
"not found") are cached on disk so that the same name is never asked twice. This is the only module of the project that talks to a network geocoder.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path

from .errors import OnlineGeocoderError
from .normalize import exact_key
from .places import Place

__all__ = ["OnlineFallback", "default_cache_path"]

DEFAULT_TIMEOUT = 10.0
_KINDS = {"city": "city", "town": "town", "village": "village", "hamlet": "village", "suburb": "village",
          "neighbourhood": "village", "refugee_site": "camp", "camp_site": "camp", "state": "governorate",
          "county": "district", "municipality": "subdistrict", "country": "country"}


def _rate_limited(func, *, min_delay_seconds: float, clock, sleep):
    """``func`` behind geopy's :class:`~geopy.extra.rate_limiter.RateLimiter`, with its clock and sleep given (the
    seams tests use); errors are not retried nor swallowed: the caller reports them."""
    from geopy.extra.rate_limiter import RateLimiter

    limiter = RateLimiter(func, min_delay_seconds=min_delay_seconds, max_retries=0,
                          error_wait_seconds=min_delay_seconds, swallow_exceptions=False)
    limiter._clock = clock  # RateLimiter reads the time and sleeps through these two methods
    limiter._sleep = sleep
    return limiter


def default_cache_path() -> Path:
    """``online_geocoder.sqlite`` in the user's cache directory for idpmap (platformdirs)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("idpmap")) / "online_geocoder.sqlite"


class OnlineFallback:
    """Geocode names online through geopy, politely: user agent, cache, <= 1 request per ``min_delay_seconds``.

    Parameters
    ----------
    geocoder : geopy geocoder, optional
        Anything with ``geocode(query, exactly_one=True, timeout=...)``; default
        ``geopy.geocoders.Nominatim(user_agent=user_agent)``.
    user_agent : str
        Required for the default geocoder: identifies you to the service (e.g.
        ``"my-ngo-idpmap/1.0 (contact@example.org)"``).
    cache_path : path-like, optional
        SQLite cache file; default :func:`default_cache_path`.
    min_delay_seconds : float
        Minimum time between two requests (Nominatim: 1 s).
    clock, sleep : callables
        Time source and sleeper (tests pass fakes).
    timeout : float
        Seconds to wait for the service.
    geocode_kwargs : dict, optional
        Extra arguments for ``geocode()`` (e.g. ``{"country_codes": ["sy", "tr"]}`` for Nominatim).

    Raises
    ------
    OnlineGeocoderError
        No user agent for the default geocoder.
    """

    def __init__(self, geocoder=None, *, user_agent=None, cache_path=None, min_delay_seconds: float = 1.0,
                 clock=time.monotonic, sleep=time.sleep, timeout: float = DEFAULT_TIMEOUT, geocode_kwargs=None):
        if min_delay_seconds < 0:
            raise ValueError(f"min_delay_seconds must be >= 0, got {min_delay_seconds!r}")
        if geocoder is None:
            if not (user_agent and str(user_agent).strip()):
                raise OnlineGeocoderError(
                    "the online fallback needs a user agent that identifies you (Nominatim's usage policy): "
                    "pass user_agent='your-app/1.0 (you@example.org)' (CLI: --user-agent)")
            from geopy.geocoders import Nominatim

            geocoder = Nominatim(user_agent=str(user_agent).strip(), timeout=timeout)
        self.geocoder = geocoder
        self.cache_path = Path(cache_path) if cache_path is not None else default_cache_path()
        self.min_delay_seconds = float(min_delay_seconds)
        self.timeout = timeout
        self.geocode_kwargs = dict(geocode_kwargs or {})
        self._limited = _rate_limited(self._geocode, min_delay_seconds=self.min_delay_seconds, clock=clock,
                                      sleep=sleep)
        self.requests = 0

    # ------------------------------------------------------------------ cache

    def _cache_key(self, name: str) -> str:
        options = json.dumps(self.geocode_kwargs, sort_keys=True, default=str)
        return f"{type(self.geocoder).__name__}|{options}|{exact_key(name)}"

    def _connect(self) -> sqlite3.Connection:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.cache_path))
        conn.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        return conn

    def _cache_get(self, key: str):
        """``(True, answer)`` when cached (answer may be None: "not found"), else ``(False, None)``."""
        if not self.cache_path.exists():
            return False, None
        conn = self._connect()
        try:
            row = conn.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
        return (True, json.loads(row[0])) if row else (False, None)

    def _cache_put(self, key: str, answer) -> None:
        conn = self._connect()
        try:
            with conn:
                conn.execute("INSERT OR REPLACE INTO answers VALUES (?, ?)", (key, json.dumps(answer)))
        finally:
            conn.close()

    # ------------------------------------------------------------------ network

    def _geocode(self, name: str):
        self.requests += 1
        return self.geocoder.geocode(name, exactly_one=True, timeout=self.timeout, **self.geocode_kwargs)

    def _ask(self, name: str):
        from geopy.exc import GeocoderTimedOut, GeopyError

        try:
            location = self._limited(name)
        except GeocoderTimedOut as err:
            raise OnlineGeocoderError(
                f"online geocoder {type(self.geocoder).__name__} timed out after {self.timeout} s on {name!r}; "
                "try again later, or add the place to a local store (idpmap gazetteer import)") from err
        except GeopyError as err:
            raise OnlineGeocoderError(
                f"online geocoder {type(self.geocoder).__name__} failed on {name!r}: {err}") from err
        except OSError as err:
            raise OnlineGeocoderError(f"online geocoder unreachable for {name!r}: {err}") from err
        if location is None:
            return None
        raw = getattr(location, "raw", None) or {}
        kind = raw.get("addresstype") or raw.get("type") or ""
        return {"address": location.address, "lat": float(location.latitude), "lon": float(location.longitude),
                "kind": _KINDS.get(kind, "village")}

    def lookup(self, name: str) -> Place | None:
        """The place the online geocoder finds for ``name``, or None; cached on disk.

        Raises
        ------
        OnlineGeocoderError
            Timeout or service error (not cached, so a later call tries again).
        """
        key = self._cache_key(name)
        hit, answer = self._cache_get(key)
        if not hit:
            answer = self._ask(name)
            self._cache_put(key, answer)
        if answer is None:
            return None
        digest = hashlib.sha1(f"{answer['lat']:.5f},{answer['lon']:.5f}".encode()).hexdigest()[:12]
        address = answer["address"] or name
        return Place(id=f"online-{digest}", name=address.split(",")[0].strip() or name, kind=answer["kind"],
                     lat=answer["lat"], lon=answer["lon"], alt_names=(address,),
                     source=f"online geocoder {type(self.geocoder).__name__}: {address}")
