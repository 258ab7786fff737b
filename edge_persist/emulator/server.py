"""The Emulator: template, pools and tiers wired together, served on loopback from one event
loop.

Every request of every port, every execution environment's pipes and every origin connection
are handled on that loop (uvloop), in a thread of its own: no thread hands a request to
another, so no interpreter-lock hand-over sits on the path a request takes. What blocks
(boto3 calls to the moto server for S3 origins and standard logs, log shipping) runs in
threads beside it. The Emulator's methods may be called from any thread: they run their work
on the loop and wait for it.
"""
import concurrent.futures
import os
import sys

from edge_persist import cfn, contract, edge_rules
from edge_persist.emulator.alb.listeners import AlbTier
from edge_persist.emulator.cloudfront import viewers
from edge_persist.emulator.cloudfront.buckets import Buckets
from edge_persist.emulator.cloudfront.control import ControlApi
from edge_persist.emulator.cloudfront.distribution import CloudFrontTier
from edge_persist.emulator.cloudfront.origins import Fetcher
from edge_persist.emulator.cloudfront.standard_logs import StandardLogs
from edge_persist.emulator.cloudfront_functions.kvs import KvsApi, Stores
from edge_persist.emulator.cloudfront_functions.runtime import FunctionPool, Functions
from edge_persist.emulator.environments import languages
from edge_persist.emulator.environments.pool import InitErrors, Pool
from edge_persist.emulator.frontend.loop import LoopThread
from edge_persist.emulator.frontend.server import Listener
from edge_persist.emulator.frontend.tls import ViewerTls
from edge_persist.emulator.lambda_edge.triggers import Throttle, Triggers
from edge_persist.emulator.services.logship import LogShipper
from edge_persist.emulator.template import read_stacks
from edge_persist.errors import UsageError

LOOPBACK = "127.0.0.1"
# Lambda's measured figures (EDGE_FACTS.md): idle environments live 10 minutes, busy ones
# are recycled about every 2 hours.
DEFAULT_IDLE_TIMEOUT_S = 600.0
DEFAULT_MAX_LIFETIME_S = 7200.0
REAP_EVERY_S = 0.5
# S3 origins and website endpoints are read from the moto server with boto3, off the loop.
BUCKET_THREADS = 4


