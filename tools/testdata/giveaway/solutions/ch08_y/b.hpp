// A chapter whose book has no "## The exercise" heading: all of it counts.
#pragma once
namespace ch08 {
class Q {
public:
    void push(int v) {
        if (n_ == cap_) {
            return;
        }
        items_[n_++] = v;  // comment: not counted
        /* a block comment line */
    }
    int size() const { return n_; }  // not an exercise: no todo

private:
    int n_ = 0, cap_ = 4;
    int items_[4];
};
}  // namespace ch08
