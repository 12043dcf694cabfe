# Data Stream Manager. The two commands that matter: `make demo` and `make test`.
# Both install what they need on a fresh Debian machine (npm packages, nats-server, openssl,
# shellcheck) and are safe to re-run.
SHELL := /bin/bash
.DEFAULT_GOAL := help
DSM := node cli/bin/dsm.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# chromium: the local dashboard's browser test; packer: Debian's 1.6.6 checks what it understands of the template.
APT_PACKAGES := nats-server openssl shellcheck chromium packer

.PHONY: help deps npm-deps system-deps demo test typecheck unit synth stacks-check bench bench-book bench-pipeline bench-scale bundle ami ami-check up down status clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

deps: npm-deps system-deps ## install npm and Debian dependencies when missing

# Reinstall only when the lockfile is newer than the last install.
npm-deps: node_modules/.dsm-installed
node_modules/.dsm-installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

system-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

demo: deps ## run the whole pipeline on a local 3-node mTLS cluster and write demo-report.{json,md}
	$(DSM) demo $(DEMO_ARGS)

test: deps typecheck ## typecheck, then every unit and integration test (real nats-server cluster)
	npx vitest run

typecheck: npm-deps
	npx tsc --noEmit -p tsconfig.json

synth: npm-deps ## synthesize the cdktf stacks into cdktf.out/
	npx tsx stacks/main.ts

stacks-check: npm-deps ## real terraform on the synthesized stacks, offline: validate (4 shapes) + terraform test (also in make test)
	npx vitest run stacks/terraform.test.ts

bench: deps bench-book bench-pipeline ## every benchmark, each against its baseline in one run

bench-book: npm-deps ## book engine vs ccxt OrderBook on the same L2 events
	$(DSM) bench book

bench-pipeline: deps ## DSM pipeline vs raw nats.js on the same cluster
	$(DSM) bench pipeline

bench-scale: deps ## DSM vs raw nats.js at 50-10,000 symbols, fan-out 1/4/16, workers inline/1/2; updates bench/RESULTS.md and bench/scale.svg
	$(DSM) bench scale --profile .dsm/profiles --batching

bundle: npm-deps ## the DSM bundle tarball the AMI installs
	bash ami/scripts/make-bundle.sh

ami: bundle ## bake the AMI (needs packer >= 1.9 and AWS credentials)
	cd ami && packer init . && packer build .

ami-check: deps ## check the AMI template and scripts without AWS
	npx vitest run ami

up: deps ## start the local cluster in the background
	$(DSM) up

down: ## stop the local cluster
	$(DSM) down

status:
	$(DSM) status

clean:
	rm -rf cdktf.out dist .dsm demo-report.json demo-report.md demo-latency.svg
