"""Backups of a Šalter installation, taken while it runs, and their restore into an empty
one (decision 16; docs/operations.md).

A backup is a directory: the database (`database.sqlite3`, copied with SQLite's online
backup API, or `database.pgdump`, PostgreSQL's custom format from pg_dump), every stored
file the database refers to (`blobs/…`, content-addressed: the file name is its SHA-256),
`manifest.json` (when, which database, how many cases, documents and timeline entries)
and `SHA256SUMS` (`sha256sum -c SHA256SUMS` checks it without Šalter).

Consistent while Šalter writes: the database is copied as of one moment (SQLite's backup
copies a snapshot; pg_dump runs in one transaction, and the list of files is read in a
transaction sharing its snapshot), and the files are immutable once their row is
committed, so every file the copy refers to exists and has the bytes of its name.
"""
