# Shortcuts; dev.py does the real work (python3 only, nothing else needed).
PYTHON ?= python3
SALTER = .venv/bin/python manage.py
MESSAGES ?= 10000
WORKERS ?= 2
BENCH_POSTGRES ?= postgres://postgres@127.0.0.1:5432/salter_bench

.PHONY: test run bench

test:
	$(PYTHON) dev.py test

run:
	$(PYTHON) dev.py up

# E-mail intake on a throwaway SQLite file, then on a throwaway PostgreSQL database.
bench:
	$(SALTER) bench email --messages $(MESSAGES) --workers $(WORKERS)
	$(SALTER) bench email --messages $(MESSAGES) --workers $(WORKERS) --database-url $(BENCH_POSTGRES)
