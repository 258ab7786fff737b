"""boto3 clients for the tools: one session, adaptive retries, optional local endpoint."""
import ipaddress
import os
import threading
from urllib.parse import urlsplit

import boto3
import botocore.exceptions
from botocore.config import Config

from edge_persist.errors import UsageError

# Adaptive mode rate-limits the client itself once AWS starts throttling (17 regions scanned
# at once can trip FilterLogEvents quotas); callers add their own backoff between polls.
RETRY_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8},
                      connect_timeout=5, read_timeout=30)
# A loopback endpoint is a moto server: nothing throttles it, and one that refuses a
# connection will not come back within a backoff, so fail fast instead of in ~9 s.
LOCAL_RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2},
                            connect_timeout=2, read_timeout=30)
# The KeyValueStore data plane; its requests are signed with SigV4A (awscrt).
KVS_SERVICE = "cloudfront-keyvaluestore"
# moto accepts any credentials; a local endpoint should not need a real profile.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def is_loopback(endpoint_url):
    host = urlsplit(endpoint_url or "").hostname
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def stay_local():
    """Keep botocore off the EC2 metadata address (169.254.169.254) in this process and its
    children: against a loopback endpoint, the default credential chain would try it."""
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


class Aws:
    def __init__(self, profile=None, endpoint_url=None, config=RETRY_CONFIG):
        local = is_loopback(endpoint_url)
        if local:
            stay_local()
            config = LOCAL_RETRY_CONFIG if config is RETRY_CONFIG else config
        try:
            # A loopback endpoint gets dummy credentials unless a profile is named; real AWS
            # keeps the default chain (instance credentials are legitimate on an EC2 host).
            session = boto3.Session(**LOCAL_CREDENTIALS) if local and not profile \
                else boto3.Session(profile_name=profile)
        except botocore.exceptions.ProfileNotFound as err:
            raise UsageError(f"AWS profile {profile!r} not found: {err}") from None
        if endpoint_url and session.get_credentials() is None:
            session = boto3.Session(**LOCAL_CREDENTIALS)
        self._session = session
        self.endpoint_url = endpoint_url
        self._config = config
        self._clients = {}
        # boto3 sessions are not thread-safe, clients are: create under a lock, share after.
        self._lock = threading.Lock()

    def has_credentials(self):
        return self._session.get_credentials() is not None

    def client(self, service, region):
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                config = self._config
                if service == KVS_SERVICE and is_loopback(self.endpoint_url):
                    # botocore puts the store's account id in front of the endpoint's host
                    # (123456789012.127.0.0.1), which no resolver knows: go through the
                    # endpoint as a proxy, which the emulator's KVS API accepts.
                    config = config.merge(Config(proxies={"http": self.endpoint_url}))
                self._clients[key] = self._session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url,
                    config=config)
            return self._clients[key]
