# Moat: `make run` starts the daemon with embedded defaults; `make test` builds once and runs every test.
# A fresh Debian 12 machine needs only the Swift toolchain: `make deps` installs the rest.

SHELL := /bin/bash
SWIFT ?= swift
# Debian packages: C libraries the engines link, and the real peers the end-to-end tests drive.
DEBIAN_PACKAGES := pkg-config libclamav-dev libmagic-dev libmagic-mgc libarchive-dev \
	libzbar-dev libzxing-dev libpng-dev libturbojpeg0-dev libwebp-dev libsqlite3-dev libpcre2-dev libhyperscan-dev libunbound-dev libmimalloc-dev \
	spamassassin spamc spamd \
	zbar-tools python3-zxing-cpp python3-pil python3-dkim python3-spf dnsmasq-base openssl webp qrencode imagemagick publicsuffix postgresql \
	clamav clamav-daemon clamav-testfiles postfix swaks miltertest opendkim python3 procps \
	sasl2-bin libsasl2-modules libsasl2-modules-db libqpdf-dev qpdf poppler-utils chromium chromium-driver python3-selenium fonts-ipafont-gothic \
	file zip p7zip-full jlha-utils genisoimage gcab xz-utils bzip2 python3-venv \
	libreoffice-core libreoffice-writer libreoffice-calc libreoffice-impress netpbm \
	c-icap libc-icap-mod-virus-scan rspamd curl bc
DEBUG_BIN := .build/debug
# oletools (olevba, mraptor) cross-check the macro engine, pdfid the pdf engine; a private virtualenv, pinned.
OLETOOLS := .venv-oletools
OLEVBA := $(CURDIR)/$(OLETOOLS)/bin/olevba
# XLMMacroDeobfuscator in its own environment: beside oletools, olevba imports it and prints a
# warning into its --json output.
XLMTOOLS := .venv-xlm
XLMDEOBFUSCATOR := $(CURDIR)/$(XLMTOOLS)/bin/xlmdeobfuscator
RELEASE_BIN := .build/release

.PHONY: all deps build build-release test lint unit-test e2e-test fuzz fuzz-smoke run bench clean

all: build

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections; \
		echo "postfix postfix/mailname string moat.test" | debconf-set-selections; \
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		status=$$?; rm -f /usr/sbin/policy-rc.d; [ $$status -eq 0 ] || exit $$status; \
	else echo "Debian packages present"; fi

build: deps
	$(SWIFT) build --build-tests

build-release: deps
	$(SWIFT) build -c release

$(OLEVBA):
	python3 -m venv $(OLETOOLS) && $(OLETOOLS)/bin/pip install --quiet oletools==0.60.2 pdfid==1.1.3 || \
		echo "oletools could not be installed: macro cross-checks will be skipped"

# Serial: several suites drive real peers and C libraries that block their thread; run side by side
# on two cores they starve each other's deadlines. Serial runs keep every timing test meaningful.
# The skipped tests are listed at the end, with their reasons: a skip must never pass unnoticed.
$(XLMDEOBFUSCATOR):
	python3 -m venv $(XLMTOOLS) && $(XLMTOOLS)/bin/pip install --quiet XLMMacroDeobfuscator==0.2.7 || \
		echo "XLMMacroDeobfuscator could not be installed: its Excel 4.0 cross-checks will be skipped"

unit-test: build $(OLEVBA) $(XLMDEOBFUSCATOR)
	@set -o pipefail; MOAT_OLEVBA=$(OLEVBA) MOAT_XLMDEOBFUSCATOR=$(XLMDEOBFUSCATOR) MOAT_PDFID=$(CURDIR)/$(OLETOOLS)/bin/python $(SWIFT) test --skip-build --no-parallel 2>&1 | tee .build/unit-test.log
	@echo "== skipped: $$(grep -c '➜.* skipped' .build/unit-test.log || true) tests or suites (the shared corpus, MOAT_BENCH runs, or a tool named below)"
	@grep '➜.* skipped' .build/unit-test.log | sed -E 's/\x1b\[[0-9;]*m//g; s/^.*➜ /   /' || true

# End-to-end scripts against the debug binaries just built (lib.sh and postgres.sh are helpers).
E2E_TESTS := cli.sh admin.sh removal.sh miltertest.sh postfix-milter.sh convert.sh auth.sh tenants.sh outbound.sh console.sh cluster.sh hotplug.sh isolation.sh corpus-findings.sh

e2e-test: build
	@set -e; for script in $(E2E_TESTS); do \
		echo "== $$script"; MOAT_BIN=$(CURDIR)/$(DEBUG_BIN) bash Tests/EndToEnd/$$script; \
	done
	@echo "== moat rules test rules/"; $(DEBUG_BIN)/moat rules test rules/

# Fuzzing (Tests/Fuzz/fuzz.sh): libFuzzer targets built with swiftc into .build-fuzz (the milter and
# wire targets, which need NIO, by SwiftPM into .build-fuzz/spm).
# `make fuzz` runs every target FUZZ_SECONDS (default 300); FUZZ_TARGETS=mime,gif selects; the
# smoke run replays the regressions and fuzzes each target FUZZ_SMOKE_SECONDS (default 4).
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_TARGETS ?=

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" bash Tests/Fuzz/fuzz.sh run

fuzz-smoke: deps
	FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" bash Tests/Fuzz/fuzz.sh smoke

# fuzz-smoke after the unit tests: its builds must not compete with the tests' for CPU.
test: lint unit-test e2e-test
	$(MAKE) fuzz-smoke

# Source checks a compiler does not make (Tests/Lint).
lint:
	python3 Tests/Lint/log-keys.py

run: build-release
	$(RELEASE_BIN)/moatd

bench: build-release
	bash bench/run-foundation.sh

clean:
	rm -rf .build
