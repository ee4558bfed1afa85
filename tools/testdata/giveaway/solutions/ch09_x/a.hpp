#pragma once
namespace ch09 {
struct S {
    S(int a, int b) : a_{a}, b_(b) {
        check(a, b);
    }
    int f(int) { return 1; }
    int f(double x) {
        return x * 1000;
    }
    auto operator()() const { return call_it(a_ + b_); }
    int a_, b_;
};
template <class T> requires (sizeof(T) > 1)
T g(T x) {
    auto y = x;  // comment { with brace "
    return y + 1;
}
}
