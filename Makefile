# gradlab — `make run` starts the shell, `make test` runs every test.
.PHONY: run test build release bench fuzz deps clean docs

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
