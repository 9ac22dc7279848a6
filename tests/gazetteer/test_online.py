"""The online fallback: opt-in, cached, rate-limited, clear errors. A fake geocoder stands in for the network."""

import pytest
from geopy.exc import GeocoderServiceError, GeocoderTimedOut
from geopy.location import Location

from gazetteer import Gazetteer, OnlineGeocoderError, PlaceNotFoundError
from gazetteer.online import OnlineFallback


class FakeGeocoder:
    """Answers from a dict, records calls, or raises what it is told to."""

    def __init__(self, answers=None, error=None):
        self.answers = answers or {}
        self.error = error
        self.calls = []

    def geocode(self, query, exactly_one=True, timeout=None, **kwargs):
        self.calls.append(query)
        if self.error:
            raise self.error
        hit = self.answers.get(query)
        if hit is None:
            return None
        lat, lon, kind = hit
        return Location(f"{query}, Idlib, Syria", (lat, lon), {"addresstype": kind})


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def fallback(tmp_path, geocoder, clock, **kwargs):
    return OnlineFallback(geocoder, cache_path=tmp_path / "cache.sqlite", clock=clock, sleep=clock.sleep, **kwargs)


def test_used_only_when_offline_fails(tmp_path, gaz, clock):
    fake = FakeGeocoder({"Kafr Takharim": (36.12, 36.52, "town")})
    online = gaz.with_online(fallback(tmp_path, fake, clock))
    assert online.resolve("Saraqeb").method == "variant"
    assert fake.calls == []
    match = online.resolve("Kafr Takharim")
    assert match.method == "online"
    assert (match.place.lat, match.place.lon, match.place.kind) == (36.12, 36.52, "town")
    assert match.place.name == "Kafr Takharim"
    assert "online geocoder" in match.place.source
    with pytest.raises(PlaceNotFoundError):
        gaz.resolve("Kafr Takharim")  # the plain gazetteer never goes online


def test_cache_hit_makes_no_second_call(tmp_path, clock):
    fake = FakeGeocoder({"Kafr Takharim": (36.12, 36.52, "town")})
    first = fallback(tmp_path, fake, clock)
    assert first.lookup("Kafr Takharim").lat == 36.12
    assert first.lookup("kafr  takharim").lat == 36.12
    assert first.lookup("Nowhere") is None
    assert first.lookup("Nowhere") is None  # "not found" is cached too
    # a new object over the same cache file: persistent
    again = fallback(tmp_path, fake, clock)
    assert again.lookup("Kafr Takharim").lon == 36.52
    assert fake.calls == ["Kafr Takharim", "Nowhere"]


def test_rate_limit_one_request_per_second(tmp_path, clock):
    fake = FakeGeocoder({"A": (36, 36, "village"), "B": (36.1, 36, "village"), "C": (36.2, 36, "village")})
    fb = fallback(tmp_path, fake, clock)
    fb.lookup("A")
    clock.now += 0.25
    fb.lookup("B")
    assert clock.sleeps == [pytest.approx(0.75)]
    clock.now += 3
    fb.lookup("C")
    assert len(clock.sleeps) == 1  # enough time had passed
    fb.lookup("A")  # cached: neither a request nor a wait
    assert fake.calls == ["A", "B", "C"] and len(clock.sleeps) == 1


def test_custom_delay(tmp_path, clock):
    fb = fallback(tmp_path, FakeGeocoder(), clock, min_delay_seconds=2.0)
    fb.lookup("A")
    fb.lookup("B")
    assert clock.sleeps == [pytest.approx(2.0)]


def test_timeout_is_a_clear_error(tmp_path, gaz, clock):
    fb = fallback(tmp_path, FakeGeocoder(error=GeocoderTimedOut("read timed out")), clock, timeout=3)
    with pytest.raises(OnlineGeocoderError, match=r"timed out after 3 s on 'Kafr Takharim'") as info:
        gaz.with_online(fb).resolve("Kafr Takharim")
    assert isinstance(info.value.__cause__, GeocoderTimedOut)
    # errors are not cached: a later attempt asks again
    fb.geocoder.error = None
    fb.geocoder.answers = {"Kafr Takharim": (36.12, 36.52, "town")}
    assert fb.lookup("Kafr Takharim") is not None



def test_service_error(tmp_path, clock):
    fb = fallback(tmp_path, FakeGeocoder(error=GeocoderServiceError("HTTP 503")), clock)
    with pytest.raises(OnlineGeocoderError, match="failed on 'X': HTTP 503"):
        fb.lookup("X")


def test_user_agent_required_for_nominatim(tmp_path):
    with pytest.raises(OnlineGeocoderError, match="user agent"):
        OnlineFallback(cache_path=tmp_path / "c.sqlite")
    fb = OnlineFallback(user_agent="idpmap-tests/0 (test@example.org)", cache_path=tmp_path / "c.sqlite")
    assert type(fb.geocoder).__name__ == "Nominatim"
    assert fb.geocoder.headers["User-Agent"] == "idpmap-tests/0 (test@example.org)"


def test_default_online_gazetteer_is_opt_in(tmp_path, clock):
    fake = FakeGeocoder({"Zzyzx Springs": (35.1, 36.2, "hamlet")})
    gaz = Gazetteer.default(online=fallback(tmp_path, fake, clock))
    assert gaz.resolve("Saraqeb").method == "exact"
    match = gaz.resolve("Zzyzx Springs")
    assert (match.method, match.place.kind) == ("online", "village")
    assert Gazetteer.default().get("Zzyzx Springs") is None
