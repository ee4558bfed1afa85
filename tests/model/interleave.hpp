// interleave.hpp: a tiny exhaustive scheduler for protocol models.
//
// A race shows up only in some orders of the steps of two or three threads.
// Rather than hoping a stress test hits the bad order, a model test writes
// each thread as a short list of named steps (each step runs atomically, so a
// step is one atomic operation or one critical section) and explore() runs
// EVERY interleaving of them, each on a fresh copy of the shared World, then
// checks an invariant at the end. The first order that breaks it comes back
// as a readable trace, so the test can say exactly how the bug happens.
//
// It models the protocol, not the code: the model and the chapter's reference
// code must follow the same steps, and the book says which steps they are.
// The same idea at full strength is Rust's `loom` crate, which explores the
// interleavings of real code by replacing std's atomics.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace model {

template <class World>
struct Step {
    Step(std::string n, std::function<void(World&)> r, std::function<bool(const World&)> c = {})
        : name(std::move(n)), run(std::move(r)), can_run(std::move(c)) {}
    std::string name;
    std::function<void(World&)> run;
    // A step that blocks (a park, a pop from an empty queue) can run only
    // when this says so. Threads that are all blocked with steps left are a
    // deadlock, which explore() reports as a failure.
    std::function<bool(const World&)> can_run;
};

template <class World>
struct Thread {
    std::string name;
    std::vector<Step<World>> steps;
};

struct Outcome {
    long schedules = 0;                 // interleavings explored
    std::optional<std::string> failure; // the invariant's complaint, if any
    std::string trace;                  // the order of steps that broke it
};

template <class World>
class Explorer {
public:
    using Check = std::function<std::optional<std::string>(const World&)>;

    Explorer(World initial, std::vector<Thread<World>> threads, Check check)
        : initial_(std::move(initial)), threads_(std::move(threads)), check_(std::move(check)) {}

    Outcome explore() {
        Outcome out;
        std::vector<size_t> next(threads_.size(), 0);
        std::vector<std::string> trace;
        visit(initial_, next, trace, out);
        return out;
    }

private:
    // Depth first: at each point, try every thread that still has a step.
    void visit(const World& world, std::vector<size_t>& next, std::vector<std::string>& trace, Outcome& out) {
        if (out.failure) return;  // one counterexample is enough
        bool any = false, unfinished = false;
        for (size_t t = 0; t < threads_.size(); ++t) {
            if (next[t] == threads_[t].steps.size()) continue;
            unfinished = true;
            const auto& step = threads_[t].steps[next[t]];
            if (step.can_run && !step.can_run(world)) continue;
            any = true;
            World copy = world;
            step.run(copy);
            trace.push_back(threads_[t].name + ": " + step.name);
            ++next[t];
            visit(copy, next, trace, out);
            --next[t];
            trace.pop_back();
            if (out.failure) return;
        }
        if (any) return;
        ++out.schedules;
        std::optional<std::string> complaint;
        if (unfinished) {
            complaint = "deadlock: every unfinished thread is blocked";
            for (size_t t = 0; t < threads_.size(); ++t)
                if (next[t] < threads_[t].steps.size())
                    *complaint += "; " + threads_[t].name + " waits at '" + threads_[t].steps[next[t]].name + "'";
        } else {
            complaint = check_(world);
        }
        if (complaint) {
            out.failure = std::move(complaint);
            for (const auto& s : trace) out.trace += "    " + s + "\n";
        }
    }

    World initial_;
    std::vector<Thread<World>> threads_;
    Check check_;
};

}  // namespace model
