"""Write dataToPersist to the stack's KeyValueStore through its data-plane API.

As the cloudfront-keyvaluestore API reference has it: DescribeKeyValueStore gives the store's
ETag, PutKey writes with it as IfMatch, and a write that raced another one gets
ConflictException, when the write is retried once with a fresh ETag.
"""
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import botocore.exceptions

from edge_persist import contract
from edge_persist.aws import KVS_SERVICE
from edge_persist.errors import EvidenceError, UsageError, from_aws


@dataclass
class Written:
    value_before: str       # None when the key did not exist
    value_after: str
    started_at: float       # epoch seconds: the successful PutKey call began (the earliest
    written_at: float       # the store can have changed) and returned
    attempts: int


def value_for(text):
    """--kvs-write's value: `now` is the current UTC time, anything else itself."""
    if text == "now":
        return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace(
            "+00:00", "Z")
    return text


def _code(err):
    return err.response.get("Error", {}).get("Code") \
        if isinstance(err, botocore.exceptions.ClientError) else None


def write(aws, arn, value, key=contract.KVS_KEY):
    """Put `key` = `value`; one UsageError or EvidenceError line for every way it can fail."""
    client = aws.client(KVS_SERVICE, contract.HOME_REGION)
    doing = f"writing {key} to the key value store {arn}"
    try:
        etag = client.describe_key_value_store(KvsARN=arn)["ETag"]  # the store exists
        try:
            before = client.get_key(KvsARN=arn, Key=key)["Value"]
        except botocore.exceptions.ClientError as err:
            if _code(err) != "ResourceNotFoundException":
                raise
            before = None  # the store exists, the key does not yet
        for attempt in (1, 2):
            if attempt == 2:
                etag = client.describe_key_value_store(KvsARN=arn)["ETag"]
            try:
                started = time.time()
                client.put_key(KvsARN=arn, Key=key, Value=value, IfMatch=etag)
                return Written(before, value, started, time.time(), attempt)
            except botocore.exceptions.ClientError as err:
                if _code(err) != "ConflictException" or attempt == 2:
                    raise
    except botocore.exceptions.ClientError as err:
        if _code(err) == "ResourceNotFoundException":
            raise UsageError(f"{doing}: the store does not exist; deploy the stack (make "
                             "deploy) or check KeyValueStoreArn in the outputs file") from None
        if _code(err) == "ConflictException":
            raise EvidenceError(f"{doing}: the store changed under two writes in a row "
                                "(ConflictException); another writer is busy, rerun later") \
                from None
        if _code(err) in ("ValidationException", "ServiceQuotaExceededException"):
            raise UsageError(f"{doing}: {_code(err)}: "
                             f"{err.response.get('Error', {}).get('Message', '')}") from None
        raise from_aws(err, doing) from None
    except botocore.exceptions.BotoCoreError as err:
        raise from_aws(err, doing) from None
