// Kokkos views over tensor data, so custom ops can be written as Kokkos kernels (DESIGN section 5).
//
//   Kokkos::ScopeGuard kokkos;                       // once, in main()
//   auto x = input.as_view<float, 2>();              // read-only, no copy
//   Tensor out = Tensor::empty(input.shape(), float32, Device::cpu());
//   auto y = as_mutable_view<float, 2>(out);         // writes land in `out`
//   Kokkos::parallel_for(x.extent(0), KOKKOS_LAMBDA(int i) { ... y(i, j) = f(x(i, j)); });
//
// Views are unmanaged, row-major (LayoutRight) and in HostSpace: they do not own or keep alive the
// tensor's storage, so the tensor must outlive the view. Wrap the op in tandem::custom_gradient to
// make it differentiable (see examples/kokkos_custom_op.cc).
#pragma once

#include <Kokkos_Core.hpp>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"

namespace tandem {

namespace kokkos_detail {

template <class T, int Rank>
struct AddPointers {
  using type = typename AddPointers<T, Rank - 1>::type*;
};
template <class T>
struct AddPointers<T, 0> {
  using type = T;
};

template <class T, int Rank>
using HostView = Kokkos::View<typename AddPointers<T, Rank>::type, Kokkos::LayoutRight,
                              Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

// Kokkos::View has at most 8 dimensions; string tensors hold std::string objects, not numbers.
template <class T, int Rank>
constexpr void static_checks() {
  static_assert(Rank >= 0 && Rank <= 8, "Kokkos views have between 0 and 8 dimensions");
  static_assert(!std::is_same_v<std::remove_const_t<T>, std::string>,
                "string tensors have no Kokkos view");
}

template <class T, int Rank>
std::string signature(const char* fn) {
  return detail::concat(fn, "<", dtype_name(dtype_of<std::remove_const_t<T>>()), ", ", Rank, ">");
}

template <class T, int Rank>
void check_viewable(const char* fn, const Tensor& t) {
  std::string sig = signature<T, Rank>(fn);
  TANDEM_CHECK(t.defined(), ValueError, sig, ": the tensor is undefined");
  TANDEM_CHECK(t.device().is_cpu(), ValueError, sig, ": the tensor lives on ",
               t.device().to_string(),
               "; views are over host memory (Kokkos::HostSpace), so copy it with .cpu() first");
  TANDEM_CHECK(t.dtype() == dtype_of<std::remove_const_t<T>>(), TypeError, sig,
               ": the tensor has dtype ", dtype_name(t.dtype()));
  TANDEM_CHECK(t.rank() == Rank, ShapeError, sig, ": expected a tensor of rank ", Rank,
               ", received shape ", t.shape().to_string());
}

template <class T, int Rank, size_t... I>
HostView<T, Rank> make_view(T* data, const Shape& shape, std::index_sequence<I...>) {
  return HostView<T, Rank>(data, static_cast<size_t>(shape[static_cast<int>(I)])...);
}

}  // namespace kokkos_detail

// Read-only view of a CPU tensor's elements (tensors are immutable values).
template <class T, int Rank>
auto Tensor::as_view() const {
  kokkos_detail::static_checks<T, Rank>();
  kokkos_detail::check_viewable<T, Rank>("as_view", *this);
  return kokkos_detail::make_view<const T, Rank>(data<T>(), shape(),
                                                 std::make_index_sequence<Rank>());
}

// Writable view of a tensor nobody else can observe yet: the output a custom op has just made with
// Tensor::empty. Throws ValueError when other handles or views share the tensor's data, since
// writing would change values they already hold.
template <class T, int Rank>
kokkos_detail::HostView<T, Rank> as_mutable_view(Tensor& t) {
  kokkos_detail::static_checks<T, Rank>();
  kokkos_detail::check_viewable<T, Rank>("as_mutable_view", t);
  TANDEM_CHECK(t.impl_ptr().use_count() == 1 && t.storage().use_count() == 1, ValueError,
               kokkos_detail::signature<T, Rank>("as_mutable_view"),
               ": the tensor's data is shared with other tensors, which must keep their values; "
               "write into a fresh Tensor::empty output instead");
  return kokkos_detail::make_view<T, Rank>(const_cast<T*>(t.data<T>()), t.shape(),
                                           std::make_index_sequence<Rank>());
}

// Edits a CPU variable through a writable view: fn(view) works on a copy of the current value that
// is then assigned, so tensors read from the variable earlier keep their values.
template <class T, int Rank, class Fn>
void update_with_view(Variable& variable, Fn&& fn) {
  Tensor current = variable.value();
  kokkos_detail::check_viewable<T, Rank>("update_with_view", current);
  Tensor copy = Tensor::empty(current.shape(), current.dtype(), current.device());
  std::memcpy(const_cast<void*>(copy.raw_data()), current.raw_data(), current.nbytes());
  current = Tensor();  // so assign() can write in place instead of copying on write
  fn(as_mutable_view<T, Rank>(copy));
  variable.assign(copy);
}

}  // namespace tandem
