#include "tandem/core/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "tandem/core/allocator.h"
#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::expect_values;

using testing::expect_error;

TEST(Tensor, NestedListsInferDtypeLikeTensorFlow) {
  Tensor f = constant({{1.f, 2.f}, {3.f, 4.f}});
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(f.shape(), Shape({2, 2}));
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));

  Tensor d = constant({1.5, 2.5});  // C++ doubles are Python floats: float32, as tf.constant
  EXPECT_EQ(d.dtype(), float32);

  Tensor i = constant({1, 2, 3});
  EXPECT_EQ(i.dtype(), int32);
  EXPECT_EQ(i.shape(), Shape({3}));

  Tensor mixed = constant({1, 2.5});
  EXPECT_EQ(mixed.dtype(), float32) << "one float makes the whole literal float";
  EXPECT_EQ(mixed.to_vector<float>(), (std::vector<float>{1, 2.5}));

  Tensor b = constant({true, false, true});
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, false, true}));

  Tensor s = constant({{"a", "bc"}, {"", "d"}});
  EXPECT_EQ(s.dtype(), string);
  EXPECT_EQ(s.shape(), Shape({2, 2}));
  EXPECT_EQ(s.to_vector<std::string>(), (std::vector<std::string>{"a", "bc", "", "d"}));
}

TEST(Tensor, ScalarsAndImplicitConversion) {
  Tensor s = constant(3);
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.shape(), Shape());
  EXPECT_EQ(s.num_elements(), 1);
  EXPECT_EQ(s.item<int32_t>(), 3);
  Tensor t = {{1, 2, 3}, {4, 5, 6}};  // a literal converts implicitly
  EXPECT_EQ(t.shape(), Shape({2, 3}));
  EXPECT_EQ(t.dtype(), int32);
  Tensor deep = constant({{{1}, {2}}, {{3}, {4}}, {{5}, {6}}});
  EXPECT_EQ(deep.shape(), Shape({3, 2, 1}));
  EXPECT_EQ(deep.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
}

TEST(Tensor, ExplicitDtype) {
  Tensor d = constant({1, 2}, float64);
  EXPECT_EQ(d.dtype(), float64);
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{1, 2}));
  Tensor h = constant({0.5, 1.5}, float16);
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(h.nbytes(), 4u);
  EXPECT_EQ(h.to_vector<float>(), (std::vector<float>{0.5f, 1.5f}));
  Tensor i = constant({1.0, 2.0}, int64);  // integral floats convert
  EXPECT_EQ(i.dtype(), int64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
  Tensor big = constant({int64_t{1} << 60}, int64);
  EXPECT_EQ(big.item<int64_t>(), int64_t{1} << 60) << "exact beyond 2^53";
  Tensor u = constant({0, 255}, uint8);
  EXPECT_EQ(u.to_vector<int32_t>(), (std::vector<int32_t>{0, 255}));
  Tensor bools = constant({0, 3}, bool_);
  EXPECT_EQ(bools.to_vector<bool>(), (std::vector<bool>{false, true}));
}

TEST(Tensor, LiteralErrors) {
  expect_error<ValueError>(
      [] {
        constant({{1, 2}, {3}});
      },
      "nested lists must be rectangular; expected 2 items at depth 1, received 1");
  expect_error<ValueError>([] { constant({{1, 2}, 3}); }, "nested lists must be rectangular");
  expect_error<TypeError>(
      [] {
        constant({Literal(1), Literal("a")});
      },
      "cannot mix strings and numbers");
  expect_error<TypeError>([] { constant({1.5, 2.0}, int32); }, "cannot convert 1.5 to dtype int32");
  expect_error<TypeError>([] { constant({"a"}, float32); },
                          "cannot convert a string literal to dtype float32");
  expect_error<TypeError>(
      [] {
        constant({1, 2}, string);
      },
      "cannot convert a numeric literal to dtype string");
}

TEST(Tensor, EmptyListIsAFloatVectorOfLengthZero) {
  Tensor e = Tensor(Literal(std::initializer_list<Literal>{}));
  EXPECT_EQ(e.dtype(), float32);
  EXPECT_EQ(e.shape(), Shape({0}));
  EXPECT_EQ(e.num_elements(), 0);
  EXPECT_TRUE(e.to_vector<float>().empty());
}

