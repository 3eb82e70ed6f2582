# Builds the native tool and tests, the sanitizer build of the tests, the
# WebAssembly module and the assembled web root under build/.
# build.sh installs what this needs and then runs make; call make directly
# only when the toolchain is already in place.

CC ?= gcc
EMCC ?= emcc
BUILD := build

CORE_SRC := $(wildcard c/mb_*.c)
CLI_SRC := $(wildcard c/cli/*.c)
TEST_SRC := $(wildcard tests/c/*.c)

WARNINGS := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
NATIVE_FLAGS := $(WARNINGS) -O2 -g -MMD -MP
SANITIZE_FLAGS := $(WARNINGS) -O1 -g -MMD -MP -fsanitize=address,undefined,float-cast-overflow \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
WASM_FLAGS := -O3 -msimd128 --no-entry -sSTANDALONE_WASM=1 -sALLOW_MEMORY_GROWTH=1 -sFILESYSTEM=0

native_objects = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(2))

CORE_NATIVE := $(call native_objects,native,$(CORE_SRC))
CORE_SANITIZE := $(call native_objects,sanitize,$(CORE_SRC))

WEB_SRC := $(shell find web -type f)
WEB_OUT := $(patsubst web/%,$(BUILD)/web/%,$(WEB_SRC))
CHART_JS := node_modules/chart.js/dist/chart.umd.js

.PHONY: all native wasm web data clean
all: native wasm web data
native: $(BUILD)/native/moe-bif $(BUILD)/native/test-core $(BUILD)/sanitize/test-core $(BUILD)/sanitize/moe-bif
wasm: $(BUILD)/wasm/moe_bif.wasm
web: $(WEB_OUT) $(BUILD)/web/moe_bif.wasm $(BUILD)/web/vendor/chart.umd.js $(BUILD)/web/vendor/chart.js-LICENSE.md \
	$(BUILD)/web/data/digits.csv.gz
# The CLI reads the digits as text; the page decompresses the .gz itself.
data: $(BUILD)/data/digits.csv

$(BUILD)/native/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(NATIVE_FLAGS) -c $< -o $@

$(BUILD)/sanitize/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SANITIZE_FLAGS) -c $< -o $@

$(BUILD)/native/moe-bif: $(CORE_NATIVE) $(call native_objects,native,$(CLI_SRC))
	$(CC) $(NATIVE_FLAGS) $^ -lm -o $@

$(BUILD)/native/test-core: $(CORE_NATIVE) $(call native_objects,native,$(TEST_SRC))
	$(CC) $(NATIVE_FLAGS) $^ -lm -o $@

$(BUILD)/sanitize/moe-bif: $(CORE_SANITIZE) $(call native_objects,sanitize,$(CLI_SRC))
	$(CC) $(SANITIZE_FLAGS) $^ -lm -o $@

$(BUILD)/sanitize/test-core: $(CORE_SANITIZE) $(call native_objects,sanitize,$(TEST_SRC))
	$(CC) $(SANITIZE_FLAGS) $^ -lm -o $@

$(BUILD)/wasm/moe_bif.wasm: $(CORE_SRC) c/wasm_api.c $(wildcard c/*.h)
	@mkdir -p $(dir $@)
	$(EMCC) $(WASM_FLAGS) $(CORE_SRC) c/wasm_api.c -o $@

$(BUILD)/web/%: web/%
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/web/moe_bif.wasm: $(BUILD)/wasm/moe_bif.wasm
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/web/vendor/chart.umd.js: $(CHART_JS)
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/web/vendor/chart.js-LICENSE.md: node_modules/chart.js/LICENSE.md
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/data/digits.csv: data/digits.csv.gz
	@mkdir -p $(dir $@)
	gzip -dc $< > $@

$(BUILD)/web/data/digits.csv.gz: data/digits.csv.gz
	@mkdir -p $(dir $@)
	cp $< $@

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
