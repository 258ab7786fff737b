"""S3 buckets of the template, in the moto server: created at start, filled by CDK's
BucketDeployment from the assets in cdk.out, read as a CloudFront S3 origin.

A missing key answers as S3 answers CloudFront: 404 NoSuchKey when the bucket policy lets
CloudFront list the bucket, 403 AccessDenied otherwise (the usual OAC setup grants only
s3:GetObject). Source: Amazon S3 guide, "How Amazon S3 authorizes a request" (ListBucket and
404), and the CloudFront guide's "Restrict access to an Amazon S3 origin".
"""
import contextlib
import mimetypes
import os
import zipfile
from xml.sax.saxutils import escape

import botocore.exceptions
from botocore.config import Config

from edge_persist import cfn
from edge_persist.aws import Aws
from edge_persist.emulator.frontend.messages import HttpResponse
from edge_persist.emulator.cloudfront.origins import s3_error
from edge_persist.emulator.cloudfront.websites import Website, public_buckets

BUCKET_DEPLOYMENT = "Custom::CDKBucketDeployment"
S3_CONFIG = Config(s3={"addressing_style": "path"}, retries={"mode": "standard",
                                                             "max_attempts": 2})


def _lists(statement):
    """Whether a bucket policy statement lets CloudFront list the bucket: it allows
    s3:ListBucket (or a wildcard over it) to CloudFront's principal, the service of OAC or an
    OAI's canonical user, or to everyone. A statement for another principal (CDK's
    autoDeleteObjects role, say) is not CloudFront's."""
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    return statement.get("Effect") == "Allow" and any(
        a in ("s3:ListBucket", "s3:*", "s3:List*", "*") for a in actions) and \
        _cloudfront_principal(statement.get("Principal"))


def _cloudfront_principal(principal):
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    services = principal.get("Service")
    services = services if isinstance(services, list) else [services]
    accounts = principal.get("AWS")
    accounts = accounts if isinstance(accounts, list) else [accounts]
    return "cloudfront.amazonaws.com" in services or "CanonicalUser" in principal or \
        "*" in accounts or any(isinstance(a, str) and ":cloudfront:user/" in a
                               for a in accounts)