class Emulator:
    """The synthesized app, served on loopback: each distribution on its own port (`url` is
    the first one's), each ALB on its own (`alb_url`), and the control API (`api_url`)."""

    def __init__(self, cdk_out, logs_endpoint, regions=(contract.HOME_REGION,),
                 idle_timeout=DEFAULT_IDLE_TIMEOUT_S, max_lifetime=DEFAULT_MAX_LIFETIME_S,
                 stack_name=None, port=0, alb_port=0, routing="client-ip", models=None,
                 origins=None, concurrency_limit=edge_rules.DEFAULT_CONCURRENCY_LIMIT,
                 env_routing="mru", kvs_propagation=edge_rules.KVS_DEFAULT_PROPAGATION_S,
                 enforce_compute=False, viewer_country=viewers.DEFAULT_COUNTRY, tls=None):
        self.models = models or read_stacks(cdk_out, stack_name, origins)
        self.model = self.models[0]
        self.regions = list(regions)
        self.logs_endpoint = logs_endpoint
        self._pools = {}
        self._lifetimes = (idle_timeout, max_lifetime)
        self._env_routing = env_routing
        self._init_errors = InitErrors()  # one per emulator: each failure is printed once
        self._listeners = []
        self._function_workers = []
        self._started = False
        self.stores = Stores(kvs_propagation)
        self._enforce_compute = enforce_compute
        self.viewer_country = viewer_country
        self.tls = tls or ViewerTls()  # every distribution's port speaks HTTPS too
        self._executor = concurrent.futures.ThreadPoolExecutor(BUCKET_THREADS,
                                                               thread_name_prefix="s3-origin")
        self.shipper = LogShipper(logs_endpoint)
        self._loop_thread = LoopThread()
        self.loop, self.call = self._loop_thread.loop, self._loop_thread.call
        try:
            self.call(self._build(port, alb_port, routing, concurrency_limit))
        except BaseException:
            self.stop()
            raise

    # --- building ----------------------------------------------------------------------------

    async def _build(self, port, alb_port, routing, concurrency_limit):
        self.buckets = Buckets(self.logs_endpoint)
        self.albs, function_urls = {}, {}
        for model in self.models:
            if cfn.resources(model.template, "AWS::S3::Bucket"):
                for logical, name in self.buckets.create(model.stack_name, model.template,
                                                         model.resolve).items():
                    model.resolve.known[(logical, "Ref")] = name
                self.buckets.deploy(model.template, model.path.parent,
                                    cfn.asset_sources(model.path))
            for alb_id, lb in model.load_balancers.items():
                self.albs[alb_id] = AlbTier(lb, {g: self.pool(spec, contract.HOME_REGION)
                                                 for g, spec in lb.functions.items()},
                                            lb.multi_value)
            function_urls.update({url_id: self.pool(spec, contract.HOME_REGION)
                                  for url_id, spec in model.function_urls.items()})
        self.fetcher = Fetcher(self.albs, self.buckets, function_urls, self._executor)
        workers = {model.stack_name: await self._viewer_functions(model)
                   for model in self.models}
        throttle = self.throttle = Throttle(concurrency_limit)
        self.tiers, self.urls = {}, {}
        for model in self.models:
            for dist_id, distribution in model.distributions.items():
                distribution_id = "E" + os.urandom(6).hex().upper()
                stats = dict.fromkeys(("hits", "misses", "validation_errors",
                                       "execution_errors", "limit_errors"), 0)
                functions = Functions(workers[model.stack_name], self.shipper, distribution,
                                      distribution_id, stats, self._enforce_compute)
                tier = CloudFrontTier(distribution, Triggers(self.pool, self.shipper, throttle,
                                                             distribution_id, stats),
                                      self.fetcher, self.regions, routing, functions,
                                      self.viewer_country)
                listener = self._listen(port if not self.tiers else 0, tier, self.tls)
                tier.domain = tier.triggers.domain = functions.domain = \
                    f"{LOOPBACK}:{listener.port}"
                self.tiers[distribution_id] = tier
                if distribution.logging:
                    tier.standard_logs = StandardLogs(
                        distribution_id, tier.domain, distribution.logging, self.buckets.client,
                        self.buckets.name_of(distribution.logging.bucket))
                # The URL a viewer uses: https:// when the default behavior requires it.
                scheme = "http" if distribution.default_behavior.viewer_protocol_policy == \
                    "allow-all" else "https"
                self.urls[dist_id] = f"{scheme}://{tier.domain}"
                model.resolve.known.update({(dist_id, "Ref"): distribution_id,
                                            (dist_id, "DomainName"): tier.domain})
        self.alb_urls = {}
        for alb_id, alb in self.albs.items():
            listener = self._listen(alb_port if not self.alb_urls else 0, alb)
            self.alb_urls[alb_id] = f"http://{LOOPBACK}:{listener.port}"
            for model in self.models:
                model.resolve.known[(alb_id, "DNSName")] = self.alb_urls[alb_id].split("//")[1]
        self.api = ControlApi(self.tiers)
        self.api.url = f"http://{LOOPBACK}:{self._listen(0, self.api).port}"
        self.kvs_api = KvsApi(self.stores)
        self.kvs_url = f"http://{LOOPBACK}:{self._listen(0, self.kvs_api).port}"
        self.distribution_id, self.cloudfront = next(iter(self.tiers.items()))
        self.domain = self.cloudfront.domain
        self.url = self.urls[next(iter(self.urls))]
        self.alb_url = next(iter(self.alb_urls.values()), None)
        self.api_url = self.api.url
        self.warnings = [w for model in self.models for w in model.warnings]
        for warning in self.warnings:
            print(f"emulator: not emulated: {warning}", file=sys.stderr, flush=True)
        for line in languages.describe(r for model in self.models for r in model.runtimes):
            print(f"emulator: runtime {line}", file=sys.stderr, flush=True)
        self._reaper = self.loop.call_later(REAP_EVERY_S, self._reap)

    async def _viewer_functions(self, model):
        """The stack's key value stores, then a started worker for each CloudFront function
        its behaviors use: the code may embed a store's id, so stores come first."""
        self.stores.create(model)
        workers = {}
        for logical, spec in model.viewer_functions.items():
            arns = [model.resolve(arn) for arn in spec.kvs_arns]
            store = self.stores.get(arns[0]) if arns else None
            if arns and store is None:
                raise UsageError(f"CloudFront function {spec.name}: its key value store "
                                 f"{arns[0]} is not in this app")
            code = model.resolve(spec.code)
            workers[logical] = await FunctionPool.start(spec, code if isinstance(code, str)
                                                        else "", store)
            self._function_workers.append(workers[logical])
        return workers

    def _listen(self, port, handler, tls=None):
        try:
            listener = Listener(LOOPBACK, port, handler, tls)
        except OSError as err:
            raise UsageError(f"cannot listen on {LOOPBACK}:{port}: {err.strerror}") from None
        self._listeners.append(listener)
        return listener

    def pool(self, spec, region):
        """The environments of one function version in one region, shared by every trigger
        and origin that uses it, as Lambda shares them."""
        key = (spec.name, spec.version, region)
        if key not in self._pools:
            self._pools[key] = Pool(spec, region, self.shipper, *self._lifetimes,
                                    self._init_errors, self._env_routing)
        return self._pools[key]

    @property
    def edge_pools(self):
        return {k: p for k, p in self._pools.items() if p.spec.edge}

    def pools(self):
        return list(self._pools.values())

    # --- serving -----------------------------------------------------------------------------

    def start(self):
        """Accept connections on every port."""
        self._started = True

        for listener in self._listeners:
            self._loop_thread.soon(listener.start, self.loop)
        return self

    def _reap(self):
        for pool in self.pools():
            pool.reap()
        self._reaper = self.loop.call_later(REAP_EVERY_S, self._reap)

    @property
    def certificate(self):
        """The file of the certificate the distributions' HTTPS presents."""
        return self.tls.certificate

    def outputs(self):
        """The shape `cdk deploy --outputs-file` writes, pointing at this emulator: each
        stack's declared outputs resolved to local values, plus an Emulator block."""
        found = {}
        for model in self.models:
            # An https:// URL resolves as it is: the distributions' ports speak HTTPS too.
            values = {key: model.resolve(output.get("Value"))
                      for key, output in (model.template.get("Outputs") or {}).items()}
            first = next(iter(model.distributions))
            if not values.get("DistributionUrl"):
                values["DistributionUrl"] = self.urls[first]
            found[model.stack_name] = values
        found["Emulator"] = {
            "Distributions": dict(self.urls), "LoadBalancers": dict(self.alb_urls),
            "Buckets": dict(self.buckets.names), "LogsEndpoint": self.logs_endpoint,
            "S3Endpoint": self.logs_endpoint, "ApiEndpoint": self.api_url,
            "KvsEndpoint": self.kvs_url, "Certificate": self.certificate,
            "KeyValueStores": {s.name: s.arn for s in self.stores.by_arn.values()}}
        return found

    # --- stopping ----------------------------------------------------------------------------

    async def _close(self):
        """Everything on the loop, in order: no new connection, then the environments and
        workers, then the origin connections."""
        if getattr(self, "_reaper", None) is not None:
            self._reaper.cancel()
        for listener in self._listeners:
            listener.close()
        for pool in self.pools():
            pool.close()
        for worker in self._function_workers:
            worker.close()
        if getattr(self, "fetcher", None) is not None:
            self.fetcher.close()
        for tier in getattr(self, "tiers", {}).values():
            for task in list(tier._background):
                task.cancel()

    def stop(self):
        if self._loop_thread.running:
            try:
                self.call(self._close(), timeout=30)
            except (concurrent.futures.TimeoutError, RuntimeError):
                pass
        self._loop_thread.stop()
        for tier in getattr(self, "tiers", {}).values():
            if tier.standard_logs is not None:
                tier.standard_logs.close()  # the last lines, as CloudFront delivers them too
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.shipper.close()
        self.tls.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
