// A model of one rule of the C++ memory model, for the handshake between a
// thread that queues work and a worker going to sleep (ch07's Idle, in
// solutions/ch07_work_stealing/idle.hpp): can both miss each other?
//
//   pusher                               parker
//   W1  push: store the queue's tail     U2  RMW of the idle word (count out)
//   F1  seq_cst fence (optional)         F2  seq_cst fence (optional)
//   R1  read the idle word               R2  last look: load the queue's tail
//
// "Both miss" is R1 reading the idle word from before U2 (so the pusher wakes
// nobody) and R2 reading the tail from before W1 (so the parker sleeps). No
// value crosses between the threads then, so nothing synchronizes, and the
// outcome is forbidden only if [atomics.order] p4 (C++20) forbids it: there
// is a single total order S on all seq_cst operations, fences included, with
// (first) A before B in S when A and B are seq_cst and A strongly happens
// before B (here: sequenced before), and (second) for A coherence-ordered
// before B on one object (p3; here: R1 before U2 on the idle word, R2 before
// W1 on the tail):
//   4.1  A and B seq_cst: A before B;
//   4.2  A seq_cst, B happens before a seq_cst fence Y: A before Y;
//   4.3  a seq_cst fence X happens before A, B seq_cst: X before B;
//   4.4  a seq_cst fence X happens before A, B happens before a seq_cst
//        fence Y: X before Y.
// Such an S exists exactly when these constraints have no cycle, which is
// what the model checks. A pusher that reads the idle word with a
// read-modify-write (tokio's fetch_add(0, SeqCst)) is a different rule: two
// RMWs of one word are ordered in its modification order, and the later one
// reads the earlier's write (or one after it in its release sequence), so the
// push happens before the parker's last look ([atomics.order] p2,
// [intro.races] p5 and p18 write-read coherence).
#include "testing/catch.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace seq_cst_model {

struct Op {
    enum Kind { store, load, rmw, fence } kind;
    const char* name;
    bool seq_cst;
};

struct Handshake {
    bool pusher_fence;       // F1
    bool pusher_reads_rmw;   // R1 is fetch_add(0, seq_cst) instead of a seq_cst load
    bool parker_fence;       // F2
    bool last_look_seq_cst;  // R2 is a seq_cst load instead of an acquire load
};

struct Verdict {
    bool both_may_miss;
    std::string why;  // a witness order S, or the cycle / rule that forbids the outcome
};

