// Tests of core::traced and the trace recorder: the JSON is well-formed
// Chrome trace-event format, one span per poll on the polling thread, wake
// instants on the waking thread, and the future's output passes through.
#include "testing/catch.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/core.hpp"
#include "core/testing.hpp"
#include "core/trace.hpp"

namespace {

// Just enough of a JSON parser to check what the recorder writes: it throws
// on anything that is not JSON.
struct Json {
    enum Kind { null, boolean, number, string, array, object } kind = null;
    double num = 0;
    std::string str;
    std::vector<Json> items;                           // array
    std::vector<std::string> keys;  // object: keys[i] names values[i]
    std::vector<Json> values;

    const Json* get(const std::string& key) const {
        for (size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return &values[i];
        return nullptr;
    }
};

class Parser {
public:
    explicit Parser(std::string text) : s_(std::move(text)) {}
    Json parse() {
        Json v = value();
        skip();
        if (i_ != s_.size()) fail("trailing characters");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& why) {
        throw std::runtime_error("bad JSON at offset " + std::to_string(i_) + ": " + why);
    }
    void skip() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    bool eat(char c) {
        skip();
        if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    Json value() {
        skip();
        if (i_ >= s_.size()) fail("unexpected end");
        Json v;
        char c = s_[i_];
        if (c == '{') {
            v.kind = Json::object;
            ++i_;
            if (eat('}')) return v;
            do {
                skip();
                v.keys.push_back(string_literal());
                expect(':');
                v.values.push_back(value());
            } while (eat(','));
            expect('}');
        } else if (c == '[') {
            v.kind = Json::array;
            ++i_;
            if (eat(']')) return v;
            do v.items.push_back(value());
            while (eat(','));
            expect(']');
        } else if (c == '"') {
            v.kind = Json::string;
            v.str = string_literal();
        } else if (s_.compare(i_, 4, "true") == 0 || s_.compare(i_, 5, "false") == 0) {
            v.kind = Json::boolean;
            i_ += s_[i_] == 't' ? 4 : 5;
        } else if (s_.compare(i_, 4, "null") == 0) {
            i_ += 4;
        } else {
            size_t used = 0;
            try {
                v.num = std::stod(s_.substr(i_, 40), &used);
            } catch (...) {
                fail("not a value");
            }
            v.kind = Json::number;
            i_ += used;
        }
        return v;
    }
    std::string string_literal() {
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string");
        ++i_;
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (static_cast<unsigned char>(c) < 0x20) fail("raw control character in a string");
            if (c == '\\') {
                if (i_ >= s_.size()) fail("dangling escape");
                char e = s_[i_++];
                if (e == 'u') {
                    if (i_ + 4 > s_.size()) fail("short \\u escape");
                    out += '?';
                    i_ += 4;
                    continue;
                }
                if (std::string("\"\\/bfnrt").find(e) == std::string::npos) fail("bad escape");
                out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
                continue;
            }
            out += c;
        }
        if (i_ >= s_.size()) fail("unterminated string");
        ++i_;
        return out;
    }
    std::string s_;
    size_t i_ = 0;
};

// The events of the current recording whose "name" is `name` and "ph" is `ph`.
std::vector<Json> events(const Json& doc, const std::string& ph, const std::string& name) {
    std::vector<Json> out;
    for (const auto& e : doc.get("traceEvents")->items)
        if (e.get("ph")->str == ph && e.get("name")->str == name) out.push_back(e);
    return out;
}

Json recorded() { return Parser(core::trace::json()).parse(); }

// Polls until Ready with the given waker (the futures used here wake
// themselves, or are woken by the test, so no waiting is needed).
template <class F>
core::OutputOf<F> drive(F& f, const core::Waker& w = core::Waker::noop()) {
    core::Context cx(w);
    for (;;) {
        auto p = f.poll(cx);
        if (p.is_ready()) return p.take();
    }
}

core::Async<int> add_after_yields(int a, int b) {
    co_await core::yield_now();
    co_await core::yield_now();
    co_return a + b;
}

core::Async<std::unique_ptr<std::string>> make_box(std::string s) {
    co_await core::yield_now();
    co_return std::make_unique<std::string>(std::move(s));
}

core::Async<void> fail_after_yield() {
    co_await core::yield_now();
    throw std::runtime_error("inner failure");
}

}  // namespace

TEST_CASE("a traced future's output passes through unchanged, move-only values and exceptions too",
          "[core][trace]") {
    core::trace::start();
    auto sum = core::traced("sum", add_after_yields(40, 2));
    CHECK(drive(sum) == 42);
    auto box = core::traced("box", make_box("hello"));
    auto p = drive(box);
    REQUIRE(p);
    CHECK(*p == "hello");
    auto failing = core::traced("failing", fail_after_yield());
    CHECK_THROWS_WITH(drive(failing), "inner failure");
    core::trace::stop();
    auto plain = core::traced("untraced", add_after_yields(1, 2));  // recording off: still works
    CHECK(drive(plain) == 3);
}

TEST_CASE("each poll is one complete span on the thread that polled it", "[core][trace]") {
    core::trace::start();
    auto f = core::traced("probe", core::testing::CountingFuture(3));
    core::Waker w = core::Waker::noop();
    core::Context cx(w);
    CHECK(f.poll(cx).is_pending());  // poll 1 here
    int other_tid = 0;
    std::thread other([&] {
        other_tid = core::trace::thread_id();
        core::Context cx2(w);
        (void)f.poll(cx2);  // poll 2 on another thread
    });
    other.join();
    CHECK(f.poll(cx).is_pending());  // 3
    CHECK(f.poll(cx).is_ready());    // 4
    core::trace::stop();

    Json doc = recorded();
    auto spans = events(doc, "X", "probe");
    REQUIRE(spans.size() == 4);
    std::vector<int> tids;
    double last_ts = -1;
    for (const auto& s : spans) {
        tids.push_back(static_cast<int>(s.get("tid")->num));
        CHECK(s.get("dur")->num >= 0);
        CHECK(s.get("ts")->num >= last_ts);
        last_ts = s.get("ts")->num;
        REQUIRE(s.get("pid"));
        REQUIRE(s.get("args"));
    }
    int me = core::trace::thread_id();
    CHECK(tids == std::vector<int>{me, other_tid, me, me});
    CHECK(spans[3].get("args")->get("result")->str == "ready");
    CHECK(spans[0].get("args")->get("result")->str == "pending");
    CHECK(events(doc, "i", "done probe").size() == 1);
}

TEST_CASE("a wake is an instant event on the waking thread, and still reaches the executor's waker",
          "[core][trace]") {
    core::trace::start();
    core::testing::Trigger trigger;
    core::testing::CountingWaker executor_waker;
    auto f = core::traced("trigger", trigger.future());
    core::Context cx(executor_waker.waker());
    REQUIRE(f.poll(cx).is_pending());
    int waker_tid = 0;
    std::thread firer([&] {
        waker_tid = core::trace::thread_id();
        trigger.fire();
    });
    firer.join();
    CHECK(executor_waker.wakes() == 1);  // passed on to the real waker
    REQUIRE(f.poll(cx).is_ready());
    core::trace::stop();

    Json doc = recorded();
    auto wakes = events(doc, "i", "wake trigger");
    REQUIRE(wakes.size() == 1);
    CHECK(static_cast<int>(wakes[0].get("tid")->num) == waker_tid);
    CHECK(waker_tid != core::trace::thread_id());
    auto spans = events(doc, "X", "trigger");
    REQUIRE(spans.size() == 2);
    REQUIRE(spans[1].get("args")->get("woken_by_tid"));
    CHECK(static_cast<int>(spans[1].get("args")->get("woken_by_tid")->num) == waker_tid);
}

TEST_CASE("the wrapped waker keeps will_wake working across polls", "[core][trace]") {
    core::trace::start();
    struct Probe {  // records whether each poll's waker will_wake the previous one
        using Output = void;
        std::shared_ptr<std::vector<bool>> same = std::make_shared<std::vector<bool>>();
        core::Waker last;
        int polls = 0;
        core::Poll<void> poll(core::Context& cx) {
            if (polls++ > 0) same->push_back(last.will_wake(cx.waker()));
            last = cx.waker();
            return polls == 3 ? core::Poll<void>::ready() : core::Poll<void>::pending();
        }
    };
    Probe probe;
    auto same = probe.same;
    auto f = core::traced("will_wake", std::move(probe));
    core::testing::CountingWaker a, b;
    core::Context ca(a.waker()), cb(b.waker());
    (void)f.poll(ca);
    (void)f.poll(ca);  // same executor waker: the inner future sees the same waker
    (void)f.poll(cb);  // a different one: the inner future must see a change
    core::trace::stop();
    CHECK(*same == std::vector<bool>{true, false});
}

TEST_CASE("write_json writes a well-formed Chrome trace file, with thread names and escaped names",
          "[core][trace]") {
    core::trace::start();
    core::trace::name_thread("main \"test\" thread");
    auto f = core::traced("a \"quoted\" \\ name", add_after_yields(1, 1));
    CHECK(drive(f) == 2);
    core::trace::stop();
    auto path = (std::filesystem::temp_directory_path() / "core_trace_test.json").string();
    core::trace::write_json(path);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::remove(path.c_str());

    Json doc;
    REQUIRE_NOTHROW(doc = Parser(text.str()).parse());
    REQUIRE(doc.kind == Json::object);
    const Json* list = doc.get("traceEvents");
    REQUIRE(list);
    REQUIRE(list->kind == Json::array);
    for (const auto& e : list->items) {
        INFO("every event needs name, ph, pid and tid; timed ones need ts");
        REQUIRE(e.get("name"));
        REQUIRE(e.get("ph"));
        REQUIRE(e.get("pid"));
        REQUIRE(e.get("tid"));
        if (e.get("ph")->str != "M") REQUIRE(e.get("ts"));
    }
    CHECK(events(doc, "X", "a \"quoted\" \\ name").size() == 3);
    bool named = false;
    for (const auto& e : events(doc, "M", "thread_name"))
        named |= e.get("args")->get("name")->str == "main \"test\" thread";
    CHECK(named);
}

TEST_CASE("nothing is recorded while tracing is off", "[core][trace]") {
    core::trace::start();
    core::trace::stop();
    auto before = core::trace::event_count();
    auto f = core::traced("quiet", add_after_yields(2, 3));
    CHECK(drive(f) == 5);
    CHECK(core::trace::event_count() == before);
}

namespace {
// Pending forever, and keeps no waker: a future whose wake would come from
// something that was abandoned.
class NeverReady {
public:
    using Output = void;
    core::Poll<void> poll(core::Context&) { return core::Poll<void>::pending(); }
};

// The shape of a task: it is its own waker, and owns its (traced) future.
class TaskShape : public core::Wake {
public:
    void wake() override {}
    std::optional<core::Traced<NeverReady>> future;
};
}  // namespace

TEST_CASE("a traced future keeps no strong reference to its task's waker: an abandoned traced task is freed",
          "[core][trace]") {
    core::trace::start();
    std::weak_ptr<TaskShape> watch;
    {
        auto task = std::make_shared<TaskShape>();
        watch = task;
        task->future.emplace(core::traced("abandoned", NeverReady{}));
        const core::Waker waker = core::Waker::from(task);
        core::Context cx(waker);
        REQUIRE(task->future->poll(cx).is_pending());
    }
    core::trace::stop();
    INFO("the task (its own waker) is still alive with nobody holding it: the Traced wrapper keeps a strong "
         "reference to the waker it wraps, a cycle task -> future -> wrapper -> waker -> task");
    CHECK(watch.expired());
    if (auto leaked = watch.lock()) leaked->future.reset();  // break the cycle, so the leak is not reported twice
}
