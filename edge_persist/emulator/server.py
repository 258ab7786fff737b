"""The Emulator: template, pools and tiers wired together, served on loopback from one event
loop.

Every request of every port, every execution environment's pipes and every origin connection
are handled on that loop (uvloop), in a thread of its own (frontend/loop.py): no thread hands
a request to another, so no interpreter-lock hand-over sits on the path a request takes. What
blocks (boto3 calls to the moto server for S3 origins and standard logs, log shipping) runs in
threads beside it. The Emulator's methods may be called from any thread: they run their work
on the loop and wait for it.

The app can be read again while it serves (`reload`): each distribution and load balancer
keeps its port, id and certificate; functions whose code or configuration changed get fresh
environments, as a new version would, and everything else (settings, policies, CloudFront
Functions) applies to the next request.
"""
import asyncio
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
from edge_persist.emulator.cloudfront.log_delivery import LogDeliveryWriter
from edge_persist.emulator.cloudfront.standard_logs import StandardLogs
from edge_persist.emulator.cloudfront_functions.kvs import KvsApi, Stores
from edge_persist.emulator.cloudfront_functions.runtime import FunctionPool, Functions
from edge_persist.emulator.environments import languages
from edge_persist.emulator.environments.pool import InitErrors, Pool
from edge_persist.emulator.frontend.loop import LoopThread
from edge_persist.emulator.frontend.server import Listener
from edge_persist.emulator.frontend.tls import ViewerTls
from edge_persist.emulator.lambda_edge.triggers import Throttle, Triggers
from edge_persist.emulator.services.function_logs import FunctionLogs
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
STATS = ("hits", "misses", "validation_errors", "execution_errors", "limit_errors")


