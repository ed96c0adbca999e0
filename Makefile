# mkt — terminal back office.  `make run` and `make test` are the whole
# quick start: both install missing Debian packages first (see `deps`).

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
SANITIZE  ?=

comma     := ,
# Sanitized objects live apart so switching SANITIZE never mixes them.
BUILD     := build/$(if $(SANITIZE),asan,release)
GEN       := $(BUILD)/gen

PKGS      := ncursesw sqlite3 libcjson libcurl
# mktd, the reference server, and the integration tests that drive it.
MKTD_PKGS := libmicrohttpd sqlite3 libcjson zlib libcrypt libcrypto
ITEST_PKGS := libcurl libcjson sqlite3

CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
SAN_FLAGS := $(if $(SANITIZE),-fsanitize=address$(comma)undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
MKTD_CFLAGS = $(shell pkg-config --cflags $(MKTD_PKGS))
MKTD_LIBS   = $(shell pkg-config --libs $(MKTD_PKGS))
ITEST_LIBS  = $(shell pkg-config --libs $(ITEST_PKGS) cmocka)
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) \
             $(if $(filter src/mktd/%,$<),$(MKTD_CFLAGS) -Isrc/mktd) \
             -DMKT_VERSION=\"$(VERSION)\" -Isrc -Iui -I$(GEN) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

CORE_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
UI_SRC    := $(wildcard ui/*.c)
GEN_SRC   := $(GEN)/migrations.c $(GEN)/assets.c $(GEN)/server_migrations.c
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/%.o) $(GEN_SRC:.c=.o)
# An archive, so mktd pulls in only the core it uses (not the libcurl
# client) and every program links the same objects.
CORE_LIB  := $(BUILD)/libmktcore.a
UI_OBJ    := $(UI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MKTD_SRC  := $(wildcard src/mktd/*.c)
MKTD_OBJ  := $(MKTD_SRC:%.c=$(BUILD)/%.o)
ITEST_SRC := $(wildcard tests/integration/test_*.c)
ITEST_BIN := $(ITEST_SRC:tests/integration/%.c=$(BUILD)/itests/%)
ITEST_LIB := $(filter-out $(ITEST_SRC),$(wildcard tests/integration/*.c))
SERVER_MIGRATIONS := $(sort $(wildcard db/server/[0-9]*.sql))
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

MIGRATIONS := $(sort $(wildcard db/[0-9]*.sql))
ASSETS     := $(sort $(wildcard assets/demo/*.txt))

.PHONY: all deps deps-build binaries run test unit integration e2e bench install uninstall clean

all: deps-build
	@$(MAKE) --no-print-directory binaries

binaries: $(BUILD)/mkt $(if $(MKTD_SRC),$(BUILD)/mktd)
	@ln -sf $(BUILD)/mkt mkt
	@$(if $(MKTD_SRC),ln -sf $(BUILD)/mktd mktd,true)

# ---- dependencies -------------------------------------------------------
# Each entry is check:package.  A check is a pkg-config module or, with a
# leading "!", a command.  Root installs with apt-get; anyone else is told
# the exact command to run.
BUILD_DEPS := ncursesw:libncurses-dev sqlite3:libsqlite3-dev \
              libcjson:libcjson-dev !cc:gcc !pkg-config:pkgconf \
              libcurl:libcurl4-openssl-dev \
              libmicrohttpd:libmicrohttpd-dev zlib:zlib1g-dev \
              libcrypt:libcrypt-dev libcrypto:libssl-dev
TEST_DEPS  := cmocka:libcmocka-dev !tmux:tmux !curl:curl

define install_missing
	@missing=""; \
	for e in $(1); do \
	  c=$${e%%:*}; p=$${e#*:}; \
	  case $$c in \
	    !*) command -v $${c#!} >/dev/null 2>&1 || missing="$$missing $$p";; \
	    *)  pkg-config --exists $$c 2>/dev/null || missing="$$missing $$p";; \
	  esac; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "mkt: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "mkt: missing packages; run:" >&2; \
	  echo "  sudo apt-get install -y$$missing" >&2; exit 1; \
	fi
endef

deps-build:
	$(call install_missing,$(BUILD_DEPS))

deps:
	$(call install_missing,$(BUILD_DEPS) $(TEST_DEPS))

# ---- build ---------------------------------------------------------------
$(BUILD)/mkt: $(BUILD)/src/main.o $(UI_OBJ) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -lpthread

$(BUILD)/mktd: $(MKTD_OBJ) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MKTD_LIBS) -lm -lpthread

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(GEN)/%.o: $(GEN)/%.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# SQL migrations and demo corpora are compiled in, so the binary needs no
# data files at run time.  Each file becomes one C string.
define embed
	@mkdir -p $(GEN)
	@{ echo '/* generated from $(2) — do not edit */'; \
	   echo '#include "embed.h"'; \
	   echo 'const struct embedded_file $(1)[] = {'; \
	   for f in $(2); do \
	     printf '  { "%s",\n' "$$(basename $$f)"; \
	     sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/    "/' -e 's/$$/\\n"/' $$f; \
	     echo '  },'; \
	   done; \
	   echo '  { 0, 0 }'; echo '};'; } > $@