Verdict check(const Handshake& h) {
    if (h.pusher_reads_rmw)
        return {false, "R1 and U2 are read-modify-writes of one word: the later reads the earlier's write, so "
                       "R1 synchronizes with U2 (or U2's write is seen by R1), and W1 happens before R2"};
    // The two threads' operations in program order; indices into `ops`.
    std::vector<Op> ops;
    std::vector<std::size_t> pusher, parker;
    auto add = [&](std::vector<std::size_t>& thread, Op op) {
        thread.push_back(ops.size());
        ops.push_back(op);
        return ops.size() - 1;
    };
    const std::size_t w1 = add(pusher, {Op::store, "W1 (push: release store of the tail)", false});
    if (h.pusher_fence) add(pusher, {Op::fence, "F1 (pusher's seq_cst fence)", true});
    const std::size_t r1 = add(pusher, {Op::load, "R1 (pusher reads the idle word, seq_cst)", true});
    const std::size_t u2 = add(parker, {Op::rmw, "U2 (parker's seq_cst RMW of the idle word)", true});
    if (h.parker_fence) add(parker, {Op::fence, "F2 (parker's seq_cst fence)", true});
    const std::size_t r2 =
        add(parker, {Op::load, h.last_look_seq_cst ? "R2 (last look, seq_cst load)" : "R2 (last look, acquire load)",
                     h.last_look_seq_cst});

    const std::size_t n = ops.size();
    std::vector<std::vector<bool>> before(n, std::vector<bool>(n, false));  // constraints on S
    auto thread_of = [&](std::size_t i) -> const std::vector<std::size_t>& {
        for (std::size_t j : pusher)
            if (j == i) return pusher;
        return parker;
    };
    auto sequenced = [&](std::size_t a, std::size_t b) {  // a sequenced before b (hence happens before)
        const auto& t = thread_of(a);
        if (&t != &thread_of(b)) return false;
        std::size_t pa = 0, pb = 0;
        for (std::size_t k = 0; k < t.size(); ++k) {
            if (t[k] == a) pa = k;
            if (t[k] == b) pb = k;
        }
        return pa < pb;
    };
    auto is_fence = [&](std::size_t i) { return ops[i].kind == Op::fence; };
    for (std::size_t a = 0; a < n; ++a)  // first: strongly happens before, between seq_cst operations
        for (std::size_t b = 0; b < n; ++b)
            if (ops[a].seq_cst && ops[b].seq_cst && sequenced(a, b)) before[a][b] = true;
    for (auto [a, b] : {std::pair{r1, u2}, std::pair{r2, w1}}) {  // second: a coherence-ordered before b
        if (ops[a].seq_cst && ops[b].seq_cst) before[a][b] = true;                           // 4.1
        for (std::size_t y = 0; y < n; ++y)
            if (is_fence(y) && sequenced(b, y) && ops[a].seq_cst) before[a][y] = true;        // 4.2
        for (std::size_t x = 0; x < n; ++x)
            if (is_fence(x) && sequenced(x, a) && ops[b].seq_cst) before[x][b] = true;        // 4.3
        for (std::size_t x = 0; x < n; ++x)
            for (std::size_t y = 0; y < n; ++y)
                if (is_fence(x) && is_fence(y) && sequenced(x, a) && sequenced(b, y)) before[x][y] = true;  // 4.4
    }
    // A total order exists iff the constraints among seq_cst operations have
    // no cycle: build one greedily (a topological order), or report the rest.
    std::vector<std::size_t> order, left;
    for (std::size_t i = 0; i < n; ++i)
        if (ops[i].seq_cst) left.push_back(i);
    while (!left.empty()) {
        bool placed = false;
        for (std::size_t k = 0; k < left.size() && !placed; ++k) {
            bool free = true;
            for (std::size_t j : left)
                if (before[j][left[k]]) free = false;
            if (free) {
                order.push_back(left[k]);
                left.erase(left.begin() + std::ptrdiff_t(k));
                placed = true;
            }
        }
        if (!placed) {
            std::string cycle = "no order S fits: these constrain each other in a cycle:";
            for (std::size_t j : left) cycle += std::string("\n  ") + ops[j].name;
            return {false, cycle};
        }
    }
    std::string witness = "an order S that fits every constraint, with both sides missing:";
    for (std::size_t j : order) witness += std::string("\n  ") + ops[j].name;
    return {true, witness};
}

}  // namespace seq_cst_model

using seq_cst_model::check;
using seq_cst_model::Verdict;

TEST_CASE("model: a push and a park with a seq_cst fence on one side only may miss each other", "[model][ch07]") {
    // ch07's Idle before the fix: the pusher fenced, the parker's last look
    // came right after its RMW, with acquire loads.
    Verdict v = check({/*pusher_fence=*/true, /*pusher_reads_rmw=*/false, /*parker_fence=*/false,
                       /*last_look_seq_cst=*/false});
    INFO(v.why);
    INFO("the model must find the lost wakeup here ([atomics.order] p4 does not forbid it)");
    CHECK(v.both_may_miss);
}

TEST_CASE("model: with a seq_cst fence on both sides (ch07's Idle), a push or a park sees the other",
          "[model][ch07]") {
    Verdict fences = check({true, false, /*parker_fence=*/true, false});
    INFO(fences.why);
    CHECK_FALSE(fences.both_may_miss);
    // A last look made of seq_cst loads would do too (p4, second condition).
    Verdict sc_look = check({true, false, false, /*last_look_seq_cst=*/true});
    INFO(sc_look.why);
    CHECK_FALSE(sc_look.both_may_miss);
    // Without the pusher's fence, the parker's alone is not enough.
    Verdict parker_only = check({/*pusher_fence=*/false, false, true, false});
    INFO(parker_only.why);
    CHECK(parker_only.both_may_miss);
}

TEST_CASE("model: tokio's handshake (the pusher reads the word with fetch_add(0)) needs no fence", "[model][ch07]") {
    Verdict v = check({/*pusher_fence=*/false, /*pusher_reads_rmw=*/true, /*parker_fence=*/false, false});
    INFO(v.why);
    CHECK_FALSE(v.both_may_miss);
}
