// core/trace.hpp: record what an executor does, as a Chrome trace you can open in Perfetto.
//
// Contract:
// - core::traced(name, fut) wraps any core::Future in a core::Traced<F> with
//   the same Output (passed through unchanged, exceptions too). It also wraps
//   the waker it is polled with, so it sees every wake, from any thread.
//   Nothing in the executor has to cooperate: it works on the learner's
//   executors as well as on the reference ones.
// - While recording is on (core::trace::start() ... stop()), each poll
//   becomes a complete span ("ph":"X", ts/dur in microseconds) on the thread
//   that ran it, each wake an instant event ("ph":"i") on the thread that
//   called wake(), and completion an instant "done" event. Each poll span
//   says which thread woke it last.
// - Threads get small integer ids in the order they first show up;
//   core::trace::name_thread("worker 1") gives the calling thread a name.
// - core::trace::write_json(path) writes everything recorded so far as a
//   Chrome trace-event JSON file: open it at https://ui.perfetto.dev ("Open
//   trace file") or in chrome://tracing. json() returns the same text.
// - The recorder is process-wide and thread-safe (one mutex: good enough for
//   a workbook; a production tracer keeps a buffer per thread). With
//   recording off, a Traced future costs one atomic load per poll.
//
// Rust counterpart: tracing + tracing-chrome, or tokio-console's task
// instrumentation, shrunk to one wrapper future.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/future.hpp"
#include "core/poll.hpp"
#include "core/scope_exit.hpp"
#include "core/waker.hpp"

namespace core::trace {

using Clock = std::chrono::steady_clock;

namespace detail {

struct Event {
    char phase;        // 'X' span, 'i' instant
    std::string name;
    double ts_us;
    double dur_us;     // spans only
    int tid;
    std::string args;  // a rendered JSON object, or empty
};

inline std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

class Recorder {
public:
    // Created on first use and never destroyed, like the shared timer
    // (core/sleep.hpp): a traced future polled or woken during exit (by an
    // executor at namespace scope) must not find a destroyed recorder.
    static Recorder& instance() {
        static Recorder* const recorder = new Recorder();
        return *recorder;
    }

    // relaxed: the flag only decides whether to record; the events
    // themselves are published under the mutex.
    bool on() const { return on_.load(std::memory_order_relaxed); }

    void start() {
        std::lock_guard lock(mutex_);
        events_.clear();
        t0_ = Clock::now();
        on_.store(true, std::memory_order_relaxed);
    }
    void stop() { on_.store(false, std::memory_order_relaxed); }

    double now_us() const {
        std::lock_guard lock(mutex_);
        return std::chrono::duration<double, std::micro>(Clock::now() - t0_).count();
    }
    double since_start_us(Clock::time_point t) const {
        std::lock_guard lock(mutex_);
        return std::chrono::duration<double, std::micro>(t - t0_).count();
    }

    void record(Event e) {
        std::lock_guard lock(mutex_);
        if (on()) events_.push_back(std::move(e));
    }
    void name_thread(int tid, std::string name) {
        std::lock_guard lock(mutex_);
        names_[tid] = std::move(name);
    }
    void note_thread(int tid) {
        std::lock_guard lock(mutex_);
        names_.try_emplace(tid, "thread " + std::to_string(tid));
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return events_.size();
    }

    std::string json() const {
        std::lock_guard lock(mutex_);
        std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
        char buf[64];
        bool first = true;
        auto sep = [&] {
            if (!first) out += ",\n";
            first = false;
        };
        sep();
        out += R"({"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"executor"}})";
        for (const auto& [tid, name] : names_) {
            sep();
            out += R"({"name":"thread_name","ph":"M","pid":1,"tid":)" + std::to_string(tid) +
                   R"(,"args":{"name":")" + escape(name) + "\"}}";
            sep();
            out += R"({"name":"thread_sort_index","ph":"M","pid":1,"tid":)" + std::to_string(tid) +
                   R"(,"args":{"sort_index":)" + std::to_string(tid) + "}}";
        }
        for (const auto& e : events_) {
            sep();
            out += "{\"name\":\"" + escape(e.name) + "\",\"ph\":\"";
            out += e.phase;
            std::snprintf(buf, sizeof buf, "\",\"ts\":%.3f", e.ts_us);
            out += buf;
            if (e.phase == 'X') {
                std::snprintf(buf, sizeof buf, ",\"dur\":%.3f", e.dur_us);
                out += buf;
            } else {
                out += ",\"s\":\"t\"";  // an instant scoped to its thread
            }
            out += ",\"pid\":1,\"tid\":" + std::to_string(e.tid);
            if (!e.args.empty()) out += ",\"args\":" + e.args;
            out += "}";
        }
        out += "\n]}\n";
        return out;
    }

private:
    Recorder() = default;
    mutable std::mutex mutex_;
    std::atomic<bool> on_{false};
    Clock::time_point t0_ = Clock::now();
    std::vector<Event> events_;
    std::map<int, std::string> names_;
};

}  // namespace detail

