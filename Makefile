# baoxiao — see README.md. `make run` and `make test` are all a new machine needs.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/baoxiao
# TESTFLAGS adds go test flags: .ci/run passes -json for its summary.
TESTFLAGS ?=

# The race detector needs cgo and a C compiler; without one the tests still
# run, and say so.
RACE := $(shell command -v gcc >/dev/null 2>&1 && echo -race)

.PHONY: run build test bench lint

run: build
	./$(BIN) serve

# The first build downloads about 430 MB of modules and compiles for some
# minutes with nothing to show: it looked hung. Say what happens, name each
# module as it arrives (go list -x traces the fetches) and each package as
# it compiles (-v). Once the module and build caches are warm, both are
# silent.
build:
	@if ! GOPROXY=off $(GO) list -deps . >/dev/null 2>&1; then \
		echo "make: first build: downloading about 430 MB of Go modules (280 MB of it pdfcpu, which reads PDF invoices); each line is a module that arrived"; \
		$(GO) list -x -deps . 2>&1 >/dev/null | sed -n 's|^# get [a-z]*://[^/]*/\(.*\)/@v/\(.*\)\.zip: |  \1 \2: |p'; \
		echo "make: compiling; the first build takes a few minutes, each line is a package compiled"; \
	fi
	CGO_ENABLED=0 $(GO) build -v -ldflags '$(LDFLAGS)' -o $(BIN) .

test:
	@if [ -z "$(RACE)" ]; then echo "make test: no C compiler found, running without -race"; fi
	@if [ -z "$$MYSQL_TEST_DSN" ]; then echo "make test: MYSQL_TEST_DSN not set, the MySQL runs are skipped (CI sets it)"; fi
	CGO_ENABLED=$(if $(RACE),1,0) $(GO) test $(RACE) -count=1 -timeout 20m $(TESTFLAGS) ./...

# The load run starts `baoxiao serve` on loopback and stops it; it fails on
# over 1% errors or when WeChat (the sandbox) disagrees with a report.
# Bounded and loopback only: Go micro-benchmarks, the load generator on
# SQLite (and MariaDB when MYSQL_TEST_DSN is set), then the races and the
# fault run across three live instances (full profile), the archive export
# of 10,000 originals (time and peak RSS), and the status-sync property
# test for four minutes per database. Each prints a table.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./bench/load -db sqlite -duration 20s
	@if [ -n "$$MYSQL_TEST_DSN" ]; then echo "$(GO) run ./bench/load -db mysql -duration 20s"; $(GO) run ./bench/load -db mysql -duration 20s; \
	else echo "make bench: MYSQL_TEST_DSN not set, the MySQL load run is skipped"; fi
	$(GO) run ./bench/reliability -profile full
	$(GO) run ./bench/archive -n 10000
	BAOXIAO_PROPERTY_BUDGET=4m $(GO) test -run '^TestStatusSyncProperty$$' -count=1 -v ./infra/service/ | grep -E 'seeds|FAIL|ok'

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
