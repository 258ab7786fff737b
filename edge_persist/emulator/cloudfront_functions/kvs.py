"""CloudFront KeyValueStore: the stores of the template, their data-plane API, and what the
functions see.

- Each AWS::CloudFront::KeyValueStore starts from its ImportSource, the JSON asset in cdk.out
  ({"data": [{"key": ..., "value": ...}]}, "File format for key-value pairs").
- The API is the `cloudfront-keyvaluestore` REST-JSON protocol as botocore's model writes it:
  DescribeKeyValueStore, GetKey, ListKeys, PutKey, DeleteKey, UpdateKeys, with the store's
  ETag; a write with a stale If-Match is ConflictException (409). Quotas answer as the API
  reference lists: ValidationException (400) for a key or value out of bounds or an
  UpdateKeys call over 50 keys or 3 MB, ServiceQuotaExceededException (402) past 5 MB.
- botocore's endpoint rules put the ARN's account id in front of the endpoint's host
  (`123456789012.127.0.0.1`), a name nothing resolves locally; `client()` sends through the
  endpoint as an HTTP proxy, and the API takes that absolute-form request line as it is.
- The data plane sees a write at once; functions see it `propagation` seconds later, in
  every emulated region (AWS publishes no propagation time).
"""
import json
import os
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from urllib.parse import parse_qsl, unquote

from edge_persist import cfn, edge_rules
from edge_persist.emulator.frontend.messages import HttpResponse
from edge_persist.errors import UsageError
from edge_persist.kvs_import import import_file, pair_problem, read_import, size_of

ACCOUNT = "123456789012"


class KvsError(Exception):
    """An API error: its botocore error code and HTTP status."""

    def __init__(self, code, status, message):
        super().__init__(message)
        self.code, self.status = code, status


class KeyValueStore:
    def __init__(self, name, data, propagation):
        self.name = name
        self.id = str(uuid.uuid4())
        self.arn = f"arn:aws:cloudfront::{ACCOUNT}:key-value-store/{self.id}"
        self.initial = dict(data)
        self.propagation = propagation
        self._lock = threading.Lock()
        self.view_version = 0
        self.reset()

    def reset(self):
        """Back to the data the store started with (its ImportSource), a new ETag, and
        nothing on its way to the functions."""
        with self._lock:
            self.data = dict(self.initial)
            self.etag = self._new_etag()
            self.created = self.modified = time.time()
            # What functions read, and the writes still on their way to it.
            self._view = dict(self.initial)
            self._view_modified = self.created
            self.view_version += 1
            self._pending = deque()

    @staticmethod
    def _new_etag():
        return os.urandom(10).hex().upper()

    # --- the data plane ---------------------------------------------------------------

    def write(self, if_match, puts=(), deletes=()):
        """Apply puts [(key, value)] and deletes [key] all or nothing; the new ETag."""
        with self._lock:
            if if_match != self.etag:
                raise KvsError("ConflictException", 409,
                               "Pre-condition failed: the ETag does not match the store's")
            updated = dict(self.data)
            for key in deletes:
                if key not in updated:
                    raise KvsError("ResourceNotFoundException", 404, f"Key {key!r} not found")
                del updated[key]
            for key, value in puts:
                problem = pair_problem(key, value)
                if problem:
                    raise KvsError("ValidationException", 400, problem)
                updated[key] = value
            if size_of(updated) > edge_rules.KVS_MAX_STORE_BYTES:
                raise KvsError("ServiceQuotaExceededException", 402,
                               f"the store would pass {edge_rules.KVS_MAX_STORE_BYTES} bytes")
            self.data = updated
            self.etag, self.modified = self._new_etag(), time.time()
            due = self.modified + self.propagation
            self._pending.extend((due, key, value) for key, value in puts)
            self._pending.extend((due, key, None) for key in deletes)
            return self.etag

    def summary(self):
        return {"ItemCount": len(self.data), "TotalSizeInBytes": size_of(self.data)}

    # --- what functions see -----------------------------------------------------------

    def view(self, known=None):
        """(version, data, meta) as functions read them now: writes older than the
        propagation delay applied, newer ones not yet. data and meta are None when the
        version is still `known`; otherwise data is a copy, safe to encode outside the lock."""
        now = time.time()
        with self._lock:
            while self._pending and self._pending[0][0] <= now:
                due, key, value = self._pending.popleft()
                if value is None:
                    self._view.pop(key, None)
                else:
                    self._view[key] = value
                self._view_modified = due
                self.view_version += 1
            if self.view_version == known:
                return known, None, None
            meta = {"creationDateTime": _iso(self.created),
                    "lastUpdatedDateTime": _iso(self._view_modified),
                    "keyCount": len(self._view)}
            return self.view_version, dict(self._view), meta


def _iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")


