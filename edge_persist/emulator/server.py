"""HTTP front ends on loopback, and the Emulator that wires template, pools and tiers."""
import os
import socket
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from edge_persist import contract
from edge_persist.emulator.alb import AlbTier, HttpRequest, HttpResponse
from edge_persist.emulator.cloudfront import CloudFrontTier
from edge_persist.emulator.environments import InitErrors, Pool
from edge_persist.emulator.logship import LogShipper
from edge_persist.emulator.template import StackReader
from edge_persist.errors import UsageError

LOOPBACK = "127.0.0.1"
# Lambda's measured figures (EDGE_FACTS.md): idle environments live 10 minutes, busy ones
# are recycled about every 2 hours.
DEFAULT_IDLE_TIMEOUT_S = 600.0
DEFAULT_MAX_LIFETIME_S = 7200.0
REAP_EVERY_S = 0.5


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def _handler_for(tier):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as CloudFront viewers use

        def setup(self):
            super().setup()
            # Without this, keep-alive answers stall ~40 ms on delayed ACKs.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self):
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = HttpRequest(self.command, split.path or "/", split.query,
                                  list(self.headers.items()), self.rfile.read(length) if length
                                  else b"", self.client_address[0])
            try:
                response = tier.handle(request)
            except Exception:  # an emulator bug must not look like a CloudFront answer
                traceback.print_exc()
                response = HttpResponse(500, [("Content-Type", "text/plain")],
                                        b"emulator internal error; see its stderr\n")
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

        def log_message(self, *args):
            pass  # the origin and edge logs are the access log

    return Handler


def _listen(port, tier):
    try:
        return _Server((LOOPBACK, port), _handler_for(tier))
    except OSError as err:
        raise UsageError(f"cannot listen on {LOOPBACK}:{port}: {err.strerror}") from None


class Emulator:
    """The synthesized stack, served on loopback: CloudFront on `url`, the ALB on `alb_url`."""

    def __init__(self, cdk_out, logs_endpoint, regions=(contract.HOME_REGION,),
                 idle_timeout=DEFAULT_IDLE_TIMEOUT_S, max_lifetime=DEFAULT_MAX_LIFETIME_S,
                 stack_name=None, port=0, alb_port=0, routing="client-ip", model=None):
        self.model = model or StackReader(cdk_out, stack_name).read()
        self.regions = list(regions)
        self.shipper = LogShipper(logs_endpoint)
        self.distribution_id = "E" + os.urandom(6).hex().upper()
        init_errors = InitErrors()  # one per emulator: each failure is printed once
        self.origin_pools = {group: Pool(spec, contract.HOME_REGION, self.shipper, idle_timeout,
                                         max_lifetime, init_errors)
                             for group, spec in self.model.functions.items()}
        self.edge_pools = {(a.event_type, region): Pool(a.function, region, self.shipper,
                                                        idle_timeout, max_lifetime, init_errors)
                           for a in self.model.associations for region in self.regions}
        self.alb = AlbTier(self.model.load_balancer, self.origin_pools,
                           self.model.multi_value)
        self.cloudfront = CloudFrontTier(self.model, self.edge_pools, self.alb, self.regions,
                                         self.shipper, self.distribution_id, "", routing)
        try:
            self._alb_server = _listen(alb_port, self.alb)
            self._cf_server = _listen(port, self.cloudfront)
        except UsageError:
            self.shipper.close()
            raise
        self.alb_url = f"http://{LOOPBACK}:{self._alb_server.server_port}"
        self.domain = f"{LOOPBACK}:{self._cf_server.server_port}"
        self.cloudfront.domain = self.domain
        self.url = f"http://{self.domain}"
        self._stop = threading.Event()

    def start(self):
        for target in (self._cf_server.serve_forever, self._alb_server.serve_forever, self._reap):
            threading.Thread(target=target, daemon=True).start()
        return self

    def _reap(self):
        while not self._stop.wait(REAP_EVERY_S):
            for pool in self.pools():
                pool.reap()

    def pools(self):
        return list(self.edge_pools.values()) + list(self.origin_pools.values())

    def outputs(self):
        """The shape `cdk deploy --outputs-file` writes, pointing at this emulator."""
        edge = self.model.associations[0].function if self.model.associations else None
        origin = next(iter(self.model.functions.values()))
        return {self.model.stack_name: {
            "DistributionDomainName": self.domain, "DistributionId": self.distribution_id,
            "DistributionUrl": self.url,
            "EdgeFunctionName": edge.name if edge else "",
            "EdgeFunctionVersionArn": (f"arn:aws:lambda:us-east-1:123456789012:function:"
                                       f"{edge.name}:{edge.version}") if edge else "",
            "OriginFunctionName": origin.name, "OriginLogGroupName": origin.log_group(),
            "LoadBalancerDnsName": self.alb_url.split("//")[1],
        }}

    def stop(self):
        self._stop.set()
        for server in (self._cf_server, self._alb_server):
            server.shutdown()
            server.server_close()
        for pool in self.pools():
            pool.close()
        self.shipper.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
