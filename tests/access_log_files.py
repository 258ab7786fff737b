"""CloudFront standard log files with a known answer, for the tests and the benchmark:
legacy (W3C, every field) and standard logging (v2: JSON, plain, W3C or Parquet, any fields in
any order, as "Configure standard logging (v2)" describes them)."""
import gzip
import io
import json
import random
from datetime import datetime, timedelta, timezone

from edge_persist import regions
from edge_persist.forecast import access_logs

START = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def record(at, pop, result="Miss", cookie="-", ip="198.51.100.7", ua="Mozilla/5.0"):
    """The fields CloudFront would log for one request (the rest are `-`)."""
    return {"date": at.strftime("%Y-%m-%d"), "time": at.strftime("%H:%M:%S"),
            "timestamp(ms)": int(at.timestamp() * 1000), "c-country": "FR",
            "x-edge-location": pop, "sc-bytes": 512, "c-ip": ip, "cs-method": "GET",
            "cs(Host)": "d111111abcdef8.cloudfront.net", "cs-uri-stem": "/session",
            "sc-status": 200, "cs(User-Agent)": ua.replace(" ", "%20"), "cs(Cookie)": cookie,
            "x-edge-result-type": result, "x-edge-request-id": f"id{random.getrandbits(40)}",
            "x-host-header": "example.com", "cs-protocol": "https", "cs-bytes": 120,
            "time-taken": "0.052", "x-edge-response-result-type": result,
            "cs-protocol-version": "HTTP/2.0", "c-port": 443, "time-to-first-byte": "0.051",
            "x-edge-detailed-result-type": result, "sc-content-type": "application/json",
            "sc-content-len": 300}


def sequential(region, sessions, per_session, start=START, cookie="ep_session"):
    """Each session `per_session` times, one request a second, never two at once: one
    environment serves all, so every session misses once and hits after (closed form:
    hit ratio = 1 - sessions / requests)."""
    pop = regions.EMULATOR_POPS[region]
    out = []
    for i in range(sessions * per_session):
        at = start + timedelta(seconds=i)
        out.append(record(at, pop, cookie=f"{cookie}=s{i % sessions};%20theme=dark"))
    return out


def write(path, records, gz=False, fields=access_logs.FIELDS):
    text = access_logs.header(fields) + "".join(
        "\t".join(str(r.get(name, "-")) for name in fields) + "\n" for r in records)
    if gz:
        with gzip.open(path, "wt") as out:
            out.write(text)
    else:
        path.write_text(text)
    return path


def text(records, output_format, fields, delimiter="\t"):
    """v2 records as a text file's content: JSON (values as text, as the guide's examples
    show), plain, or W3C (a #Fields line first)."""
    if output_format == "json":
        return "".join(json.dumps({f: str(r.get(f, "-")) for f in fields}) + "\n"
                       for r in records)
    lines = "".join(delimiter.join(str(r.get(f, "-")) for f in fields) + "\n"
                    for r in records)
    return (f"#Fields: {' '.join(fields)}\n" if output_format == "w3c" else "") + lines


def write_v2(path, records, output_format, fields, delimiter="\t", gz=False):
    body = text(records, output_format, fields, delimiter).encode()
    path.write_bytes(gzip.compress(body) if gz else body)
    return path


def parquet(records, fields, row_group_size=None):
    """v2 records as Parquet bytes: a text column per field."""
    import pyarrow
    import pyarrow.parquet
    table = pyarrow.table({f: pyarrow.array([str(r.get(f, "-")) for r in records],
                                            pyarrow.string()) for f in fields})
    out = io.BytesIO()
    pyarrow.parquet.write_table(table, out, row_group_size=row_group_size)
    return out.getvalue()
