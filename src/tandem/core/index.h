// Typed indices for Tensor::operator[], mirroring Python's subscript syntax:
//   t[{Slice(), Slice(1, None)}]   is  t[:, 1:]
//   t[{ellipsis, 1, newaxis}]      is  t[..., 1, tf.newaxis]
//   t[{Slice(None, None, -1)}]     is  t[::-1]
// An integer removes its dimension; a Slice keeps it (clamped to the bounds, like Python slices).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <variant>

namespace tandem {

// Python's None inside a slice: Slice(1, None) is 1:.
inline constexpr auto None = std::nullopt;

// start:stop:step; an absent bound means "from the start" / "to the end" in the step's direction.
struct Slice {
  std::optional<int64_t> start, stop, step;

  Slice(std::optional<int64_t> start = std::nullopt, std::optional<int64_t> stop = std::nullopt,
        std::optional<int64_t> step = std::nullopt)
      : start(start), stop(stop), step(step) {}
};

// `...`: as many full slices as the dimensions the other indices leave over.
inline constexpr struct EllipsisIndex {
} ellipsis;
// tf.newaxis: inserts a dimension of size 1.
inline constexpr struct NewAxisIndex {
} newaxis;

// One entry of a subscript: an integer, a Slice, ellipsis or newaxis (None also means newaxis,
// as in Python's t[None]).
class TensorIndex {
 public:
  template <std::integral I>
  requires(!std::same_as<I, bool>) TensorIndex(I index)
      : value_(static_cast<int64_t>(index)) {}             // NOLINT: implicit like Python
  TensorIndex(Slice slice) : value_(slice) {}              // NOLINT
  TensorIndex(EllipsisIndex) : value_(EllipsisIndex{}) {}  // NOLINT
  TensorIndex(NewAxisIndex) : value_(NewAxisIndex{}) {}    // NOLINT
  TensorIndex(std::nullopt_t) : value_(NewAxisIndex{}) {}  // NOLINT

  bool is_integer() const { return std::holds_alternative<int64_t>(value_); }
  bool is_slice() const { return std::holds_alternative<Slice>(value_); }
  bool is_ellipsis() const { return std::holds_alternative<EllipsisIndex>(value_); }
  bool is_newaxis() const { return std::holds_alternative<NewAxisIndex>(value_); }
  int64_t integer() const { return std::get<int64_t>(value_); }
  const Slice& slice() const { return std::get<Slice>(value_); }

 private:
  std::variant<int64_t, Slice, EllipsisIndex, NewAxisIndex> value_;
};

}  // namespace tandem
