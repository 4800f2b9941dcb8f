# The README's two quick-start commands. Each installs what is needed first (scripts/install.sh is
# a no-op once the pinned environment is in place).
.PHONY: install demo test

install:
	bash scripts/install.sh

demo: install
	.venv/bin/harness demo

test: install
	bash scripts/test.sh