TEST(Tensor, FromVector) {
  Tensor t = Tensor::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.dtype(), float64);
  EXPECT_EQ(t.shape(), Shape({2, 3}));
  EXPECT_EQ(t.data<double>()[4], 5.0);
  EXPECT_EQ(t.nbytes(), 48u);
  Tensor s = Tensor::from_vector(std::vector<std::string>{"x", "y"}, {2});
  EXPECT_EQ(s.dtype(), string);
  EXPECT_EQ(s.to_vector<std::string>()[1], "y");
  Tensor h = Tensor::from_vector(std::vector<Half>{Half(1.5f), Half(-2.0f)}, {2});
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(h.to_vector<double>(), (std::vector<double>{1.5, -2.0}));
  Tensor scalar = Tensor::from_vector(std::vector<int64_t>{9}, Shape{});
  EXPECT_EQ(scalar.rank(), 0);
  EXPECT_EQ(scalar.item<int64_t>(), 9);
  expect_error<ValueError>(
      [] {
        Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5}, {2, 3});
      },
      "from_vector: expected 6 values for shape (2, 3), received 5");
}

TEST(Tensor, ItemAndToVectorConvertLikePython) {
  Tensor f = constant(2.75f);
  EXPECT_EQ(f.item<float>(), 2.75f);
  EXPECT_EQ(f.item<double>(), 2.75);
  EXPECT_EQ(f.item<int32_t>(), 2) << "float to int truncates toward zero, like int()";
  EXPECT_EQ(constant(-2.75f).item<int64_t>(), -2);
  EXPECT_TRUE(f.item<bool>());
  EXPECT_FALSE(constant(0.0f).item<bool>());
  EXPECT_EQ(constant(true).item<float>(), 1.0f);
  EXPECT_EQ(constant({{7}}).item<int32_t>(), 7) << "any one-element tensor";
  EXPECT_EQ(constant({1, -2, 3}).to_vector<double>(), (std::vector<double>{1, -2, 3}));
  EXPECT_EQ(constant({0.5f, -1.5f}).to_vector<int32_t>(), (std::vector<int32_t>{0, -1}));
  EXPECT_EQ(constant({true, false}).to_vector<int32_t>(), (std::vector<int32_t>{1, 0}));
  float nan = constant(std::numeric_limits<float>::quiet_NaN()).item<float>();
  EXPECT_TRUE(std::isnan(nan));
}

TEST(Tensor, ReadBackErrors) {
  expect_error<ValueError>(
      [] {
        constant({1, 2}).item<int32_t>();
      },
      "item() expects a tensor with exactly one element, received shape (2,)");
  expect_error<TypeError>([] { constant({1.f}).data<double>(); },
                          "data<float64>() called on a tensor of dtype float32");
  expect_error<TypeError>([] { constant({"a"}).to_vector<float>(); },
                          "to_vector<float32>() called on a string tensor");
  expect_error<ValueError>([] { Tensor().shape(); }, "operation on an undefined Tensor");
  EXPECT_FALSE(Tensor().defined());
}