class Buckets:
    """name of each template bucket, and the moto S3 client that holds them."""

    def __init__(self, endpoint_url):
        # Public: standard logs write into these buckets too.
        self.client = Aws(endpoint_url=endpoint_url, config=S3_CONFIG).client("s3", "us-east-1")
        self.names = {}          # logical id -> bucket name
        self._listable = set()   # names whose policy lets CloudFront list them
        self.websites = {}       # name -> websites.Website, its website endpoint

    def name_of(self, bucket):
        """A template bucket's name by its logical id, else `bucket`, created when missing
        (a logging bucket outside the template)."""
        if bucket in self.names:
            return self.names[bucket]
        with contextlib.suppress(botocore.exceptions.ClientError):
            self.client.create_bucket(Bucket=bucket)
        return bucket

    def create(self, stack, template, resolve):
        """Create every AWS::S3::Bucket of one stack (a bucket made before, when the app is
        read again, is kept with its content); returns their names by logical id."""
        suffix = os.urandom(4).hex()
        for logical, bucket in cfn.resources(template, "AWS::S3::Bucket").items():
            if logical in self.names:
                continue
            name = resolve(cfn.properties(bucket).get("BucketName")) or \
                f"{stack}-{logical}"[:50].lower() + f"-{suffix}"
            self.client.create_bucket(Bucket=name)
            self.names[logical] = name
        for policy in cfn.resources(template, "AWS::S3::BucketPolicy").values():
            props = cfn.properties(policy)
            name = self.names.get(cfn.logical_id(props.get("Bucket")))
            statements = cfn.as_dict(props.get("PolicyDocument")).get("Statement") or []
            if name and any(_lists(s) for s in statements if isinstance(s, dict)):
                self._listable.add(name)
        public = public_buckets(template, self.names)
        for logical, bucket in cfn.resources(template, "AWS::S3::Bucket").items():
            config = cfn.properties(bucket).get("WebsiteConfiguration")
            name = self.names[logical]
            self.websites[name] = Website(self.client, name,
                                          resolve(config) if config else None, name in public)
        return self.names

    def deploy(self, template, cdk_out, assets):
        """Unpack each BucketDeployment's sources into its destination bucket."""
        for deployment in cfn.resources(template, BUCKET_DEPLOYMENT).values():
            props = cfn.properties(deployment)
            bucket = self.names.get(cfn.logical_id(props.get("DestinationBucketName")))
            prefix = props.get("DestinationBucketKeyPrefix") or ""
            if not bucket or not isinstance(prefix, str):
                continue
            for key in props.get("SourceObjectKeys") or []:
                source = assets.get(str(key).removesuffix(".zip"))
                if source is not None:
                    self._upload(bucket, prefix, cdk_out / source)

    def _upload(self, bucket, prefix, source):
        if source.is_dir():
            files = [(str(p.relative_to(source)), p.read_bytes())
                     for p in sorted(source.rglob("*")) if p.is_file()]
        else:
            with zipfile.ZipFile(source) as archive:
                files = [(n, archive.read(n)) for n in archive.namelist() if not n.endswith("/")]
        for name, data in files:
            key = f"{prefix.rstrip('/')}/{name}" if prefix else name
            self.client.put_object(Bucket=bucket, Key=key, Body=data,
                                    ContentType=mimetypes.guess_type(name)[0] or
                                    "application/octet-stream")

    def get_object(self, bucket, path, method="GET", conditions=()):
        """S3's answer to CloudFront: the object for GET and HEAD (304 when `conditions`, the
        If-None-Match / If-Modified-Since CloudFront revalidates with, still hold); any other
        method is refused, as the bucket policy of an S3 origin grants reading only."""
        key = path.lstrip("/")
        if method not in ("GET", "HEAD"):
            return s3_error(403, "AccessDenied", "Access Denied")
        if not key:  # the bucket itself: S3 lists it, to those allowed to list it
            return self._listing(bucket)
        wanted = dict(conditions)
        asked = {name: wanted[header] for header, name in (
            ("if-none-match", "IfNoneMatch"), ("if-modified-since", "IfModifiedSince"))
            if wanted.get(header)}
        try:
            answer = self.client.get_object(Bucket=bucket, Key=key, **asked)
        except botocore.exceptions.ClientError as err:
            code = err.response.get("Error", {}).get("Code")
            if code in ("304", "NotModified"):
                return HttpResponse(304, [("ETag", wanted.get("if-none-match", ""))], b"")
            if code in ("NoSuchKey", "404") and bucket in self._listable:
                return s3_error(404, "NoSuchKey", "The specified key does not exist.")
            if code == "NoSuchBucket":
                return s3_error(404, code, "The specified bucket does not exist")
            if code in ("NoSuchKey", "404", "AccessDenied", "403"):
                return s3_error(403, "AccessDenied", "Access Denied")
            return s3_error(500, code or "InternalError", "We encountered an internal error.")
        headers = [("Content-Type", answer.get("ContentType", "application/octet-stream")),
                   ("ETag", answer.get("ETag", "")),
                   ("Last-Modified", answer["LastModified"].strftime(
                       "%a, %d %b %Y %H:%M:%S GMT"))]
        return HttpResponse(200, headers, answer["Body"].read())

    def website(self, bucket, method, path):
        """The bucket's website endpoint's answer (websites.py); a bucket outside the template
        has no website configuration here."""
        site = self.websites.get(bucket) or Website(self.client, bucket, None, False)
        return site.get(method, path)

    def _listing(self, bucket):
        """GET on the bucket root, as S3 answers it: ListBucketResult when the bucket policy
        lets CloudFront list it, else 403 AccessDenied (Amazon S3 API Reference,
        ListObjectsV2; "How Amazon S3 authorizes a request")."""
        if bucket not in self._listable:
            return s3_error(403, "AccessDenied", "Access Denied")
        try:
            found = self.client.list_objects_v2(Bucket=bucket, MaxKeys=1000)
        except botocore.exceptions.ClientError as err:
            code = err.response.get("Error", {}).get("Code") or "InternalError"
            return s3_error(404 if code == "NoSuchBucket" else 500, code, str(err))
        items = "".join(f"<Contents><Key>{escape(o['Key'])}</Key><Size>{o['Size']}</Size>"
                        f"</Contents>" for o in found.get("Contents", []))
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns='
                f'"http://s3.amazonaws.com/doc/2006-03-01/"><Name>{escape(bucket)}</Name>'
                f"<KeyCount>{found.get('KeyCount', 0)}</KeyCount><MaxKeys>1000</MaxKeys>"
                f"<IsTruncated>{str(found.get('IsTruncated', False)).lower()}</IsTruncated>"
                f"{items}</ListBucketResult>")
        return HttpResponse(200, [("Content-Type", "application/xml")], body.encode())