// The calling thread's id in the trace: 1, 2, 3, ... in order of first use.
inline int thread_id() {
    static std::atomic<int> next{1};
    // relaxed: only uniqueness matters, which fetch_add gives in any order.
    thread_local const int id = next.fetch_add(1, std::memory_order_relaxed);
    return id;
}

// A number for each traced future, so two tasks with one name stay apart.
inline int next_future_id() {
    static std::atomic<int> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);  // relaxed: uniqueness only
}

inline void start() {
    detail::Recorder::instance().start();
    detail::Recorder::instance().note_thread(thread_id());
}
inline void stop() { detail::Recorder::instance().stop(); }
inline bool enabled() { return detail::Recorder::instance().on(); }
inline void name_thread(std::string name) { detail::Recorder::instance().name_thread(thread_id(), std::move(name)); }
inline std::size_t event_count() { return detail::Recorder::instance().size(); }
inline std::string json() { return detail::Recorder::instance().json(); }

inline void write_json(const std::string& path) {
    std::ofstream out(path);
    out << json();
    if (!out) throw std::runtime_error("core::trace::write_json: cannot write " + path);
}

}  // namespace core::trace

namespace core {

namespace detail {
// What a Traced future shares with the wakers it hands out.
struct TraceTarget {
    std::string name;
    int id;
    std::atomic<int> last_waker_tid{0};  // relaxed: a diagnostic, not a synchronisation
};

// Wraps the executor's waker: records the wake, then passes it on.
class TracedWake : public Wake {
public:
    TracedWake(Waker inner, std::shared_ptr<TraceTarget> target)
        : inner_(std::move(inner)), target_(std::move(target)) {}
    void wake() override {
        auto& rec = trace::detail::Recorder::instance();
        if (rec.on()) {
            int tid = trace::thread_id();
            rec.note_thread(tid);
            target_->last_waker_tid.store(tid, std::memory_order_relaxed);
            rec.record({'i', "wake " + target_->name, rec.now_us(), 0, tid,
                        R"({"future":")" + trace::detail::escape(target_->name) + " #" +
                            std::to_string(target_->id) + "\"}"});
        }
        inner_.wake();
    }
    const Waker& inner() const { return inner_; }

private:
    Waker inner_;  // never changed after construction: wake() may run on any thread
    std::shared_ptr<TraceTarget> target_;
};
}  // namespace detail

template <Future F>
class [[nodiscard]] Traced {
public:
    using Output = OutputOf<F>;

    Traced(std::string name, F inner) : inner_(std::move(inner)) {
        target_ = std::make_shared<detail::TraceTarget>();
        target_->name = std::move(name);
        target_->id = trace::next_future_id();
    }

    Poll<Output> poll(Context& cx) {
        auto& rec = trace::detail::Recorder::instance();
        if (!rec.on()) return inner_.poll(cx);

        // Reuse the wrapper while the executor's waker is the same, so the
        // inner future's will_wake() checks keep working; a new executor
        // waker gets a new wrapper (the old one may still be in use elsewhere).
        // Held weakly: the wrapper holds the executor's waker, which usually
        // owns the task that owns this future, so a strong reference here
        // would be a cycle (task -> future -> wrapper -> waker -> task) and an
        // abandoned task would never be freed. If nobody kept the wrapper (the
        // inner future stored no waker), there is no will_wake to keep
        // working, and a new one is as good.
        auto wake = wake_.lock();
        if (!wake || !wake->inner().will_wake(cx.waker())) {
            wake = std::make_shared<detail::TracedWake>(cx.waker(), target_);
            wake_ = wake;
        }
        Waker waker = Waker::from(std::move(wake));
        Context inner_cx(waker);

        int tid = trace::thread_id();
        rec.note_thread(tid);
        ++polls_;
        auto t0 = Clock::now();
        const char* result = "threw";
        ScopeExit record_span([&]() noexcept {  // on every way out, exceptions included
            double dur = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
            int woken_by = target_->last_waker_tid.load(std::memory_order_relaxed);
            std::string args = R"({"future":")" + trace::detail::escape(target_->name) + " #" +
                               std::to_string(target_->id) + R"(","poll":)" + std::to_string(polls_) +
                               R"(,"result":")" + result + "\"" +
                               (woken_by ? R"(,"woken_by_tid":)" + std::to_string(woken_by) : "") + "}";
            double ts = rec.since_start_us(t0);
            rec.record({'X', target_->name, ts, dur, tid, args});
            if (std::string_view(result) != "pending")
                rec.record({'i', "done " + target_->name, ts + dur, 0, tid, args});
        });
        Poll<Output> p = inner_.poll(inner_cx);
        result = p.is_ready() ? "ready" : "pending";
        return p;
    }

private:
    using Clock = trace::Clock;
    F inner_;
    std::shared_ptr<detail::TraceTarget> target_;
    std::weak_ptr<detail::TracedWake> wake_;  // weak: see poll()
    int polls_ = 0;
};

template <class F>
    requires Future<std::remove_cvref_t<F>>
Traced<std::remove_cvref_t<F>> traced(std::string name, F&& future) {
    return Traced<std::remove_cvref_t<F>>(std::move(name), std::forward<F>(future));
}

}  // namespace core
