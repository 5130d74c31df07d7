# Two commands do all set-up on a fresh Debian 12 machine: `make run` and `make test`.
# Everything else here is what those two are made of.
PRESET ?= release
BIN := build/bin/mashang
DB ?= sqlite:data/mashang.db
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)

.PHONY: all deps build server web run test unit bench format clean

all: build

deps:
	@scripts/bootstrap

server: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)
	@mkdir -p build/bin && cp -f build/$(PRESET)/bin/mashang $(BIN).tmp && mv -f $(BIN).tmp $(BIN)

web: deps
	@cd web && npm run --silent build

build: server web

run: build
	@$(BIN) demo --db $(DB) --data-dir data
	@$(BIN) serve --db $(DB) --data-dir data --listen $(LISTEN)

test: build
	@scripts/test

unit: server
	@build/$(PRESET)/bin/unit_tests

bench: build
	@bench/run

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build web/dist
