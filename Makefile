# gradlab — `make run` starts the shell, `make test` runs every test.
.PHONY: run test build release bench fuzz deps clean docs format lint

deps:
	@bash scripts/deps.sh

run: deps
	@swift build -c release 2>&1 | grep -vE "^(Compiling|Building|Write|\[)" || true
	@$$(swift build -c release --show-bin-path)/gradlab

test:
	@bash scripts/test.sh

build: deps
	swift build

release: deps
	swift build -c release

# make bench [PEERS=none] [QUICK=1] [SWEEP=1] [REPEAT=3]
bench: deps
	@bash bench/run.sh

# make fuzz [SECONDS=600]
fuzz: deps
	@bash Fuzz/run.sh $${SECONDS:-60}

clean:
	rm -rf .build .build-*

# Regenerates docs/commands.md from the command registry.
docs:
	@swift build 2>&1 | tail -1
	@printf 'help markdown\n' | $$(swift build --show-bin-path)/gradlab | tail -n +2 > docs/commands.md

# make format: swift-format (rules in .swift-format) on the Swift files changed
# since main's merge base, or on every file with ALL=1; make lint only reports.
SWIFT_FILES = $$(if [ -n "$(ALL)" ]; then git ls-files '*.swift'; else git diff --name-only --diff-filter=AM $$(git merge-base HEAD main 2>/dev/null || echo HEAD) -- '*.swift'; fi)
format:
	@files="$(SWIFT_FILES)"; [ -z "$$files" ] || swift format --in-place --configuration .swift-format $$files

lint:
	@files="$(SWIFT_FILES)"; [ -z "$$files" ] || swift format lint --configuration .swift-format $$files
