"""What CloudFront knows of a viewer: its country, for geo restriction, the protocol it came
over, and the CloudFront-* headers an origin request policy can forward ("Add CloudFront
request headers").

The emulator has no geolocation: the viewer's country is `--viewer-country` (default US) or a
request's `x-emulator-viewer-country` header, as `x-emulator-region` picks the region. The
other headers get plausible local values: the device headers from the User-Agent, the
location headers from a small table of capitals (or only the country where none is listed).
"""
import hashlib
from dataclasses import dataclass
from urllib.parse import quote

COUNTRY_HEADER = "x-emulator-viewer-country"
DEFAULT_COUNTRY = "US"
# country -> (name, region code, region name, city, postal code, time zone, lat, long, ASN)
PLACES = {
    "US": ("United States", "VA", "Virginia", "Ashburn", "20147", "America/New_York", "39.04",
           "-77.49", "16509"),
    "FR": ("France", "IDF", "Ile-de-France", "Paris", "75001", "Europe/Paris", "48.86", "2.35",
           "16276"),
    "DE": ("Germany", "HE", "Hesse", "Frankfurt am Main", "60311", "Europe/Berlin", "50.11",
           "8.68", "3320"),
    "GB": ("United Kingdom", "ENG", "England", "London", "EC1A", "Europe/London", "51.51",
           "-0.13", "2856"),
    "JP": ("Japan", "13", "Tokyo", "Tokyo", "100-0001", "Asia/Tokyo", "35.68", "139.69",
           "2516"),
    "BR": ("Brazil", "SP", "São Paulo", "São Paulo", "01000-000", "America/Sao_Paulo",
           "-23.55", "-46.63", "16509"),
}
# Ashburn's metro code (Washington, DC, 511): CloudFront sends it for viewers in the US.
METRO_CODES = {"US": "511"}
# CloudFront-Viewer-Header-Order beyond this many characters is cut.
HEADER_ORDER_MAX_CHARS = 7_680
# Headers an origin request policy may name but a cache policy may not ("Add CloudFront
# request headers").
NOT_IN_CACHE_KEY = frozenset({"cloudfront-viewer-address", "cloudfront-viewer-asn",
                              "cloudfront-viewer-ja3-fingerprint", "cloudfront-viewer-tls"})


def country_of(request, default):
    """The viewer's country: the request's x-emulator-viewer-country, else `default`."""
    forced = request.header_values(COUNTRY_HEADER)
    return forced[-1].strip().upper() if forced else default


def blocked(restriction, country):
    """Whether Restrictions.GeoRestriction keeps `country` out ("Restrict the geographic
    distribution of your content": an allow list lets only its countries in, a block list
    keeps its countries out)."""
    if restriction is None:
        return False
    kind, countries = restriction
    if kind == "whitelist":
        return country not in countries
    if kind == "blacklist":
        return country in countries
    return False


@dataclass(frozen=True)
class Connection:
    """How the viewer reached CloudFront: from which country, over which protocol."""
    country: str = DEFAULT_COUNTRY
    protocol: str = "http"       # "https" when the viewer came over TLS
    http_version: str = "1.1"
    tls: tuple = None            # (TLS version, cipher) over https


def named(*header_settings):
    """The CloudFront-* header names (lowercase) that these policies' header settings
    ((behavior, names), as policies.py reads them) ask CloudFront to add."""
    return frozenset(name for kind, names in header_settings
                     if kind in ("whitelist", "allViewerAndWhitelistCloudFront")
                     for name in names if name.startswith("cloudfront-"))


def added(request, connection, names):
    """[(Name, value)] of the CloudFront-* headers in `names` (lowercase), as CloudFront adds
    them for this viewer; computed only when some are asked for (this runs on every miss)."""
    if not names:
        return []
    return [(name, value) for name, value in cloudfront_headers(request, connection).items()
            if name.lower() in names]


def cloudfront_headers(request, connection):
    """Every CloudFront-* header CloudFront can add, name -> value, for this viewer. A value
    with other than ASCII is percent-encoded (RFC 3986, 2.1), as CloudFront sends it."""
    agent = ",".join(request.header_values("user-agent"))
    tablet = any(word in agent for word in ("iPad", "Tablet"))
    mobile = not tablet and any(word in agent for word in ("Mobile", "Android", "iPhone"))
    smart_tv = any(word in agent for word in ("SmartTV", "SMART-TV", "AppleTV"))
    device = {"CloudFront-Is-Tablet-Viewer": tablet, "CloudFront-Is-Mobile-Viewer": mobile,
              "CloudFront-Is-SmartTV-Viewer": smart_tv,
              "CloudFront-Is-Desktop-Viewer": not (tablet or mobile or smart_tv),
              "CloudFront-Is-IOS-Viewer": any(w in agent for w in ("iPhone", "iPad")),
              "CloudFront-Is-Android-Viewer": "Android" in agent}
    headers = {name: str(value).lower() for name, value in device.items()}
    headers.update({
        "CloudFront-Forwarded-Proto": connection.protocol,
        "CloudFront-Viewer-Address": f"{request.client_ip}:{request.client_port}",
        "CloudFront-Viewer-Http-Version": connection.http_version,
        "CloudFront-Viewer-Country": connection.country,
    })
    names = [name for name, _ in request.headers]
    headers["CloudFront-Viewer-Header-Order"] = ":".join(names)[:HEADER_ORDER_MAX_CHARS]
    headers["CloudFront-Viewer-Header-Count"] = str(len(names))
    if connection.tls:  # "<version>:<cipher>:<handshake>", as CloudFront writes it
        headers["CloudFront-Viewer-TLS"] = ":".join((*connection.tls, "fullHandshake"))
        # The fingerprints hash the viewer's ClientHello, which Python's ssl does not show:
        # stand-ins of the right shape, the same for the same TLS version and cipher.
        seed = ",".join(connection.tls).encode()
        headers["CloudFront-Viewer-JA3-Fingerprint"] = hashlib.md5(seed).hexdigest()
        digest = hashlib.sha256(seed).hexdigest()
        version = "13" if connection.tls[0] == "TLSv1.3" else "12"
        headers["CloudFront-Viewer-JA4-Fingerprint"] = \
            f"t{version}d0000h1_{digest[:12]}_{digest[12:24]}"
    place = PLACES.get(connection.country)
    if place:
        name, region, region_name, city, postal, zone, lat, lon, asn = place
        if connection.country in METRO_CODES:  # the header exists for US viewers only
            headers["CloudFront-Viewer-Metro-Code"] = METRO_CODES[connection.country]
        headers.update({
            "CloudFront-Viewer-Country-Name": name, "CloudFront-Viewer-Country-Region": region,
            "CloudFront-Viewer-Country-Region-Name": region_name,
            "CloudFront-Viewer-City": city, "CloudFront-Viewer-Postal-Code": postal,
            "CloudFront-Viewer-Time-Zone": zone, "CloudFront-Viewer-Latitude": lat,
            "CloudFront-Viewer-Longitude": lon, "CloudFront-Viewer-ASN": asn})
    return {name: quote(value, safe="".join(map(chr, range(0x20, 0x7f))))
            for name, value in headers.items()}
