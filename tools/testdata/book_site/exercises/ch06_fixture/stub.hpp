// The fixture's stub.
int answer() { return 42; }
