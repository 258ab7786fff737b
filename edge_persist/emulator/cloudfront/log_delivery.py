"""A distribution's standard logging (v2): each delivery of the stack written as CloudFront
delivers it, into the moto server's S3 or CloudWatch Logs.

CloudFront Developer Guide, "Configure standard logging (v2)":
- a delivery writes the fields it names (RecordFields), in its order, joined by its
  FieldDelimiter, in its destination's output format: JSON (one object a record, values as
  text, as the guide's examples show), plain, W3C (a `#Fields:` line first), raw, or Parquet
  (S3 only);
- to S3, under the bucket ARN's prefix; with none, under `AWSLogs/{account-id}/CloudFront`;
  then the S3SuffixPath, whose variables `{DistributionId}` / `{distributionid}`, `{yyyy}`,
  `{MM}`, `{dd}`, `{HH}` and `{accountid}` are filled in; Hive-compatible paths name each
  one (`year=2025`; `{account-id}` becomes `aws-account-id=...`);
- to a CloudWatch Logs group, one event a record.

What the guide does not say, assumed here: a file is named like a legacy one,
`<distribution id>.<YYYY-MM-DD-HH>.<unique id>.gz` (text, gzip) or `.parquet`; Parquet columns
are text, named as the fields; `raw` is written as `plain`; the CloudWatch Logs stream is
named after the distribution, and a W3C stream's first event is its `#Fields:` line.
"""
import gzip
import io
import json
import os
import re

import botocore.exceptions

from edge_persist.aws import Aws
from edge_persist.cfn_values import ACCOUNT
from edge_persist.emulator.cloudfront.standard_logs import Writer, fields_of

DEFAULT_PREFIX = "AWSLogs/{account-id}/CloudFront"
# PutLogEvents takes at most 10,000 events and 1,048,576 bytes (each event's message and
# 26 bytes) a call.
MAX_EVENTS, MAX_BATCH_BYTES, EVENT_OVERHEAD = 10_000, 1_048_576, 26
# Suffix path variables and the name a Hive-compatible path gives each.
HIVE_NAMES = {"DistributionId": "DistributionId", "distributionid": "distributionid",
              "yyyy": "year", "MM": "month", "dd": "day", "HH": "hour",
              "accountid": "accountid", "account-id": "aws-account-id"}
_VARIABLE = re.compile(r"\{(" + "|".join(map(re.escape, HIVE_NAMES)) + r")\}")


def s3_folder(delivery, distribution_id, hour):
    """The folder one hour's files go to ("Send logs to Amazon S3": the prefix, or the
    default one, then the suffix path, its variables filled in)."""
    year, month, day, hh = hour.split("-")
    return _filled(delivery, {"DistributionId": distribution_id,
                              "distributionid": distribution_id, "yyyy": year, "MM": month,
                              "dd": day, "HH": hh, "accountid": ACCOUNT, "account-id": ACCOUNT})


def s3_root(delivery, distribution_id):
    """The folder above every file of the delivery: where its path first varies by hour."""
    path = _filled(delivery, {"DistributionId": distribution_id,
                              "distributionid": distribution_id, "accountid": ACCOUNT,
                              "account-id": ACCOUNT})
    return path[:path.rfind("/", 0, path.find("{")) + 1] if "{" in path else path + "/"


def _filled(delivery, values):
    """The delivery's S3 path with the variables in `values` filled in, named as Hive names
    them when the delivery asks; the others left as they are."""
    path = "/".join(p.strip("/") for p in (delivery.prefix or DEFAULT_PREFIX,
                                            delivery.suffix_path or "") if p.strip("/"))

    def filled(match):
        name = match.group(1)
        if name not in values:
            return match.group(0)
        if not delivery.hive or path[:match.start()].endswith("="):
            return values[name]  # a path that names it already: DistributionId={...}
        return f"{HIVE_NAMES[name]}={values[name]}"
    return _VARIABLE.sub(filled, path)