endef

$(GEN)/migrations.c: $(MIGRATIONS) Makefile
	$(call embed,embedded_migrations,$(MIGRATIONS))

$(GEN)/assets.c: $(ASSETS) Makefile
	$(call embed,embedded_assets,$(ASSETS))

$(GEN)/server_migrations.c: $(SERVER_MIGRATIONS) Makefile
	$(call embed,embedded_server_migrations,$(SERVER_MIGRATIONS))

$(CORE_OBJ) $(UI_OBJ) $(MKTD_OBJ) $(BUILD)/src/main.o: | $(GEN_SRC)

# ---- run -----------------------------------------------------------------
run: all
	@if [ ! -t 0 ] || [ ! -t 1 ]; then \
	  echo "make run: mkt needs a terminal (stdin and stdout must be a tty)." >&2; exit 1; fi
	./mkt --demo

# ---- tests ---------------------------------------------------------------
$(BUILD)/tests/%: tests/unit/%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CORE_LIB) $(ALL_LDFLAGS) $(PKG_LIBS) $(shell pkg-config --cflags --libs cmocka) -lm -lpthread

$(BUILD)/itests/%: tests/integration/%.c $(ITEST_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/integration -o $@ $< $(ITEST_LIB) $(CORE_LIB) $(ALL_LDFLAGS) $(ITEST_LIBS) $(PKG_LIBS) -lm -lpthread

# Test tools (the fault-injecting proxy) are standalone programs.
$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -lpthread

TEST_ENV = MKT_BIN=$(BUILD)/mkt MKTD_BIN=$(BUILD)/mktd UNIT_BINS="$(UNIT_BIN)" \
           ITEST_BINS="$(ITEST_BIN)" TOOL_DIR=$(BUILD)/tools SANITIZE=$(SANITIZE)

test: deps
	@$(MAKE) --no-print-directory binaries $(UNIT_BIN) $(ITEST_BIN) $(TOOL_BIN)
	@$(TEST_ENV) tests/run.sh

integration: deps
	@$(MAKE) --no-print-directory binaries $(ITEST_BIN) $(TOOL_BIN)
	@$(TEST_ENV) tests/run.sh integration

unit: deps
	@$(MAKE) --no-print-directory $(UNIT_BIN)
	@$(TEST_ENV) tests/run.sh unit

e2e: deps
	@$(MAKE) --no-print-directory binaries $(TOOL_BIN)
	@$(TEST_ENV) tests/run.sh e2e

# make bench [BENCH_SCALE=large|small]: figures on the real binaries and
# generated data (tests/bench/bench.sh says what and how); nothing is
# asserted.
bench: deps
	@$(MAKE) --no-print-directory binaries $(TOOL_BIN)
	@$(TEST_ENV) tests/bench/bench.sh

# ---- install -------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/doc/mkt
	install -m 755 $(BUILD)/mkt $(DESTDIR)$(PREFIX)/bin/mkt
	install -m 644 assets/mkt.1 $(DESTDIR)$(PREFIX)/share/man/man1/mkt.1
	install -m 644 mkt.conf README.md $(DESTDIR)$(PREFIX)/share/doc/mkt/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mkt $(DESTDIR)$(PREFIX)/share/man/man1/mkt.1
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/mkt

clean:
	rm -rf build mkt mktd

-include $(shell find build -name '*.d' 2>/dev/null)
