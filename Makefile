# make install: build wirewatch and install it with its systemd unit.
PREFIX  ?= /usr/local
UNITDIR ?= /etc/systemd/system
GO      ?= go

.PHONY: build install test ci

build:
	$(GO) build -trimpath -o wirewatch ./cmd/wirewatch

install: build
	install -D -m 0755 wirewatch $(DESTDIR)$(PREFIX)/bin/wirewatch
	install -D -m 0644 deploy/wirewatch.service $(DESTDIR)$(UNITDIR)/wirewatch.service
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null; then systemctl daemon-reload; fi

test:
	$(GO) test -race ./...

ci:
	.ci/run