class Emulator:
    """The synthesized app, served on loopback: each distribution on its own port (`url` is
    the first one's), each ALB on its own (`alb_url`), the control API (`api_url`) and the
    key value stores' data plane (`kvs_url`)."""

    def __init__(self, cdk_out, logs_endpoint, regions=(contract.HOME_REGION,),
                 idle_timeout=DEFAULT_IDLE_TIMEOUT_S, max_lifetime=DEFAULT_MAX_LIFETIME_S,
                 stack_name=None, port=0, alb_port=0, routing="client-ip", models=None,
                 origins=None, concurrency_limit=edge_rules.DEFAULT_CONCURRENCY_LIMIT,
                 env_routing="mru", kvs_propagation=edge_rules.KVS_DEFAULT_PROPAGATION_S,
                 enforce_compute=False, viewer_country=viewers.DEFAULT_COUNTRY, tls=None,
                 terminal=None, spill=None):
        """`terminal`: prints function log lines as they happen (function_logs.Terminal), or
        None; `spill`: the folder for what the moto server did not take (logs)."""
        self.stack_name, self.origins = stack_name, origins
        self.models = models or read_stacks(cdk_out, stack_name, origins)
        self.model = self.models[0]
        self.regions = list(regions)
        self.logs_endpoint = logs_endpoint
        self.spill = spill
        self._pools = {}
        self._lifetimes = (idle_timeout, max_lifetime)
        self._env_routing = env_routing
        self._routing, self._viewer_country = routing, viewer_country
        self._init_errors = InitErrors()  # one per emulator: each failure is printed once
        self._listeners = {}              # what serves on it -> Listener
        self._function_pools = {}         # CloudFront function logical id -> FunctionPool
        self._distribution_ids = {}       # (stack, logical id) -> distribution id
        self._stats = {}                  # distribution id -> its counters, across reloads
        self.stores = Stores(kvs_propagation)
        self._enforce_compute = enforce_compute
        self.viewer_country = viewer_country
        self.tls = tls or ViewerTls()  # every distribution's port speaks HTTPS too
        self._executor = concurrent.futures.ThreadPoolExecutor(BUCKET_THREADS,
                                                               thread_name_prefix="s3-origin")
        self.logs = FunctionLogs(terminal)
        self.shipper = LogShipper(logs_endpoint,
                                  os.path.join(spill, "undelivered-logs.jsonl") if spill else None,
                                  tap=self.logs.tap, live=terminal is not None)
        self._loop_thread = LoopThread()
        self.loop, self.call = self._loop_thread.loop, self._loop_thread.call
        self.throttle = Throttle(concurrency_limit)
        self.buckets = Buckets(logs_endpoint)
        self.fetcher = Fetcher({}, self.buckets, {}, self._executor)
        self.tiers, self.urls, self.albs, self.alb_urls = {}, {}, {}, {}
        try:
            self.call(self._wire(port, alb_port))
            self.api = ControlApi(self)
            self.api.url = f"http://{LOOPBACK}:{self._listen('api', 0, self.api).port}"
            self.kvs_api = KvsApi(self.stores)
            self.kvs_url = f"http://{LOOPBACK}:{self._listen('kvs', 0, self.kvs_api).port}"
            self.api_url = self.api.url
            self._reaper = self.loop.call_soon_threadsafe(self._reap)
        except BaseException:
            self.stop()
            raise
        self._started = False

    # --- wiring ------------------------------------------------------------------------------

    async def _wire(self, port=0, alb_port=0):
        """Build what `self.models` describe, keeping each port, id and unchanged worker."""
        albs, function_urls = {}, {}
        for model in self.models:
            if cfn.resources(model.template, "AWS::S3::Bucket"):
                for logical, name in self.buckets.create(model.stack_name, model.template,
                                                         model.resolve).items():
                    model.resolve.known[(logical, "Ref")] = name
                self.buckets.deploy(model.template, model.path.parent,
                                    cfn.asset_sources(model.path))
            for alb_id, lb in model.load_balancers.items():
                albs[alb_id] = AlbTier(lb, {g: self.pool(spec, contract.HOME_REGION)
                                            for g, spec in lb.functions.items()},
                                       lb.multi_value)
            function_urls.update({url_id: self.pool(spec, contract.HOME_REGION)
                                  for url_id, spec in model.function_urls.items()})
        self.fetcher.albs, self.fetcher.function_urls = albs, function_urls
        workers = {}
        for model in self.models:
            workers[model.stack_name] = await self._viewer_functions(model)
        tiers, urls = {}, {}
        for model in self.models:
            for dist_id, distribution in model.distributions.items():
                tier = self._tier(model, dist_id, distribution, workers[model.stack_name],
                                  port if not tiers else 0)
                tiers[tier.distribution_id] = tier
                # The URL a viewer uses: https:// when the default behavior requires it.
                scheme = "http" if distribution.default_behavior.viewer_protocol_policy == \
                    "allow-all" else "https"
                urls[dist_id] = f"{scheme}://{tier.domain}"
        alb_urls = {}
        for alb_id, alb in albs.items():
            listener = self._listen(("alb", alb_id), alb_port if not alb_urls else 0, alb)
            alb_urls[alb_id] = f"http://{LOOPBACK}:{listener.port}"
            for model in self.models:
                model.resolve.known[(alb_id, "DNSName")] = alb_urls[alb_id].split("//")[1]
        self._retire(set(tiers), set(albs))
        self.tiers, self.urls, self.albs, self.alb_urls = tiers, urls, albs, alb_urls
        self.distribution_id, self.cloudfront = next(iter(tiers.items()))
        self.domain = self.cloudfront.domain
        self.url = urls[next(iter(urls))]
        self.alb_url = next(iter(alb_urls.values()), None)
        self.warnings = [w for model in self.models for w in model.warnings]
        for warning in self.warnings:
            print(f"emulator: not emulated: {warning}", file=sys.stderr, flush=True)
        for line in languages.describe(r for model in self.models for r in model.runtimes):
            print(f"emulator: runtime {line}", file=sys.stderr, flush=True)

    def _tier(self, model, dist_id, distribution, workers, port):
        """The distribution's tier, on the port (and with the id) it had before, if any."""
        key = (model.stack_name, dist_id)
        distribution_id = self._distribution_ids.setdefault(
            key, "E" + os.urandom(6).hex().upper())
        stats = self._stats.setdefault(distribution_id, dict.fromkeys(STATS, 0))
        functions = Functions(workers, self.shipper, distribution, distribution_id, stats,
                              self._enforce_compute)
        tier = CloudFrontTier(distribution, Triggers(self.pool, self.shipper, self.throttle,
                                                     distribution_id, stats),
                              self.fetcher, self.regions, self._routing, functions,
                              self._viewer_country)
        tier.distribution_id, tier.logical_id = distribution_id, dist_id
        listener = self._listen(("distribution", distribution_id), port, tier, self.tls)
        tier.domain = tier.triggers.domain = functions.domain = f"{LOOPBACK}:{listener.port}"
        old = getattr(self, "tiers", {}).get(distribution_id)
        tier.log_writers = self._log_writers(distribution, distribution_id, tier.domain,
                                             old.log_writers if old else ())
        model.resolve.known.update({(dist_id, "Ref"): distribution_id,
                                    (dist_id, "DomainName"): tier.domain})
        return tier

    def _log_writers(self, distribution, distribution_id, domain, before):
        """A writer for the distribution's standard logs (legacy) and one for each standard
        logging (v2) delivery; one whose settings did not change carries on from `before`,
        and the others there are closed (their last records delivered)."""
        spill = os.path.join(self.spill, "undelivered-standard-logs") if self.spill else None
        before = list(before)

        def kept(config):
            found = next((w for w in before if w.config == config), None)
            if found is not None:
                before.remove(found)
            return found
        writers = []
        if distribution.logging:
            writers.append(kept(distribution.logging) or StandardLogs(
                distribution_id, domain, distribution.logging, self.buckets.client,
                self.buckets.name_of(distribution.logging.bucket), spill))
        for delivery in distribution.deliveries:
            writers.append(kept(delivery) or LogDeliveryWriter(
                distribution_id, domain, delivery, self.logs_endpoint,
                self.buckets.name_of(delivery.target) if delivery.kind == "s3" else None,
                spill))
        for writer in before:
            writer.close()
        return tuple(writers)

    async def _viewer_functions(self, model):
        """The stack's key value stores, then a started worker for each CloudFront function
        its behaviors use (kept when its code, runtime and store did not change): the code
        may embed a store's id, so stores come first."""
        self.stores.create(model)
        workers = {}
        for logical, spec in model.viewer_functions.items():
            arns = [model.resolve(arn) for arn in spec.kvs_arns]
            store = self.stores.get(arns[0]) if arns else None
            if arns and store is None:
                raise UsageError(f"CloudFront function {spec.name}: its key value store "
                                 f"{arns[0]} is not in this app")
            code = model.resolve(spec.code)
            code = code if isinstance(code, str) else ""
            old = self._function_pools.get(logical)
            if old is not None and (old.code, old.spec.runtime, old.store) == \
                    (code, spec.runtime, store):
                workers[logical] = old
                continue
            workers[logical] = await FunctionPool.start(spec, code, store)
            if old is not None:
                old.close()
            self._function_pools[logical] = workers[logical]
        return workers

    def _listen(self, key, port, handler, tls=None):
        """The listener of `key` (a distribution, a load balancer, the API), now serving
        `handler`; made on a free port (or `port`) the first time."""
        listener = self._listeners.get(key)
        if listener is not None:
            listener.handler = handler
            return listener
        try:
            listener = Listener(LOOPBACK, port, handler, tls)
        except OSError as err:
            raise UsageError(f"cannot listen on {LOOPBACK}:{port}: {err.strerror}") from None
        if self.spill:
            listener.error_log = os.path.join(self.spill, "emulator-errors.log")
        self._listeners[key] = listener
        if getattr(self, "_started", False):
            listener.start(self.loop)
        return listener

    def _retire(self, distribution_ids, alb_ids):
        """Close what the app no longer has: listeners, and pools no tier uses."""
        for key in list(self._listeners):
            kind, name = key if isinstance(key, tuple) else (key, None)
            if (kind == "distribution" and name not in distribution_ids) or \
                    (kind == "alb" and name not in alb_ids):
                self._listeners.pop(key).close()
        used = {spec.identity for model in self.models for spec in _specs(model)}
        for key in [k for k, pool in self._pools.items() if pool.spec.identity not in used]:
            self._pools.pop(key).close()

    def pool(self, spec, region):
        """The environments of one function version in one region, shared by every trigger
        and origin that uses it, as Lambda shares them."""
        key = (spec.identity, region)
        if key not in self._pools:
            self._pools[key] = Pool(spec, region, self.shipper, *self._lifetimes,
                                    self._init_errors, self._env_routing)
        # The same function read again: its next environments start from the new folder.
        self._pools[key].spec = spec
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
        for listener in self._listeners.values():
            self._loop_thread.soon(listener.start, self.loop)
        return self

    def reload(self, cdk_out):
        """Read the app again from `cdk_out` and serve it on the same ports; UsageError (and
        the app as it was) when it cannot be read."""
        models = read_stacks(cdk_out, self.stack_name, self.origins)
        previous = self.models
        self.models = models
        try:
            self.call(self._wire())
        except BaseException:
            self.models = previous
            raise
        self.model = models[0]

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
            "Distributions": dict(self.urls),
            "DistributionIds": {t.logical_id: i for i, t in self.tiers.items()},
            "LoadBalancers": dict(self.alb_urls), "Buckets": dict(self.buckets.names),
            "LogsEndpoint": self.logs_endpoint, "S3Endpoint": self.logs_endpoint,
            "ApiEndpoint": self.api_url, "KvsEndpoint": self.kvs_url,
            "Certificate": self.certificate,
            "KeyValueStores": {s.name: s.arn for s in self.stores.by_arn.values()},
            "FunctionLogGroups": {f["name"]: f["logGroup"] for f in self.functions()},
            "StandardLogs": [{"DistributionId": i, "Kind": kind, "ForecastArgs": args}
                             for i, kind, args in self.standard_logs()]}
        return found

    def standard_logs(self):
        """Each distribution's standard logs, legacy and v2, as the forecast reads them:
        (distribution id, "legacy" or "v2", the forecast's arguments)."""
        return [(i, writer.kind, writer.replay_args())
                for i, tier in self.tiers.items() for writer in tier.log_writers]

    # --- what tests and tools ask (the control API, the pytest fixture) --------------------

    def functions(self):
        """Every function the app runs: name, kind, runtime, logical id, CDK path, stack and
        log group."""
        found, seen = [], set()
        for model in self.models:
            for spec in _specs(model):
                if spec.identity[:1] + (spec.edge,) in seen:
                    continue
                seen.add(spec.identity[:1] + (spec.edge,))
                found.append({"name": spec.name, "kind": "lambda-edge" if spec.edge else
                              "lambda", "runtime": spec.runtime, "logicalId": spec.logical_id,
                              "cdkPath": spec.cdk_path, "stack": model.stack_name,
                              "logGroup": spec.log_group()})
            for spec in model.viewer_functions.values():
                found.append({"name": spec.name, "kind": "cloudfront-function",
                              "runtime": spec.runtime, "logicalId": spec.logical_id,
                              "cdkPath": spec.cdk_path, "stack": model.stack_name,
                              "logGroup": spec.log_group()})
        return found

    def function(self, wanted):
        """The function `wanted` names: its name, logical id or CDK path; else one segment of
        its CDK path (a construct id: `Rewrite` in `Stack/Rewrite/Resource`); else a part of
        its name, logical id or path. The first of these that names one function alone
        wins; UsageError when none does."""
        every = self.functions()
        tiers = (
            lambda f: wanted in (f["name"], f["logicalId"], f["cdkPath"]),
            lambda f: wanted in f["cdkPath"].split("/")[1:] and wanted != "Resource",
            lambda f: any(wanted.lower() in n.lower()
                          for n in (f["name"], f["logicalId"], f["cdkPath"])),
        )
        for matches in tiers:
            found = [f for f in every if matches(f)]
            if len(found) == 1:
                return found[0]
            if found:
                raise UsageError(f"{wanted!r} names {len(found)} functions: "
                                 + ", ".join(f["name"] for f in found))
        raise UsageError(f"no function {wanted!r}; the app has "
                         + ", ".join(f["name"] for f in every))

    def distributions(self):
        return [{"logicalId": tier.logical_id, "id": distribution_id,
                 "url": self.urls[tier.logical_id]}
                for distribution_id, tier in self.tiers.items()]

    def environments(self):
        """Every live execution environment."""
        return [{"function": pool.spec.name, "region": pool.region, "id": env.id,
                 "invocations": env.invocations, "ageSeconds": round(env.age, 3),
                 "busy": env in pool.busy}
                for pool in self.pools() for env in pool.environments()]

    async def recycle(self, function=None, region=None):
        """Retire the environments of one function, one region, or all: the next request
        starts a fresh one. How many were live."""
        name = self.function(function)["name"] if function else None
        return sum(pool.recycle() for pool in self.pools()
                   if name in (None, pool.spec.name) and region in (None, pool.region))

    async def invalidate(self, paths, distribution=None):
        """Drop the cached objects under `paths` (an invalidation); how many were dropped."""
        tiers = [t for i, t in self.tiers.items() if distribution in (None, i, t.logical_id)]
        if not tiers:
            raise UsageError(f"no distribution {distribution!r}")
        return sum(tier.caches.invalidate(paths) for tier in tiers)

    def log_lines(self, function, region=None):
        """[(region, line)] of a function's log group so far."""
        self.shipper.drain()  # every line written before this call is in the store
        return self.logs.lines({self.function(function)["logGroup"]}, region)

    async def reset(self):
        """Caches emptied, environments recycled, CloudFront Functions restarted, function
        logs cleared (here and in CloudWatch Logs), key value stores back to their data
        from the template. S3 content stays."""
        for tier in self.tiers.values():
            tier.caches.clear()
        for pool in self.pools():
            pool.recycle()
        for pool in self._function_pools.values():
            pool.restart()
        for store in self.stores.by_arn.values():
            store.reset()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._clear_logs)

    def _clear_logs(self):
        self.shipper.flush()
        groups = self.logs.groups()
        self.logs.clear()
        self.shipper.delete_groups(groups)

    # --- stopping ----------------------------------------------------------------------------

    async def _close(self):
        """Everything on the loop, in order: no new connection, then the environments and
        workers, then the origin connections."""
        if getattr(self, "_reaper", None) is not None:
            self._reaper.cancel()
        for listener in self._listeners.values():
            listener.close()
        for pool in self.pools():
            pool.close()
        for worker in self._function_pools.values():
            worker.close()
        self.fetcher.close()
        for tier in self.tiers.values():
            for task in list(tier._background):
                task.cancel()

    def stop(self):
        if self._loop_thread.running:
            try:
                self.call(self._close(), timeout=30)
            except (concurrent.futures.TimeoutError, RuntimeError):
                pass
        self._loop_thread.stop()
        for tier in self.tiers.values():
            for writer in tier.log_writers:
                writer.close()  # the last records, as CloudFront delivers them too
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.shipper.close()
        self.tls.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _specs(model):
    """Every Lambda function spec of a stack: edge associations, ALB targets, URL targets."""
    return [*(a.function for a in model.associations), *model.functions.values(),
            *model.function_urls.values()]
