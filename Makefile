# Thin wrapper over Meson + Ninja.  `make run` and `make check` are the
# README's first two commands; each installs what it needs on first use.

BUILD       = build
CHECK       = build-check
TSAN        = build-tsan

.PHONY: all run check tsan asan bench soak clean bootstrap

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

bootstrap:
	@sh scripts/bootstrap.sh

$(BUILD)/build.ninja: | bootstrap
	meson setup $(BUILD) --buildtype=release -Dtests=false

$(CHECK)/build.ninja: | bootstrap
	meson setup $(CHECK) --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all

$(TSAN)/build.ninja: | bootstrap
	meson setup $(TSAN) --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false

run: all
	./$(BUILD)/tools/zonedev run

# The test suites under ASan+UBSan, then one summary line.
check: $(CHECK)/build.ninja
	ninja -C $(CHECK)
	meson test -C $(CHECK) --print-errorlogs --num-processes 2 || true
	@sh scripts/test-summary.sh $(CHECK)

asan: check

# Every suite (the concurrent ones above all) under ThreadSanitizer.
tsan: $(TSAN)/build.ninja
	ninja -C $(TSAN)
	meson test -C $(TSAN) --print-errorlogs --num-processes 1 || true
	@sh scripts/test-summary.sh $(TSAN)

bench: all
	./$(BUILD)/tools/zonedev bench all

clean:
	rm -rf $(BUILD) $(CHECK) $(TSAN)