TEST(Tensor, SixteenBitFloatsRoundTrip) {
  std::vector<float> v = {0.0f, 1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24), 0.1f};
  Tensor h = cast(Tensor::from_vector(v, {6}), float16);
  std::vector<float> back = h.to_vector<float>();
  EXPECT_EQ(back[0], 0.0f);
  EXPECT_EQ(back[1], 1.0f);
  EXPECT_EQ(back[2], -2.5f);
  EXPECT_EQ(back[3], 65504.0f);
  EXPECT_EQ(back[4], std::ldexp(1.0f, -24)) << "subnormal survives";
  EXPECT_EQ(back[5], 0.0999755859375f) << "nearest float16 to 0.1";
  Tensor inf = cast(constant({1e6f, -1e6f}), float16);
  EXPECT_EQ(inf.to_vector<float>()[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(inf.to_vector<float>()[1], -std::numeric_limits<float>::infinity());
  Tensor bf = cast(Tensor::from_vector(v, {6}), bfloat16);
  std::vector<float> bback = bf.to_vector<float>();
  EXPECT_EQ(bback[2], -2.5f);
  EXPECT_EQ(bback[3], 65536.0f) << "bfloat16 keeps 8 significant bits";
  EXPECT_EQ(bback[5], 0.10009765625f);
  Tensor h_nan = cast(constant({std::numeric_limits<float>::quiet_NaN()}), float16);
  EXPECT_TRUE(std::isnan(h_nan.item<float>()));
  Tensor h_from_f64 = cast(constant({1.0 / 3.0}, float64), float16);
  EXPECT_EQ(h_from_f64.item<float>(), 0.333251953125f);
}

TEST(Tensor, EmptyAndViews) {
  Tensor e = Tensor::empty({3, 0}, float32, Device::cpu());
  EXPECT_EQ(e.num_elements(), 0);
  EXPECT_EQ(e.nbytes(), 0u);
  Tensor base = constant({{1, 2, 3}, {4, 5, 6}});
  Tensor view = Tensor::from_storage(base.storage(), 3 * sizeof(int32_t), Shape({3}), int32);
  EXPECT_EQ(view.to_vector<int32_t>(), (std::vector<int32_t>{4, 5, 6}));
  EXPECT_EQ(view.storage_offset(), 12u);
  EXPECT_EQ(view.storage(), base.storage());
  EXPECT_NE(view.id(), base.id()) << "each tensor value has its own identity";
  Tensor copy = base;
  EXPECT_EQ(copy.id(), base.id()) << "copies of a handle are the same value";
}

TEST(Tensor, CpuTensorsStayOnTheCpu) {
  Tensor t = constant({1.f, 2.f});
  EXPECT_TRUE(t.device().is_cpu());
  Tensor same = t.cpu();
  EXPECT_EQ(same.raw_data(), t.raw_data()) << "no copy when already there";
  if (cuda_device_count() == 0) {
    expect_error<ValueError>([&] { t.to(Device::cuda(0)); }, "cuda:0");
  }
}

TEST(Tensor, EmptyRejectsShapesWhoseSizeOverflows) {
  expect_error<ValueError>(
      [] {
        Tensor::empty(Shape{int64_t{1} << 62, 8}, float32);
      },
      "(4611686018427387904, 8)");
  // The element count fits in int64, its byte size does not.
  expect_error<ValueError>(
      [] { Tensor::empty(Shape{int64_t{1} << 62}, float32, Device::cpu(), "zeros"); },
      "zeros: a float32 tensor of shape (4611686018427387904,) would take");
  EXPECT_EQ(Tensor::byte_size(Shape{3, 5}, float64), 120);
  EXPECT_EQ(Tensor::byte_size(Shape{int64_t{1} << 62, 0}, float64), 0);
}

// 4 TiB is more than the machine holds: the allocator refuses it without asking the system for
// it (so no memory is committed whatever the overcommit policy), and the error says what was
// asked for and what the allocator holds.
TEST(Tensor, UnsatisfiableAllocationIsResourceExhaustedError) {
  Tensor keep = Tensor::empty(Shape{1024}, float32, Device::cpu());
  AllocatorStats before = cpu_allocator::stats();
  try {
    Tensor::empty(Shape{int64_t{1} << 40}, float32, Device::cpu(), "zeros");
    ADD_FAILURE() << "expected ResourceExhaustedError";
  } catch (const ResourceExhaustedError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("zeros: out of memory allocating 4398046511104 bytes (4.00 TiB) for a "
                     "float32 tensor of shape (1099511627776,) on CPU:0"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("the allocator holds " + std::to_string(before.bytes_in_use) + " bytes"),
              std::string::npos)
        << m;
  }
  EXPECT_EQ(cpu_allocator::stats().bytes_in_use, before.bytes_in_use) << "nothing leaked";
  EXPECT_GE(before.bytes_in_use, 4096);
}

TEST(Tensor, FromStorageChecksTheStorageHoldsTheView) {
  Tensor base = constant({{1, 2, 3}, {4, 5, 6}});
  expect_error<ValueError>(
      [&] { Tensor::from_storage(base.storage(), 16, Shape({3}), int32); },
      "from_storage: a int32 tensor of shape (3,) needs 12 bytes at offset 16, but the storage "
      "holds 24 bytes");
  expect_error<ValueError>(
      [&] {
        Tensor::from_storage(base.storage(), 0, Shape({int64_t{1} << 62, 8}), int32);
      },
      "(4611686018427387904, 8)");
  Tensor last = Tensor::from_storage(base.storage(), 12, Shape({3}), int32);
  EXPECT_EQ(last.to_vector<int32_t>(), (std::vector<int32_t>{4, 5, 6}));
}

}  // namespace
}  // namespace tandem
