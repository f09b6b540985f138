// Helpers for the metric tests: the "state is a sum" check that data-parallel training relies on.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tandem/metrics/metric.h"
#include "tandem/ops/math.h"
#include "testing/assertions.h"

namespace tandem::testing {

// Feeds `feed_a` to one metric and `feed_b` to another, sums their variables into a fresh third
// metric (what an all-reduce across two ranks does) and expects its result to equal that of one
// metric fed both.
template <class Make, class FeedA, class FeedB>
void expect_state_sums(Make make, FeedA feed_a, FeedB feed_b, double tol = 1e-6) {
  auto a = make();
  auto b = make();
  auto both = make();
  auto merged = make();
  feed_a(*a);
  feed_b(*b);
  feed_a(*both);
  feed_b(*both);
  ASSERT_EQ(a->variables().size(), merged->variables().size());
  for (size_t i = 0; i < merged->variables().size(); ++i) {
    Variable target = merged->variables()[i];
    target.assign(a->variables()[i].value() + b->variables()[i].value());
  }
  expect_values(merged->result(), both->result().template to_vector<double>(), tol);
}

}  // namespace tandem::testing
