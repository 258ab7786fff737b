"""An S3 bucket's website endpoint used as a custom origin (`S3StaticWebsiteOrigin`, or an
HttpOrigin on the bucket's website domain), answering as the website endpoint does, not as
the REST API a bucket origin reaches.

Amazon S3 User Guide, "Hosting a static website using Amazon S3" and its pages ("Configuring
an index document", "Configuring a custom error document", "Configuring a webpage redirect",
"Setting permissions for website access", "Website endpoints"):
- GET and HEAD only; the answers are HTML, never S3's XML errors;
- a request for the root or a path ending in `/` gets that folder's index document; a path
  without the slash whose `path/` + index document exists gets 302 to `path/`;
- a missing object is 404 with the error document when one is set (with the 404 status),
  S3's HTML 404 page otherwise;
- without public read access (a bucket policy letting anyone s3:GetObject, which Block
  Public Access does not override) every request gets 403 Forbidden;
- `RedirectAllRequestsTo` answers 301 to the other host; `RoutingRules` redirect on a key
  prefix or an error code, replacing the key or its prefix.

Assumed where S3 leaves it implicit: a bucket without PublicAccessBlockConfiguration blocks
public policies, as new buckets do since April 2023 (a public policy could not have been
put); the 404 and 403 pages follow S3's layout with local request ids.
"""
import os

from edge_persist import cfn
from edge_persist.emulator.frontend.messages import HttpResponse

ANONYMOUS = ("*", {"AWS": "*"}, {"AWS": ["*"]})
READ_ACTIONS = ("s3:GetObject", "s3:Get*", "s3:*", "*")


def website_domain(logical_id):
    return f"{logical_id.lower()}.s3-website-us-east-1.amazonaws.com"


def _allows_anonymous_read(statement):
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    principal = statement.get("Principal")
    return statement.get("Effect") == "Allow" and principal in ANONYMOUS and any(
        a in READ_ACTIONS for a in actions)


def public_buckets(template, names):
    """Bucket names whose objects anyone may read: a policy statement lets anyone
    s3:GetObject and the bucket's Block Public Access lets that policy count."""
    public = set()
    for policy in cfn.resources(template, "AWS::S3::BucketPolicy").values():
        props = cfn.properties(policy)
        logical = cfn.logical_id(props.get("Bucket"))
        statements = cfn.as_dict(props.get("PolicyDocument")).get("Statement") or []
        bucket = cfn.properties(template.get("Resources", {}).get(logical) or {})
        block = bucket.get("PublicAccessBlockConfiguration")
        blocked = block is None or any(str(block.get(k, False)).lower() == "true"
                                       for k in ("BlockPublicPolicy", "RestrictPublicBuckets"))
        if logical in names and not blocked and any(
                _allows_anonymous_read(s) for s in statements if isinstance(s, dict)):
            public.add(names[logical])
    return public


def _page(status, title, code, message, key=None):
    items = [f"<li>Code: {code}</li>", f"<li>Message: {message}</li>"]
    if key is not None:
        items.append(f"<li>Key: {key}</li>")
    items += [f"<li>RequestId: {os.urandom(8).hex().upper()}</li>",
              f"<li>HostId: {os.urandom(24).hex()}</li>"]
    body = (f"<html>\n<head><title>{status} {title}</title></head>\n<body>\n<h1>{status} "
            f"{title}</h1>\n<ul>\n" + "\n".join(items) + "\n</ul>\n<hr/>\n</body>\n</html>\n")
    return HttpResponse(status, [("Content-Type", "text/html; charset=utf-8")], body.encode())


def _document(value, field):
    """CloudFormation's IndexDocument / ErrorDocument is a string; S3's API wraps it in
    {Suffix} / {Key}: either."""
    return value.get(field) if isinstance(value, dict) else value


def _redirect(status, location):
    return HttpResponse(status, [("Location", location), ("Content-Length", "0")], b"")


def _routed(rules, key, error_code, host):
    """The redirect a RoutingRule gives for `key` (and the error met, if any), or None."""
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        condition = rule.get("RoutingRuleCondition") or {}
        prefix = condition.get("KeyPrefixEquals")
        code = condition.get("HttpErrorCodeReturnedEquals")
        if prefix is not None and not key.startswith(prefix):
            continue
        if code is not None and str(code) != str(error_code):
            continue
        if prefix is None and code is None:
            continue
        redirect = rule.get("RedirectRule") or {}
        if "ReplaceKeyWith" in redirect:
            new_key = redirect["ReplaceKeyWith"]
        elif "ReplaceKeyPrefixWith" in redirect:
            new_key = redirect["ReplaceKeyPrefixWith"] + key[len(prefix or ""):]
        else:
            new_key = key
        location = f"{redirect.get('Protocol', 'http')}://{redirect.get('HostName', host)}" \
                   f"/{new_key}"
        return _redirect(int(redirect.get("HttpRedirectCode", 301)), location)
    return None


class Website:
    """The website endpoint of one bucket: its WebsiteConfiguration over moto's S3."""

    def __init__(self, client, bucket, config, public):
        self.client, self.bucket, self.config, self.public = client, bucket, config, public
        self.host = f"{bucket}.s3-website-us-east-1.amazonaws.com"

    def _object(self, key):
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        except Exception:  # noqa: BLE001 - any other S3 failure is a missing object here
            return None
        headers = [("Content-Type", found.get("ContentType", "binary/octet-stream")),
                   ("ETag", found.get("ETag", "")),
                   ("Last-Modified", found["LastModified"].strftime("%a, %d %b %Y %H:%M:%S GMT"))]
        return HttpResponse(200, headers, found["Body"].read())

    def get(self, method, path):
        if self.config is None:
            return _page(404, "Not Found", "NoSuchWebsiteConfiguration",
                         "The specified bucket does not have a website configuration")
        if method not in ("GET", "HEAD"):
            return _page(405, "Method Not Allowed", "MethodNotAllowed",
                         "The specified method is not allowed against this resource.")
        everything = self.config.get("RedirectAllRequestsTo")
        if everything:
            return _redirect(301, f"{everything.get('Protocol', 'http')}://"
                                  f"{everything.get('HostName')}{path}")
        key = path.lstrip("/")
        rules = self.config.get("RoutingRules")
        routed = _routed(rules, key, None, self.host)  # rules on an error code wait for one
        if routed is not None:
            return routed
        if not self.public:
            return _page(403, "Forbidden", "AccessDenied", "Access Denied")
        index = _document(self.config.get("IndexDocument"), "Suffix") or "index.html"
        wanted = key + index if key == "" or key.endswith("/") else key
        found = self._object(wanted)
        if found is not None:
            return found
        if not path.endswith("/") and self._object(f"{key}/{index}") is not None:
            return _redirect(302, f"{path}/")
        routed = _routed(rules, key, 404, self.host)
        if routed is not None:
            return routed
        error_key = _document(self.config.get("ErrorDocument"), "Key")
        page = self._object(error_key) if error_key else None
        if page is not None:
            return HttpResponse(404, page.headers, page.body)
        return _page(404, "Not Found", "NoSuchKey", "The specified key does not exist.",
                     wanted)