class Stores:
    """Every store of the app, by logical id, ARN and id."""

    def __init__(self, propagation=edge_rules.KVS_DEFAULT_PROPAGATION_S):
        self.propagation = propagation
        self.by_arn = {}

    def create(self, model):
        """The template's stores, each filled from its ImportSource asset. A store the
        emulator already has (by name) is kept, with what was written to it."""
        for logical, resource in cfn.resources(model.template,
                                               "AWS::CloudFront::KeyValueStore").items():
            props = cfn.properties(resource)
            data = {}
            source = props.get("ImportSource")
            if source:
                arn = model.resolve(source.get("SourceArn"))
                path = import_file(model.path, arn)
                if path is None:
                    raise UsageError(f"key value store {logical}: its ImportSource {arn} is "
                                     "not an asset in cdk.out")
                try:
                    data = read_import(path)
                except UsageError as err:
                    raise UsageError(f"key value store {logical}: {err}") from None
            name = model.resolve(props.get("Name")) or logical
            store = next((s for s in self.by_arn.values() if s.name == name), None)
            if store is None:
                store = KeyValueStore(name, data, self.propagation)
                self.by_arn[store.arn] = store
            model.resolve.known.update({(logical, "Arn"): store.arn, (logical, "Id"): store.id,
                                        (logical, "Ref"): store.name})

    def get(self, arn):
        return self.by_arn.get(arn)


def _json(status, document, etag=None):
    headers = [("Content-Type", "application/json")]
    if etag:
        headers.append(("ETag", etag))
    return HttpResponse(status, headers, json.dumps(document).encode())


def _error(err):
    return HttpResponse(err.status, [("Content-Type", "application/json"),
                                     ("x-amzn-ErrorType", err.code)],
                        json.dumps({"Message": str(err)}).encode())


class KvsApi:
    """The data plane on loopback: /key-value-stores/{KvsARN}[/keys[/{Key}]]."""

    PREFIX = "/key-value-stores/"

    def __init__(self, stores):
        self.stores = stores
        self.url = ""

    def handle(self, request):
        try:
            return self._route(request)
        except KvsError as err:
            return _error(err)

    @staticmethod
    def refusal(status, why):
        """The API's answer to a request its server refuses (bad framing, too large)."""
        return _error(KvsError("ValidationException", status, why))

    def _route(self, request):
        if not request.path.startswith(self.PREFIX):
            raise KvsError("ResourceNotFoundException", 404, f"{request.path} is not emulated")
        arn, keys, rest = request.path[len(self.PREFIX):].partition("/keys")
        store = self.stores.get(unquote(arn))
        if store is None:
            raise KvsError("ResourceNotFoundException", 404,
                           f"Key value store {unquote(arn)} not found")
        if_match = next(iter(request.header_values("if-match")), None)
        key = unquote(rest[1:]) if rest.startswith("/") else None
        method = request.method
        if not keys and method == "GET":
            return self._describe(store)
        if key is None and method == "GET":
            return self._list(store, dict(parse_qsl(request.query)))
        if key is None and method == "POST":
            return self._update(store, if_match, request.body)
        if key is not None and method == "GET":
            if key not in store.data:
                raise KvsError("ResourceNotFoundException", 404, f"Key {key!r} not found")
            return _json(200, {"Key": key, "Value": store.data[key], **store.summary()})
        if key is not None and method == "PUT":
            etag = store.write(if_match, puts=[(key, _body(request.body).get("Value"))])
            return _json(200, store.summary(), etag)
        if key is not None and method == "DELETE":
            etag = store.write(if_match, deletes=[key])
            return _json(200, store.summary(), etag)
        raise KvsError("ValidationException", 400, f"{method} {request.path} is not an operation")

    @staticmethod
    def _describe(store):
        return _json(200, {"KvsARN": store.arn, "Created": store.created,
                           "LastModified": store.modified, "Status": "READY",
                           **store.summary()}, store.etag)

    @staticmethod
    def _list(store, query):
        try:
            limit = int(query.get("MaxResults", edge_rules.KVS_LIST_DEFAULT_RESULTS))
            start = int(query.get("NextToken", "0"))
        except ValueError:
            raise KvsError("ValidationException", 400, "MaxResults and NextToken are numbers") \
                from None
        if not 1 <= limit <= edge_rules.KVS_LIST_MAX_RESULTS:
            raise KvsError("ValidationException", 400,
                           f"MaxResults must be 1 to {edge_rules.KVS_LIST_MAX_RESULTS}")
        keys = sorted(store.data)
        page = keys[start:start + limit]
        document = {"Items": [{"Key": k, "Value": store.data[k]} for k in page]}
        if start + limit < len(keys):
            document["NextToken"] = str(start + limit)
        return _json(200, document)

    @staticmethod
    def _update(store, if_match, body):
        document = _body(body)
        puts, deletes = document.get("Puts") or [], document.get("Deletes") or []
        if not isinstance(puts, list) or not isinstance(deletes, list) or not all(
                isinstance(item, dict) for item in puts + deletes):
            raise KvsError("ValidationException", 400, "Puts and Deletes are lists of objects")
        puts = [(p.get("Key"), p.get("Value")) for p in puts]
        deletes = [d.get("Key") for d in deletes]
        if len(puts) + len(deletes) > edge_rules.KVS_MAX_UPDATE_KEYS:
            raise KvsError("ValidationException", 400, "UpdateKeys takes at most "
                           f"{edge_rules.KVS_MAX_UPDATE_KEYS} keys")
        if len(body) > edge_rules.KVS_MAX_UPDATE_BYTES:
            raise KvsError("ValidationException", 400, "UpdateKeys takes at most "
                           f"{edge_rules.KVS_MAX_UPDATE_BYTES} bytes")
        etag = store.write(if_match, puts, deletes)
        return _json(200, store.summary(), etag)


def _body(body):
    try:
        document = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise KvsError("ValidationException", 400, "the body is not JSON") from None
    if not isinstance(document, dict):
        raise KvsError("ValidationException", 400, "the body is not a JSON object")
    return document
