"""An S3 bucket (REST endpoint) as CloudFront reaches it ("Request and response behavior for
Amazon S3 origins"; "Manage how long content stays in the cache (expiration)")."""
import pytest

from edge_persist.emulator.cloudfront.buckets import Buckets


@pytest.fixture(scope="module")
def bucket(moto_url):
    buckets = Buckets(moto_url)
    buckets.client.create_bucket(Bucket="conformance-s3-origin")
    buckets.client.put_object(Bucket="conformance-s3-origin", Key="a.txt", Body=b"hello")
    return buckets


def test_an_expired_object_is_revalidated_with_s3(bucket):
    """Page: Manage how long content stays in the cache (expiration)
    Rule: CloudFront revalidates an expired object with its ETag or Last-Modified; S3 answers
    304 Not Modified while the object is the same, 200 with the object once it changed."""
    first = bucket.get_object("conformance-s3-origin", "/a.txt")
    etag, modified = first.header_values("etag")[0], first.header_values("last-modified")[0]
    assert first.status == 200 and first.body == b"hello"
    for condition in (("if-none-match", etag), ("if-modified-since", modified)):
        assert bucket.get_object("conformance-s3-origin", "/a.txt", "GET",
                                 [condition]).status == 304
    changed = bucket.get_object("conformance-s3-origin", "/a.txt", "GET",
                                [("if-none-match", '"another"')])
    assert changed.status == 200 and changed.body == b"hello"


def test_only_reads_reach_an_s3_origin(bucket):
    """Page: Request and response behavior for Amazon S3 origins
    Rule: a bucket that grants CloudFront reading only refuses other methods with 403."""
    for method in ("PUT", "POST", "DELETE", "PATCH"):
        assert bucket.get_object("conformance-s3-origin", "/a.txt", method).status == 403
    assert bucket.get_object("conformance-s3-origin", "/a.txt", "HEAD").status == 200


def _policy(*statements):
    return {"Site": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "SitePolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "Site"},
                "PolicyDocument": {"Statement": list(statements)}}}}


OAC_READ = {"Effect": "Allow", "Action": "s3:GetObject",
            "Principal": {"Service": "cloudfront.amazonaws.com"}}
AUTO_DELETE = {"Effect": "Allow", "Action": ["s3:PutBucketPolicy", "s3:GetBucket*",
                                            "s3:List*", "s3:DeleteObject*"],
               "Principal": {"AWS": {"Fn::GetAtt": ["AutoDeleteRole", "Arn"]}}}


@pytest.mark.parametrize("statements, status", [
    ((OAC_READ,), 403),
    ((OAC_READ, AUTO_DELETE), 403),
    ((OAC_READ, {**OAC_READ, "Action": "s3:ListBucket"}), 404),
    (({**AUTO_DELETE, "Principal": "*", "Action": "s3:ListBucket"},), 404),
])
def test_a_missing_key_is_403_unless_cloudfront_may_list_the_bucket(moto_url, statements,
                                                                    status):
    """Page: Restrict access to an Amazon S3 origin
    Rule: S3 answers a missing object with 403 unless the bucket policy grants the
    requester (CloudFront's service principal under OAC) s3:ListBucket, then 404; a
    statement for another principal, such as CDK's autoDeleteObjects role with s3:List*,
    does not count."""
    buckets = Buckets(moto_url)
    (name,) = buckets.create("Stack", {"Resources": _policy(*statements)},
                             lambda value: value).values()
    assert buckets.get_object(name, "/missing.txt").status == status
