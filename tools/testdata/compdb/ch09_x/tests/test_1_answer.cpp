// The fixture chapter's test file.
#include "ch09_x/answer.hpp"

int main() { return ch09::answer() == 42 ? 0 : 1; }
