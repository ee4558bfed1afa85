// A file under tests/: it needs an entry, whatever its include path.
int support() { return 0; }
