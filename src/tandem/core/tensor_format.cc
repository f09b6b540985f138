// TEMPORARY minimal printing; replaced by the numpy-style formatter.
#include <sstream>

#include "tandem/core/tensor.h"

namespace tandem {

std::string Tensor::values_string() const {
  std::ostringstream out;
  std::vector<double> v = dtype() == DType::kString ? std::vector<double>() : to_vector<double>();
  out << "[";
  for (size_t i = 0; i < v.size(); ++i) out << (i ? " " : "") << v[i];
  out << "]";
  return out.str();
}

std::string Tensor::to_string() const {
  return "tf.Tensor(" + values_string() + ", shape=" + shape().to_string() + ", dtype=" + dtype_name(dtype()) + ")";
}

}  // namespace tandem
