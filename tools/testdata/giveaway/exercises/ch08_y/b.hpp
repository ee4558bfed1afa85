// A chapter whose book has no "## The exercise" heading: all of it counts.
#pragma once
namespace ch08 {
class Q {
public:
    void push(int v) {
        // TODO: what if the queue is full?
        core::todo("Q::push: append v");
    }
    int size() const { return n_; }  // not an exercise: no todo

private:
    int n_ = 0;
};
}  // namespace ch08
