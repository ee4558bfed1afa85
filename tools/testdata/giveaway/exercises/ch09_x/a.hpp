#pragma once
namespace ch09 {
struct S {
    S(int a, int b) : a_{a}, b_(b) { core::todo("S: keep a and b"); }
    int f(int) { core::todo("f(int)"); }
    int f(double) {
        // TODO: multiply x by 1'000
        core::todo("f(double): return x * 1000");
    }
    auto operator()() const { core::todo(R"(call {it})"); }
    int a_, b_;
};
template <class T> requires (sizeof(T) > 1)
T g(T x) { core::todo("g: " "return x + 1"); }
}
