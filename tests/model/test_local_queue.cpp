// Model test of chapter 7's local queue: the owner's push and pop against a
// thief's steal, every interleaving of their steps, with a broken twin of
// each side that must be caught. The steps are the ones
// solutions/ch07_work_stealing/local_queue.hpp takes, in its order; each
// step is one atomic operation there.
#include "testing/catch.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "interleave.hpp"

namespace local_queue_model {

using model::Explorer;
using model::Outcome;
using model::Thread;

constexpr int stale = 99;  // what a slot holds before anyone wrote it this lap

struct QueueWorld {
    // shared: head = (steal, real), tail, a ring of 4 slots
    unsigned steal = 0, real = 0, tail = 0;
    int slot[4] = {stale, stale, stale, stale};
    // the owner's locals
    unsigned o_steal = 0, o_real = 0;
    bool o_empty = false;
    std::vector<int> popped;
    // the thief's locals
    unsigned t_steal = 0, t_real = 0, n = 0;
    bool t_gave_up = false;
    std::vector<int> stolen;
};

enum class Broken { none, push_publishes_first, steal_stores_claim };

Outcome explore_queue(Broken broken) {
    auto write = [](int task) {
        return [task](QueueWorld& w) { w.slot[w.tail & 3] = task; };
    };
    auto publish = [](QueueWorld& w) { ++w.tail; };
    auto publish_then_write = [](int task) {  // the broken push: tail first, as two steps below
        return [task](QueueWorld& w) { w.slot[(w.tail - 1) & 3] = task; };
    };
    std::vector<model::Step<QueueWorld>> owner_steps;
    for (int task : {1, 2}) {
        if (broken == Broken::push_publishes_first) {
            owner_steps.push_back({"push " + std::to_string(task) + ": publish tail", publish});
            owner_steps.push_back({"push " + std::to_string(task) + ": write slot", publish_then_write(task)});
        } else {
            owner_steps.push_back({"push " + std::to_string(task) + ": write slot", write(task)});
            owner_steps.push_back({"push " + std::to_string(task) + ": publish tail", publish});
        }
    }
    owner_steps.push_back({"pop: read head", [](QueueWorld& w) {
                               w.o_steal = w.steal;
                               w.o_real = w.real;
                               w.o_empty = w.real == w.tail;
                           }});
    owner_steps.push_back({"pop: CAS head (on failure: read and CAS again)", [](QueueWorld& w) {
                               if (w.o_empty) return;
                               if (w.steal != w.o_steal || w.real != w.o_real) {  // lost the race: retry
                                   w.o_steal = w.steal;
                                   w.o_real = w.real;
                                   if (w.real == w.tail) return;
                               }
                               unsigned r = w.o_real;
                               if (w.steal == r) w.steal = r + 1;
                               w.real = r + 1;
                               w.popped.push_back(w.slot[r & 3]);
                           }});

    std::vector<model::Step<QueueWorld>> thief_steps{
        {"steal: read head and tail", [](QueueWorld& w) {
             w.t_steal = w.steal;
             w.t_real = w.real;
             unsigned len = w.tail - w.real;
             w.n = len - len / 2;
             w.t_gave_up = w.steal != w.real || w.n == 0;
         }},
        {broken == Broken::steal_stores_claim ? "steal: claim by storing head" : "steal: claim by CAS on head",
         [broken](QueueWorld& w) {
             if (w.t_gave_up) return;
             if (broken != Broken::steal_stores_claim && (w.steal != w.t_steal || w.real != w.t_real)) {
                 w.t_gave_up = true;  // the CAS failed; the real code reads again, giving up is one of its paths
                 return;
             }
             w.steal = w.t_steal;
             w.real = w.t_real + w.n;
         }},
        {"steal: copy the claimed slots", [](QueueWorld& w) {
             if (w.t_gave_up) return;
             for (unsigned i = 0; i < w.n; ++i) w.stolen.push_back(w.slot[(w.t_real + i) & 3]);
         }},
        {"steal: release (steal = real)", [](QueueWorld& w) {
             if (!w.t_gave_up) w.steal = w.real;
         }},
    };

    Thread<QueueWorld> owner{"owner", owner_steps};
    Thread<QueueWorld> thief{"thief", thief_steps};
    return Explorer<QueueWorld>(QueueWorld{}, {owner, thief}, [](const QueueWorld& w) -> std::optional<std::string> {
               std::vector<int> out = w.popped;
               out.insert(out.end(), w.stolen.begin(), w.stolen.end());
               for (unsigned i = w.real; i != w.tail; ++i) out.push_back(w.slot[i & 3]);  // still queued
               for (int t : out)
                   if (t == stale) return std::string("a stale slot was handed out as a task (a slot read before it was written)");
               std::sort(out.begin(), out.end());
               if (out != std::vector<int>{1, 2}) {
                   std::string s = "tasks 1 and 2 did not come out exactly once each: got";
                   for (int t : out) s += " " + std::to_string(t);
                   return s;
               }
               return std::nullopt;
           }).explore();
}

std::string describe(const Outcome& o) {
    return o.failure ? *o.failure + "\n  after this order of steps:\n" + o.trace : "no interleaving breaks it";
}

}  // namespace local_queue_model

using namespace local_queue_model;

TEST_CASE("model: the local queue hands every task out exactly once, whatever the interleaving", "[model][ch07]") {
    auto ok = explore_queue(Broken::none);
    INFO(describe(ok));
    CHECK_FALSE(ok.failure);
    CHECK(ok.schedules > 100);
}

TEST_CASE("model: a push that publishes the tail before writing the slot is caught", "[model][ch07]") {
    auto broken = explore_queue(Broken::push_publishes_first);
    REQUIRE(broken.failure);
    CHECK_THAT(*broken.failure, Catch::Contains("stale slot"));
    CHECK_THAT(broken.trace, Catch::Contains("publish tail"));
}

TEST_CASE("model: a steal that claims with a store instead of a CAS is caught", "[model][ch07]") {
    auto broken = explore_queue(Broken::steal_stores_claim);
    REQUIRE(broken.failure);
    CHECK_THAT(*broken.failure, Catch::Contains("exactly once"));
}

TEST_CASE("model: show the local queue's broken variants", "[.][show]") {
    for (auto b : {Broken::push_publishes_first, Broken::steal_stores_claim}) WARN(describe(explore_queue(b)));
}