def rendered(delivery, records):
    """Records (each {field: value} in the delivery's order) as one text file's lines."""
    if delivery.output_format == "json":
        return [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
    delimiter = delivery.delimiter or "\t"
    lines = [delimiter.join(r.values()) + "\n" for r in records]
    if delivery.output_format == "w3c":
        return [f"#Fields: {' '.join(delivery.fields)}\n", *lines]
    return lines


def parquet_file(delivery, records):
    """Records as one Parquet file: a text column per field."""
    import pyarrow
    import pyarrow.parquet
    table = pyarrow.table({name: pyarrow.array([r[name] for r in records], pyarrow.string())
                           for name in delivery.fields})
    out = io.BytesIO()
    pyarrow.parquet.write_table(table, out)
    return out.getvalue()


class LogDeliveryWriter(Writer):
    """One AWS::Logs::Delivery of a distribution (template.LogDelivery)."""
    kind = "v2"

    def __init__(self, distribution_id, domain, delivery, endpoint_url, bucket=None,
                 spill=None):
        """`bucket`: the S3 bucket's name, for a delivery to S3; `spill`: the folder what the
        destination does not take goes to."""
        self.distribution_id, self.domain, self.config = distribution_id, domain, delivery
        self.bucket = bucket
        aws = Aws(endpoint_url=endpoint_url)
        self._client = aws.client("s3", "us-east-1") if delivery.kind == "s3" else \
            aws.client("logs", delivery.region)
        self._stream_ready = False
        super().__init__(f"log-delivery-{distribution_id}", spill)

    def record(self, request, response, pop, request_id, x_generated, started,
               behavior_path=None, country=None):
        """One request, as the delivery's record (with the request's time, for CloudWatch
        Logs); off the network, only queued."""
        every = fields_of(request, response, pop, request_id, x_generated, started,
                          self.domain, self.config.include_cookies, behavior_path, country)
        self._queue((every["timestamp(ms)"],
                     {name: str(every.get(name, "-")) or "-" for name in self.config.fields}))

    def replay_args(self):
        """The forecast's arguments that read this delivery's logs."""
        if self.config.kind == "s3":
            return ["--from-access-logs",
                    f"s3://{self.bucket}/{s3_root(self.config, self.distribution_id)}"]
        return ["--from-cloudwatch-logs", self.config.target, "--logs-region",
                self.config.region]

    def deliver(self):
        for hour, queued in self._taken().items():
            if self.config.kind == "s3":
                self._to_s3(hour, [record for _, record in queued])
            else:
                self._to_logs(queued)

    def _to_s3(self, hour, records):
        name = f"{self.distribution_id}.{hour}.{os.urandom(4).hex()}"
        if self.config.output_format == "parquet":
            name, body = name + ".parquet", parquet_file(self.config, records)
        else:
            name += ".gz"
            body = gzip.compress("".join(rendered(self.config, records)).encode())
        key = f"{s3_folder(self.config, self.distribution_id, hour)}/{name}"
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=body)
        except Exception as err:  # noqa: BLE001 - the moto server stopped or refused it
            self._keep(f"{self.bucket}/{key}", body, err, "standard logging (v2) bucket")

    def _to_logs(self, queued):
        """(request time in ms, record) pairs as events of the distribution's stream; a
        stream that is gone (a reset of the local AWS) is made again, once."""
        lines = [m.rstrip("\n") for m in rendered(self.config, [r for _, r in queued])]
        header = lines[:len(lines) - len(queued)]  # W3C's #Fields line
        events = [(at, m) for (at, _), m in zip(queued, lines[len(header):])]
        try:
            for attempt in (1, 2):
                fresh = self._ensure_stream()
                try:
                    for batch in _batches([(events[0][0], h) for h in header if fresh] +
                                          events):
                        self._client.put_log_events(
                            logGroupName=self.config.target,
                            logStreamName=self.distribution_id,
                            logEvents=[{"timestamp": t, "message": m} for t, m in batch])
                    return
                except botocore.exceptions.ClientError as err:
                    if attempt == 2 or \
                            err.response["Error"]["Code"] != "ResourceNotFoundException":
                        raise
                    self._stream_ready = False
        except Exception as err:  # noqa: BLE001 - the moto server stopped or refused it
            self._keep(f"{self.config.target}/{self.distribution_id}.log",
                       "".join(m + "\n" for m in lines).encode(), err,
                       "standard logging (v2) log group")

    def _ensure_stream(self):
        """Makes the group and the stream when they are not known to be there; True when
        it made the stream (a W3C stream then starts with its #Fields line)."""
        if self._stream_ready:
            return False
        made = False
        for create, args in ((self._client.create_log_group, {}),
                             (self._client.create_log_stream,
                              {"logStreamName": self.distribution_id})):
            try:
                create(logGroupName=self.config.target, **args)
                made = bool(args)
            except botocore.exceptions.ClientError as err:
                if err.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise
        self._stream_ready = True
        return made


def _batches(events):
    """(timestamp, message) pairs in PutLogEvents-sized batches."""
    batch, size = [], 0
    for event in events:
        cost = len(event[1].encode()) + EVENT_OVERHEAD
        if batch and (len(batch) == MAX_EVENTS or size + cost > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += cost
    if batch:
        yield batch
