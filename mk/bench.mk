# Erase-engine benchmark (docs/performance.md, "Erase engine"); needs root and fio.
.PHONY: bench
bench:
	bash scripts/bench-erase.sh
